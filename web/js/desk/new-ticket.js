// @ts-check
/**
 * Register a ticket during a live call, then dispatch it on the spot (lead unit preselected
 * from the dispatch catalogue, optional co-handling units) or answer it directly.
 *
 * Keyboard: fields in the order a caller gives them; Ctrl+Enter registers; the dispatch form
 * then has focus on its lead unit and Ctrl+Enter (or Enter on the button) dispatches.
 * The draft survives navigating away and back, a language switch, a reload and an expired
 * session (sessionStorage, see drafts.js; the idempotency key with it, so a resend never
 * registers the call twice).
 */
import { ApiError, api, qs } from "../api.js";
import { flash, h, replace } from "../dom.js";
import { draftKey, dropDraft, loadDraft, saveDraft } from "../drafts.js";
import { clearFieldErrors, field, select, showFieldErrors, submitOnCtrlEnter } from "../forms.js";
import { eventLabel, t } from "../i18n.js";
import { duplicateHint } from "./duplicates.js";
import { eventForm } from "./event-form.js";
import { ticketHref } from "./router.js";

const FIELDS = [
  "citizenName",
  "citizenPhone",
  "area",
  "address",
  "categoryCode",
  "urgency",
  "channel",
  "title",
  "description",
];
const REQUIRED = ["citizenName", "citizenPhone", "categoryCode", "title", "description"];

/**
 * @typedef {{ values: Record<string, string>, confidential: boolean, key: string,
 *   created: Record<string, any> | null, done: { text: string, id: number } | null,
 *   answerSuggested?: boolean }} Draft
 */

/**
 * Draft values once submit has checked the required fields: those are there.
 * @typedef {Record<string, string> & Record<"citizenName" | "citizenPhone" | "title" | "description", string>} CheckedValues
 */

/** @returns {Draft} */
const emptyDraft = () => ({
  values: { urgency: "normal", channel: "phone" },
  confidential: false,
  key: crypto.randomUUID(),
  created: null,
  done: null,
});

/** @type {Draft | null} */
let draft = null;
const DRAFT = () => draftKey("new", "ticket");
const persist = () => saveDraft(DRAFT(), draft);

/**
 * A category from what was typed: its name (either language) or its code.
 * @param {import("../org.js").Org} org
 * @param {string} text
 */
function findCategory(org, text) {
  const v = text.trim().toLowerCase();
  if (!v) return undefined;
  return org.categories.find(
    (c) => c.code.toLowerCase() === v || c.name === text.trim() || c.nameEn?.toLowerCase() === v,
  );
}

/**
 * @param {HTMLElement} view
 * @param {{ user: import("../session.js").User, org: import("../org.js").Org }} ctx
 */
