// @ts-check
/**
 * Departments as a tree: create (top level or below a unit), rename, and say whether a unit
 * handles tickets. Units that handle none (the hotline centre) carry a badge.
 */
import { api } from "../../api.js";
import { flash, h, replace } from "../../dom.js";
import { field } from "../../forms.js";
import { t } from "../../i18n.js";
import { reloadOrg } from "../../org.js";
import { fetchDepartments, localName, onSubmit, str } from "./common.js";

/** @typedef {import("../../org.js").Department} Department */

/**
 * @param {HTMLElement} el
 */
export function renderDepartmentsAdmin(el) {
  const tree = h("div", { class: "dept-tree", dataset: { testid: "dept-tree" } });

  /**
   * A form for a new department (below `parent`, or at the top) or for editing `dept`.
   * @param {{ parent?: Department | null, dept?: Department }} opts
   */
  const deptForm = (opts) => {
    const d = opts.dept;
    const handles = /** @type {HTMLInputElement} */ (
      h("input", { type: "checkbox", name: "handlesTickets", checked: d ? d.handlesTickets !== false : true })
    );
    const form = /** @type {HTMLFormElement} */ (
      h(
        "form",
        { class: "admin-inline", novalidate: true, dataset: { testid: d ? "dept-edit" : "dept-create" } },
        h(
          "div",
          { class: "row" },
          field(t("admin.dept.name"), h("input", { name: "name", value: d?.name ?? "", required: true })),
          field(t("admin.dept.nameEn"), h("input", { name: "nameEn", value: d?.nameEn ?? "" })),
          d
            ? null
            : field(t("admin.dept.code"), h("input", { name: "code", required: true, autocomplete: "off" }), {
                hint: t("admin.codeHint"),
              }),
          h("div", { class: "field check" }, h("label", {}, handles, t("admin.dept.handlesTickets"))),
        ),
        h(
          "div",
          { class: "form-actions" },
          h("button", {
            type: "submit",
            class: "btn btn-primary",
            text: d ? t("admin.save") : t("admin.create"),
          }),
          h("button", {
            type: "button",
            class: "btn",
            text: t("admin.cancel"),
            onclick: () => form.remove(),
          }),
        ),
      )
    );
    onSubmit(form, async (data) => {
      const common = {
        name: str(data, "name"),
        nameEn: str(data, "nameEn"),
        handlesTickets: handles.checked,
      };
      if (d) await api(`/api/v1/departments/${d.id}`, { method: "PATCH", body: common });
      else
        await api("/api/v1/departments", {
          body: {
            ...common,
            nameEn: common.nameEn || null,
            code: str(data, "code"),
            parentId: opts.parent?.id ?? null,
          },
        });
      flash(t(d ? "admin.saved" : "admin.dept.created", { name: common.name }), "ok");
      reloadOrg();
      await load();
    });
    return form;
  };

  /**
   * @param {Department} d
   * @param {Map<number | null, Department[]>} children
   * @returns {HTMLElement}
   */
  const node = (d, children) => {
    const slot = h("div", { class: "dept-form-slot" });
    const open = (/** @type {HTMLFormElement} */ form) => {
      replace(slot, form);
      /** @type {HTMLInputElement | null} */ (form.querySelector("input"))?.focus();
    };
    const kids = children.get(d.id) ?? [];
    return h(
      "li",
      { dataset: { code: d.code } },
      h(
        "div",
        { class: `dept-node${d.handlesTickets === false ? " no-tickets" : ""}` },
        h("span", { class: "dept-name", text: localName(d) }),
        h("code", { class: "muted", text: d.code }),
        d.handlesTickets === false
          ? h("span", {
              class: "badge badge-warn",
              title: t("admin.dept.noTicketsHint"),
              dataset: { testid: "no-tickets" },
              text: t("admin.dept.noTickets"),
            })
          : null,
        h("span", { class: "spacer" }),
        h("button", {
          type: "button",
          class: "btn btn-small",
          text: t("admin.edit"),
          onclick: () => open(deptForm({ dept: d })),
        }),
        h("button", {
          type: "button",
          class: "btn btn-small",
          text: t("admin.dept.addChild"),
          onclick: () => open(deptForm({ parent: d })),
        }),
      ),
      slot,
      kids.length
        ? h(
            "ul",
            {},
            kids.map((k) => node(k, children)),
          )
        : null,
    );
  };

  async function load() {
    try {
      const depts = await fetchDepartments();
      /** @type {Map<number | null, Department[]>} */
      const children = new Map();
      for (const d of [...depts].sort((a, b) => a.id - b.id)) {
        const list = children.get(d.parentId) ?? [];
        list.push(d);
        children.set(d.parentId, list);
      }
      replace(
        tree,
        h(
          "ul",
          { class: "tree-root" },
          (children.get(null) ?? []).map((d) => node(d, children)),
        ),
      );
    } catch (err) {
      replace(tree, h("p", { class: "error", text: String(err) }));
    }
  }

  const topSlot = h("div");
  replace(
    el,
    h(
      "div",
      { class: "admin-head" },
      h("p", { class: "hint", text: t("admin.dept.intro") }),
      h("button", {
        type: "button",
        class: "btn",
        text: t("admin.dept.addTop"),
        onclick: () => replace(topSlot, deptForm({ parent: null })),
      }),
    ),
    topSlot,
    tree,
  );
  load();
}
