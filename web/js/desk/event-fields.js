// @ts-check
/**
 * The payload fields of each lifecycle event (DESIGN.md, event table), as data:
 * the form builder draws them, `collect` turns the form back into the API payload.
 */
import { api, qs } from "../api.js";
import { fmtDateTime, isoToShanghaiInput, shanghaiInputToIso } from "../format.js";
import { t } from "../i18n.js";
import { handlingUnitOptions } from "./unit-picker.js";

/**
 * @typedef {{ ticket: Record<string, any>, org: import("../org.js").Org, user: import("../session.js").User }} FormCtx
 * @typedef {{
 *   name: string,
 *   kind: "textarea" | "text" | "select" | "multi" | "datetime" | "radio" | "ticketRef" | "info",
 *   label: string,
 *   required?: boolean,
 *   options?: (c: FormCtx) => Array<[string | number, string]>,
 *   value?: (c: FormCtx) => string | number | null | Promise<string | number | null>,
 *   info?: (c: FormCtx) => string,
 *   number?: boolean,
 *   search?: boolean,
 * }} FieldSpec
 */

/** Units that may be given tickets (not the hotline centre): the API refuses the others. @param {FormCtx} c */
const allDepartments = (c) => handlingUnitOptions(c.org);
/** @param {FormCtx} c */
const childDepartments = (c) => {
  const parent = c.ticket.departmentId;
  return parent
    ? c.org
        .children(parent)
        .filter((d) => d.handlesTickets !== false)
        .map((d) => /** @type {[number, string]} */ ([d.id, c.org.deptName(d.id)]))
    : [];
};
/** @param {string} prefix @param {string[]} values */
const labelled = (prefix, values) => () =>
  values.map((v) => /** @type {[string, string]} */ ([v, t(`${prefix}.${v}`)]));

/**
 * The dispatch catalogue's suggestion for the ticket's category and area.
 * @param {FormCtx} c
 */
export async function suggestedDepartment(c) {
  try {
    /** @type {{ departmentId: number | null }} */
    const r = await api(
      `/api/v1/categories/${encodeURIComponent(c.ticket.categoryCode)}/suggestion${qs({ area: c.ticket.area })}`,
    );
    return r.departmentId;
  } catch {
    return null;
  }
}

/** @type {FieldSpec} */
const reason = { name: "reason", kind: "textarea", label: "form.reason", required: true };
/** @type {FieldSpec} */
const optionalReason = { name: "reason", kind: "textarea", label: "form.reason" };
/** @type {FieldSpec} */
const note = { name: "note", kind: "textarea", label: "form.note", required: true };
/** @type {FieldSpec} */
const optionalNote = { name: "note", kind: "textarea", label: "form.note" };
/** @type {FieldSpec} */
const coDepartments = {
  name: "coDepartmentIds",
  kind: "multi",
  label: "form.coDepartmentIds",
  options: allDepartments,
  number: true,
};
/** @type {FieldSpec} */
const pendingExtension = {
  name: "pending",
  kind: "info",
  label: "ticket.pendingExtension",
  info: (c) =>
    c.ticket.pendingExtension
      ? t("form.pendingExtension", {
          until: fmtDateTime(c.ticket.pendingExtension.until),
          reason: c.ticket.pendingExtension.reason,
        })
      : t("none"),
};

