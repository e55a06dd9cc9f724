// @ts-check
/**
 * Picking units for a dispatch: a lead unit select with a search box that narrows it, and the
 * co-handling units as chips added from a search (type a name, pick it from the suggestions,
 * Enter). Only units that handle tickets are offered (not the hotline centre, not the city).
 * The chips are hidden inputs named like the field, so the form reads them as a multi-select.
 */
import { h } from "../dom.js";
import { field, uid } from "../forms.js";
import { t } from "../i18n.js";

/**
 * Units that may be given tickets, in tree order: [id, indented name].
 * @param {import("../org.js").Org} org
 */
export function handlingUnitOptions(org) {
  return org.treeOptions(org.departments.filter((d) => d.handlesTickets !== false));
}

/**
 * A search box that narrows the options of `select` to those containing the text.
 * @param {HTMLSelectElement} select
 * @param {string} label
 */
export function searchableSelect(select, label) {
  const search = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "search",
      class: "unit-search",
      placeholder: t("picker.search"),
      "aria-label": t("picker.searchIn", { field: label }),
      "aria-controls": select.id || undefined,
      dataset: { testid: `search-${select.name}` },
    })
  );
  search.addEventListener("input", () => {
    const q = search.value.trim().toLowerCase();
    let first = /** @type {HTMLOptionElement | null} */ (null);
    for (const o of select.options) {
      const hit = !o.value || !q || o.text.toLowerCase().includes(q);
      o.hidden = !hit;
      if (hit && o.value && !first) first = o;
    }
    const current = select.selectedOptions[0];
    if (q && first && (!current || current.hidden || !current.value)) {
      select.value = first.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  // Enter in the search box picks the narrowed unit, it does not submit the form.
  search.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      select.focus();
    }
  });
  return search;
}

/**
 * Co-handling units as chips.
 * @param {string} name the payload field (coDepartmentIds)
 * @param {string} label
 * @param {import("../org.js").Org} org
 */
export function unitChips(name, label, org) {
  const options = handlingUnitOptions(org).map(([id]) => ({ id, name: org.deptName(id) }));
  const listId = uid("units");
  const input = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "search",
      name: `${name}Search`,
      list: listId,
      autocomplete: "off",
      placeholder: t("picker.addUnit"),
      dataset: { testid: `chips-input-${name}` },
    })
  );
  const chips = h("ul", { class: "chips", "aria-live": "polite", dataset: { testid: `chips-${name}` } });
  /** @type {Set<number>} */
  const chosen = new Set();

  /** @param {number} id */
  const add = (id) => {
    if (chosen.has(id)) return;
    chosen.add(id);
    const chip = h(
      "li",
      { class: "chip", dataset: { id } },
      h("span", { text: org.deptName(id) }),
      h("input", { type: "hidden", name, value: String(id) }),
      h("button", {
        type: "button",
        class: "chip-remove",
        "aria-label": t("picker.remove", { name: org.deptName(id) }),
        text: "×",
        onclick: () => {
          chosen.delete(id);
          chip.remove();
          input.form?.dispatchEvent(new Event("change", { bubbles: true }));
          input.focus();
        },
      }),
    );
    chips.append(chip);
  };
  const pick = () => {
    const text = input.value.trim();
    const hit =
      options.find((o) => o.name === text) ?? (text ? options.filter((o) => o.name.includes(text)) : []);
    const one = Array.isArray(hit) ? (hit.length === 1 ? hit[0] : undefined) : hit;
    if (!one) return false;
    add(one.id);
    input.value = "";
    input.form?.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  };
  input.addEventListener("change", pick);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.ctrlKey && !e.metaKey && input.value.trim()) {
      e.preventDefault();
      pick();
    }
  });
  const wrap = field(label, input, { class: "unit-chips" });
  wrap.append(
    h(
      "datalist",
      { id: listId },
      options.map((o) => h("option", { value: o.name })),
    ),
    chips,
  );
  // Drafts (drafts.js restoreForm) put the saved units back as chips.
  Object.assign(wrap, {
    /** @param {string[]} values */
    restoreDraft: (values) => {
      for (const v of values) if (options.some((o) => o.id === Number(v))) add(Number(v));
    },
  });
  wrap.dataset.draftName = name;
  return wrap;
}