export function renderNewTicket(view, ctx) {
  const { org } = ctx;
  draft ??= /** @type {Draft | null} */ (loadDraft(DRAFT())) ?? emptyDraft();
  const d = draft;
  const categoryList = h(
    "datalist",
    { id: "category-options" },
    org.categories.map((c) => h("option", { value: org.categoryName(c.code), label: c.code })),
  );
  const input = (/** @type {string} */ name, /** @type {Record<string, any>} */ attrs = {}) =>
    h("input", { name, value: d.values[name] ?? "", ...attrs });
  const confidential = /** @type {HTMLInputElement} */ (
    h("input", { type: "checkbox", name: "confidential", id: "nt-confidential", checked: d.confidential })
  );
  const suggestion = h("p", {
    class: "suggestion",
    role: "status",
    "aria-live": "polite",
    dataset: { testid: "suggestion" },
  });
  const dupBox = h("div", { "aria-live": "polite" }, h("p", { class: "muted", text: t("new.dupIdle") }));
  const message = h("p", { class: "form-message", role: "alert" });
  const submit = /** @type {HTMLButtonElement} */ (
    h("button", {
      type: "submit",
      class: "btn btn-primary",
      dataset: { testid: "create-ticket" },
      text: t("new.submit"),
    })
  );

  const fieldset = /** @type {HTMLFieldSetElement} */ (
    h(
      "fieldset",
      { class: "intake-fields" },
      h("legend", { class: "sr-only", text: t("new.heading") }),
      h(
        "div",
        { class: "row" },
        field(
          t("ticket.citizenName"),
          input("citizenName", { id: "nt-citizenName", autocomplete: "off", required: true }),
        ),
        field(
          t("ticket.citizenPhone"),
          input("citizenPhone", {
            id: "nt-citizenPhone",
            type: "tel",
            inputmode: "tel",
            autocomplete: "off",
            required: true,
          }),
        ),
        h(
          "div",
          { class: "field check" },
          confidential,
          h("label", { for: "nt-confidential", text: t("ticket.confidentialLong") }),
        ),
      ),
      h(
        "div",
        { class: "row" },
        field(
          t("ticket.area"),
          select(
            "area",
            org.districts().map((d) => /** @type {[string, string]} */ ([d.code, org.deptName(d.id)])),
            { placeholder: t("new.pickArea"), value: d.values.area ?? "" },
          ),
        ),
        field(t("ticket.address"), input("address", { id: "nt-address", autocomplete: "off" }), {
          class: "grow",
        }),
      ),
      h(
        "div",
        { class: "row" },
        field(
          t("ticket.category"),
          input("categoryCode", {
            id: "nt-category",
            list: "category-options",
            autocomplete: "off",
            required: true,
            placeholder: t("new.categorySearch"),
          }),
          { class: "grow" },
        ),
        field(
          t("ticket.urgency"),
          select(
            "urgency",
            ["normal", "urgent", "critical"].map(
              (u) => /** @type {[string, string]} */ ([u, t(`urgency.${u}`)]),
            ),
            { value: d.values.urgency },
          ),
        ),
        field(
          t("ticket.channel"),
          select(
            "channel",
            ["phone", "web", "app", "wechat", "sms", "email", "other"].map(
              (c) => /** @type {[string, string]} */ ([c, t(`channel.${c}`)]),
            ),
            { value: d.values.channel },
          ),
        ),
      ),
      categoryList,
      suggestion,
      field(
        t("ticket.title"),
        input("title", { id: "nt-title", autocomplete: "off", required: true, maxlength: 200 }),
      ),
      field(
        t("ticket.description"),
        h(
          "textarea",
          { name: "description", id: "nt-description", rows: 4, required: true },
          d.values.description ?? "",
        ),
      ),
    )
  );
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { id: "new-ticket-form", class: "intake", novalidate: true, "aria-labelledby": "new-heading" },
      fieldset,
      message,
      h("div", { class: "form-actions" }, submit, h("small", { class: "hint", text: t("new.submitHint") })),
    )
  );
  const after = h("div", { class: "after-create", dataset: { testid: "after-create" } });

  replace(
    view,
    h(
      "div",
      { class: "new-ticket" },
      h("section", { class: "panel" }, h("h1", { id: "new-heading", text: t("new.heading") }), form),
      h(
        "aside",
        { class: "side" },
        after,
        h(
          "section",
          { class: "panel", "aria-labelledby": "dup-h" },
          h("h2", { id: "dup-h", text: t("new.duplicates") }),
          dupBox,
        ),
      ),
    ),
  );

  const el = (/** @type {string} */ name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
  const checkDuplicates = duplicateHint(dupBox, () => d.created?.id);
  const save = () => {
    for (const name of FIELDS) d.values[name] = el(name).value;
    d.confidential = confidential.checked;
    persist();
  };

  let suggestionSeq = 0;
  const updateSuggestion = async () => {
    const category = findCategory(org, el("categoryCode").value);
    const mine = ++suggestionSeq;
    if (!category) {
      suggestion.textContent = "";
      return;
    }
    try {
      /** @type {{ departmentId: number | null, answerDirectly?: boolean }} */
      const r = await api(
        `/api/v1/categories/${encodeURIComponent(category.code)}/suggestion${qs({ area: el("area").value })}`,
      );
      if (mine !== suggestionSeq) return;
      suggestion.textContent = r.answerDirectly
        ? t("new.suggestAnswer")
        : r.departmentId
          ? t("new.suggested", { name: org.deptName(r.departmentId) })
          : t("new.noSuggestion");
      suggestion.dataset.departmentId = String(r.departmentId ?? "");
      d.answerSuggested = r.answerDirectly === true;
    } catch {
      suggestion.textContent = "";
    }
  };

  form.addEventListener("input", (e) => {
    save();
    const name = /** @type {HTMLInputElement} */ (e.target).name;
    if (name === "citizenPhone" || name === "title")
      checkDuplicates(el("citizenPhone").value.trim(), el("title").value.trim());
    if (name === "categoryCode") updateSuggestion();
  });
  form.addEventListener("change", (e) => {
    save();
    if (/** @type {HTMLInputElement} */ (e.target).name === "area") updateSuggestion();
  });
  submitOnCtrlEnter(form);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (d.created) return;
    clearFieldErrors(form);
    message.textContent = "";
    save();
    /** @type {Record<string, string>} */
    const errors = {};
    for (const name of REQUIRED) if (!d.values[name]?.trim()) errors[name] = t("field.required");
    const category = findCategory(org, d.values.categoryCode ?? "");
    if (d.values.categoryCode?.trim() && !category) errors.categoryCode = t("field.pickCategory");
    if (Object.keys(errors).length) {
      showFieldErrors(form, errors);
      message.textContent = t("err.validation");
      return;
    }
    const v = /** @type {CheckedValues} */ (d.values);
    const body = {
      channel: v.channel || "phone",
      citizenName: v.citizenName.trim(),
      citizenPhone: v.citizenPhone.trim(),
      confidential: d.confidential,
      area: v.area || undefined,
      address: v.address?.trim() || undefined,
      categoryCode: category?.code,
      urgency: v.urgency || "normal",
      title: v.title.trim(),
      description: v.description.trim(),
    };
    submit.disabled = true;
    submit.textContent = t("new.busy");
    try {
      /** @type {Record<string, any>} */
      const ticket = await api("/api/v1/tickets", {
        method: "POST",
        body,
        headers: { "idempotency-key": d.key },
      });
      d.created = ticket;
      persist();
      flash(t("new.created", { number: ticket.number }), "ok");
      showAfterCreate();
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const unplaced = showFieldErrors(form, err.fieldErrors);
      message.textContent = [err.message, ...unplaced].join(" ");
    } finally {
      submit.disabled = false;
      submit.textContent = t("new.submit");
    }
  });

  /**
   * After registering: the dispatch form (or answer directly — first, when the catalogue says the
   * category is answered on the call), then the result and "next call".
   * @param {boolean} [dispatchFirst] the agent chose to dispatch after all
   */
  async function showAfterCreate(dispatchFirst = false) {
    const ticket = d.created;
    fieldset.disabled = true;
    submit.hidden = true;
    if (!ticket) return;
    if (d.done) {
      showDone();
      return;
    }
    const fctx = { ticket, org, user: ctx.user };
    const onSent = (/** @type {string} */ type) => (/** @type {Record<string, any>} */ updated) => {
      const text =
        type === "DISPATCH"
          ? t("new.dispatched", { number: updated.number, name: org.deptName(updated.departmentId) })
          : t("new.answered", { number: updated.number });
      d.done = { text, id: updated.id };
      persist();
      flash(text, "ok");
      showDone();
    };
    const dispatch = await eventForm("DISPATCH", fctx, {
      onSent: onSent("DISPATCH"),
      submitLabel: t("new.doDispatch"),
      heading: false,
    });
    const answerToggle = h("button", {
      type: "button",
      class: "btn",
      dataset: { testid: "answer-directly" },
      text: eventLabel("ANSWER_DIRECTLY"),
      onclick: async () => {
        const answer = await eventForm("ANSWER_DIRECTLY", fctx, {
          onSent: onSent("ANSWER_DIRECTLY"),
          submitLabel: t("new.doAnswer"),
          heading: false,
          onCancel: () => showAfterCreate(true),
        });
        replace(
          after,
          h(
            "section",
            { class: "panel highlight" },
            h("h2", { text: t("new.created", { number: ticket.number }) }),
            h("p", { class: "muted", text: t("new.answerHeading") }),
            answer,
          ),
        );
        /** @type {HTMLElement | null} */ (answer.querySelector("textarea"))?.focus();
      },
    });
    replace(
      after,
      h(
        "section",
        { class: "panel highlight", "aria-labelledby": "after-h" },
        h("h2", {
          id: "after-h",
          dataset: { testid: "created-number" },
          text: t("new.created", { number: ticket.number }),
        }),
        h("h3", { class: "sub", text: t("new.dispatchHeading") }),
        dispatch,
        h("div", { class: "or" }, answerToggle),
      ),
    );
    if (d.answerSuggested && !dispatchFirst) answerToggle.click();
    /** @type {HTMLElement | null} */ else dispatch.querySelector("select")?.focus();
  }

  function showDone() {
    const done = d.done;
    if (!done) return;
    const next = h("button", {
      type: "button",
      class: "btn btn-primary",
      dataset: { testid: "next-call" },
      text: t("new.next"),
      onclick: () => {
        dropDraft(DRAFT());
        draft = emptyDraft();
        renderNewTicket(view, ctx);
      },
    });
    replace(
      after,
      h(
        "section",
        { class: "panel highlight", dataset: { testid: "create-done" } },
        h("p", { class: "done", text: done.text }),
        h(
          "div",
          { class: "form-actions" },
          next,
          h("a", { href: ticketHref(done.id), class: "btn", text: t("new.openTicket") }),
        ),
      ),
    );
    next.focus();
  }

  if (d.created) showAfterCreate();
  else {
    if (d.values.categoryCode) updateSuggestion();
    if (d.values.citizenPhone || d.values.title)
      checkDuplicates(d.values.citizenPhone ?? "", d.values.title ?? "");
    el("citizenName").focus();
  }
}