/** @type {Record<string, FieldSpec[]>} */
export const EVENT_FIELDS = {
  ANSWER_DIRECTLY: [{ name: "answer", kind: "textarea", label: "form.answer", required: true }],
  DISPATCH: [
    {
      name: "departmentId",
      kind: "select",
      label: "form.leadDepartment",
      required: true,
      options: allDepartments,
      search: true,
      value: suggestedDepartment,
      number: true,
    },
    coDepartments,
    optionalNote,
  ],
  RECALL: [reason],
  SIGN: [],
  SUB_DISPATCH: [
    {
      name: "departmentId",
      kind: "select",
      label: "form.subDepartment",
      required: true,
      options: childDepartments,
      number: true,
    },
    optionalNote,
  ],
  REQUEST_RETURN: [reason],
  APPROVE_RETURN: [
    {
      name: "departmentId",
      kind: "select",
      label: "form.redispatchDepartment",
      options: allDepartments,
      search: true,
      number: true,
    },
    coDepartments,
    optionalNote,
  ],
  REJECT_RETURN: [reason],
  FIRST_RESPONSE: [note],
  REQUEST_EXTENSION: [
    {
      name: "until",
      kind: "datetime",
      label: "form.until",
      required: true,
      value: (c) =>
        c.ticket.dueAt
          ? isoToShanghaiInput(new Date(new Date(c.ticket.dueAt).getTime() + 3 * 86_400_000))
          : "",
    },
    reason,
  ],
  APPROVE_EXTENSION: [pendingExtension, optionalReason],
  REJECT_EXTENSION: [pendingExtension, optionalReason],
  ASSIST_REPLY: [note],
  REPLY: [
    { name: "result", kind: "textarea", label: "form.result", required: true },
    {
      name: "outcome",
      kind: "select",
      label: "form.outcome",
      required: true,
      options: labelled("outcome", ["resolved", "explained", "unresolvable"]),
      value: () => "resolved",
    },
  ],
  APPROVE_REPLY: [optionalNote],
  REJECT_REPLY: [reason],
  CALLBACK: [
    {
      name: "rating",
      kind: "radio",
      label: "form.rating",
      required: true,
      options: labelled("rating", ["satisfied", "basically_satisfied", "dissatisfied", "unreachable"]),
    },
    {
      name: "resolved",
      kind: "radio",
      label: "form.resolved",
      required: true,
      options: () => [
        ["true", t("form.resolvedYes")],
        ["false", t("form.resolvedNo")],
      ],
    },
    {
      name: "contacted",
      kind: "radio",
      label: "form.contacted",
      required: true,
      options: () => [
        ["true", t("form.contactedYes")],
        ["false", t("form.contactedNo")],
      ],
    },
    optionalNote,
  ],
  REOPEN: [reason],
  SUPERVISE: [
    {
      name: "level",
      kind: "select",
      label: "form.level",
      required: true,
      options: () => [1, 2, 3].map((n) => /** @type {[number, string]} */ ([n, t("ticket.levelN", { n })])),
      value: (c) => Math.min(3, Math.max(1, (c.ticket.supervisionLevel ?? 0) + 1)),
      number: true,
    },
    note,
  ],
  URGE: [note],
  MERGE: [{ name: "intoTicketId", kind: "ticketRef", label: "form.intoTicket", required: true }],
  COMMENT: [note],
  // 更正信息: the intake fields as registered, edited in place; only what changed is sent.
  CORRECT: [
    { name: "citizenName", kind: "text", label: "ticket.citizenName", value: (c) => c.ticket.citizenName },
    { name: "citizenPhone", kind: "text", label: "ticket.citizenPhone", value: (c) => c.ticket.citizenPhone },
    {
      name: "area",
      kind: "select",
      label: "ticket.area",
      options: (c) =>
        c.org.districts().map((d) => /** @type {[string, string]} */ ([d.code, c.org.deptName(d.id)])),
      value: (c) => c.ticket.area,
    },
    { name: "address", kind: "text", label: "ticket.address", value: (c) => c.ticket.address },
    {
      name: "categoryCode",
      kind: "select",
      label: "ticket.category",
      options: (c) =>
        c.org.categories.map(
          (cat) => /** @type {[string, string]} */ ([cat.code, c.org.categoryName(cat.code)]),
        ),
      value: (c) => c.ticket.categoryCode,
    },
    {
      name: "urgency",
      kind: "select",
      label: "ticket.urgency",
      options: labelled("urgency", ["normal", "urgent", "critical"]),
      value: (c) => c.ticket.urgency,
    },
    { name: "title", kind: "text", label: "ticket.title", value: (c) => c.ticket.title },
    {
      name: "description",
      kind: "textarea",
      label: "ticket.description",
      value: (c) => c.ticket.description,
    },
    { name: "note", kind: "textarea", label: "form.correctNote" },
  ],
  PUBLISH: [
    {
      name: "public",
      kind: "radio",
      label: "form.public",
      required: true,
      options: () => [
        ["true", t("form.publicYes")],
        ["false", t("form.publicNo")],
      ],
    },
    { name: "summary", kind: "textarea", label: "form.publicSummary" },
  ],
};

/**
 * A ticket number (long digits) or id → the id, via the list's text search.
 * @param {string} ref
 * @returns {Promise<number | null>}
 */
async function resolveTicketRef(ref) {
  if (!/^\d+$/.test(ref)) return null;
  if (ref.length < 8) return Number(ref);
  /** @type {{ items: Array<{ id: number, number: string }> }} */
  const r = await api(`/api/v1/tickets${qs({ q: ref, limit: 5 })}`);
  return r.items.find((x) => x.number === ref)?.id ?? null;
}

/**
 * Read the form into the event payload. Returns field errors for missing required values.
 * A correction (CORRECT) sends only the fields that differ from the ticket.
 * @param {string} type
 * @param {HTMLFormElement} form
 * @param {Record<string, any>} [ticket]
 * @returns {Promise<{ payload: Record<string, unknown>, errors: Record<string, string> }>}
 */
export async function collect(type, form, ticket) {
  const data = new FormData(form);
  /** @type {Record<string, unknown>} */
  const payload = { type };
  /** @type {Record<string, string>} */
  const errors = {};
  const unreachable = type === "CALLBACK" && data.get("rating") === "unreachable";
  for (const spec of EVENT_FIELDS[type] ?? []) {
    if (spec.kind === "info") continue;
    // An unreachable citizen answered neither question.
    if ((spec.name === "resolved" || spec.name === "contacted") && unreachable) continue;
    if (spec.kind === "multi") {
      const values = data.getAll(spec.name).map(String).filter(Boolean);
      if (values.length) payload[spec.name] = values.map(Number);
      continue;
    }
    const raw = String(data.get(spec.name) ?? "").trim();
    if (!raw) {
      if (spec.required) errors[spec.name] = t("field.required");
      continue;
    }
    if (spec.kind === "datetime") {
      const iso = shanghaiInputToIso(raw);
      if (iso) payload[spec.name] = iso;
      else errors[spec.name] = t("field.invalidTime");
    } else if (spec.kind === "ticketRef") {
      const id = await resolveTicketRef(raw);
      if (id) payload[spec.name] = id;
      else errors[spec.name] = t("form.intoTicketNotFound");
    } else if (spec.name === "resolved" || spec.name === "contacted" || spec.name === "public") {
      payload[spec.name] = raw === "true";
    } else {
      payload[spec.name] = spec.number ? Number(raw) : raw;
    }
  }
  if (type === "CORRECT" && ticket) {
    for (const [key, value] of Object.entries(payload))
      if (key !== "type" && key !== "note" && value === (ticket[key] ?? "")) delete payload[key];
    if (Object.keys(payload).every((k) => k === "type" || k === "note"))
      errors.title = t("form.nothingChanged");
  }
  return { payload, errors };
}
