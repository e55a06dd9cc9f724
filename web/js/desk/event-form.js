// @ts-check
/** A small inline form for one lifecycle event; sends it with If-Match and explains refusals. */
import { ApiError, api } from "../api.js";
import { h, replace } from "../dom.js";
import { draftKey, dropDraft, formValues, loadDraft, restoreForm, saveDraft } from "../drafts.js";
import { clearFieldErrors, field, select, showFieldErrors, submitOnCtrlEnter, uid } from "../forms.js";
import { eventLabel, t } from "../i18n.js";
import { collect, EVENT_FIELDS } from "./event-fields.js";
import { searchableSelect, unitChips } from "./unit-picker.js";

/**
 * @typedef {import("./event-fields.js").FormCtx} FormCtx
 * @typedef {import("./event-fields.js").FieldSpec} FieldSpec
 */

/**
 * POST /api/v1/tickets/:id/events with the version the user is looking at.
 * @param {Record<string, any>} ticket
 * @param {Record<string, unknown>} payload including `type`
 * @returns {Promise<Record<string, any>>} the updated ticket
 */
export function sendEvent(ticket, payload) {
  return api(`/api/v1/tickets/${ticket.id}/events`, {
    method: "POST",
    body: payload,
    headers: { "if-match": String(ticket.version) },
  });
}

/**
 * @param {FieldSpec} spec
 * @param {FormCtx} ctx
 */
async function control(spec, ctx) {
  const label =
    spec.required || spec.kind === "info" || spec.kind === "multi" || spec.value
      ? t(spec.label)
      : `${t(spec.label)}${t("form.optional")}`;
  const initial = spec.value ? await spec.value(ctx) : null;
  switch (spec.kind) {
    case "info":
      return h(
        "div",
        { class: "field info" },
        h("span", { class: "label", text: label }),
        h("p", { text: spec.info?.(ctx) ?? "" }),
      );
    case "textarea":
      return field(
        label,
        h(
          "textarea",
          {
            name: spec.name,
            rows: 3,
            required: spec.required,
            "aria-required": spec.required ? "true" : undefined,
          },
          initial ?? "",
        ),
      );
    case "text":
    case "ticketRef":
      return field(
        label,
        h("input", {
          name: spec.name,
          inputmode: spec.kind === "ticketRef" ? "numeric" : undefined,
          required: spec.required,
          value: initial ?? undefined,
        }),
      );
    case "datetime":
      return field(
        label,
        h("input", {
          name: spec.name,
          type: "datetime-local",
          required: spec.required,
          value: initial ?? "",
        }),
      );
    case "select": {
      const control = select(spec.name, spec.options?.(ctx) ?? [], {
        placeholder: t("form.choose"),
        value: initial,
        required: spec.required,
      });
      const wrap = field(label, control);
      if (spec.search) control.before(searchableSelect(control, label));
      return wrap;
    }
    case "multi":
      return unitChips(spec.name, label, ctx.org);
    case "radio":
      return radioGroup(spec, label, ctx);
  }
}

/**
 * @param {FieldSpec} spec
 * @param {string} label
 * @param {FormCtx} ctx
 */
function radioGroup(spec, label, ctx) {
  const options = spec.options?.(ctx) ?? [];
  const ids = options.map(() => uid(spec.name));
  const errorId = `${ids[0]}-error`;
  return h(
    "fieldset",
    { class: "field radios", dataset: { field: spec.name } },
    h("legend", { text: label }),
    options.map(([value, text], i) =>
      h(
        "span",
        { class: "radio" },
        h("input", {
          type: "radio",
          name: spec.name,
          id: ids[i],
          value: String(value),
          "aria-describedby": errorId,
        }),
        h("label", { for: ids[i], text }),
      ),
    ),
    h("span", { class: "field-error", id: errorId, "aria-live": "polite" }),
  );
}

/**
 * Build the inline form for `type`.
 * @param {string} type
 * @param {FormCtx} ctx
 * @param {{ onSent: (ticket: Record<string, any>) => void, onCancel?: () => void, reload?: () => void,
 *   submitLabel?: string, heading?: boolean }} opts
 * @returns {Promise<HTMLFormElement>}
 */
export async function eventForm(type, ctx, opts) {
  const specs = EVENT_FIELDS[type] ?? [];
  const headingId = uid("ev");
  const message = h("p", { class: "form-message", role: "alert" });
  const submit = /** @type {HTMLButtonElement} */ (
    h("button", {
      type: "submit",
      class: "btn btn-primary",
      dataset: { testid: `submit-${type}` },
      text: opts.submitLabel ?? eventLabel(type),
    })
  );
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      {
        class: "event-form",
        novalidate: true,
        "aria-labelledby": headingId,
        dataset: { testid: `event-form-${type}` },
      },
      h("h3", { id: headingId, class: opts.heading === false ? "sr-only" : "", text: eventLabel(type) }),
      await Promise.all(specs.map((s) => control(s, ctx))),
      message,
      h(
        "div",
        { class: "form-actions" },
        submit,
        opts.onCancel
          ? h("button", {
              type: "button",
              class: "btn",
              text: t("detail.cancel"),
              onclick: () => {
                dropDraft(draftKey(`ticket.${ctx.ticket.id}`, type));
                opts.onCancel?.();
              },
            })
          : null,
      ),
    )
  );
  if (type === "CALLBACK") wireCallback(form);
  submitOnCtrlEnter(form);
  // What is typed survives a reload or an expired session (see drafts.js).
  const key = draftKey(`ticket.${ctx.ticket.id}`, type);
  const saved = /** @type {Record<string, string[]> | null} */ (loadDraft(key));
  if (saved) {
    restoreForm(form, saved);
    form.dispatchEvent(new Event("change"));
  }
  const keep = () => saveDraft(key, formValues(form));
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    message.textContent = "";
    const { payload, errors } = await collect(type, form, ctx.ticket);
    if (Object.keys(errors).length) {
      showFieldErrors(form, errors);
      message.textContent = t("err.validation");
      return;
    }
    submit.disabled = true;
    try {
      const updated = await sendEvent(ctx.ticket, payload);
      dropDraft(key);
      opts.onSent(updated);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const unplaced = showFieldErrors(form, err.fieldErrors);
      replace(
        message,
        h("span", { text: [err.message, ...unplaced].join(" ") }),
        err.code === "stale_version" && opts.reload
          ? h("button", {
              type: "button",
              class: "btn btn-small",
              text: t("err.refresh"),
              onclick: opts.reload,
            })
          : null,
      );
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/**
 * "Unreachable" has no resolved/unresolved and no contacted answer.
 * @param {HTMLFormElement} form
 */
function wireCallback(form) {
  const sync = () => {
    const unreachable =
      /** @type {HTMLInputElement | null} */ (form.querySelector('input[name="rating"]:checked'))?.value ===
      "unreachable";
    const resolved = /** @type {NodeListOf<HTMLInputElement>} */ (
      form.querySelectorAll('input[name="resolved"], input[name="contacted"]')
    );
    for (const r of resolved) r.disabled = unreachable;
  };
  form.addEventListener("change", sync);
}
