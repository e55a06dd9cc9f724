// @ts-check
/** Small labelled pieces of a ticket: status, traffic light, urgency, the deadline that matters now. */
import { h } from "../dom.js";
import { fmtDateTime, remaining } from "../format.js";
import { stateLabel, t } from "../i18n.js";
import { TIMED_STATES } from "../vocabulary.js";

/** @param {string} status */
export function statusBadge(status) {
  return h("span", {
    class: `badge status-${status}`,
    dataset: { testid: "status", status },
    text: stateLabel(status),
  });
}

/**
 * A coloured dot with its word, so colour is never the only signal.
 * @param {string} light none | normal | warning | overdue
 */
export function lightBadge(light) {
  return h(
    "span",
    { class: `light light-${light}`, dataset: { testid: "light", light } },
    h("span", { class: "dot", "aria-hidden": "true" }),
    t(`light.${light}`),
  );
}

/** @param {string} urgency */
export function urgencyBadge(urgency) {
  return h("span", { class: `badge urgency-${urgency}`, text: t(`urgency.${urgency}`) });
}

/**
 * The deadline that matters in the ticket's state (sign while dispatched, callback while
 * awaiting it, resolution otherwise), as in the API's trafficLight.
 * @param {Record<string, any>} ticket
 * @returns {{ key: string, at: string } | null}
 */
export function currentDeadline(ticket) {
  const s = ticket.status;
  if (!TIMED_STATES.includes(s)) return null;
  if (s === "dispatched") return ticket.signBy ? { key: "ticket.signBy", at: ticket.signBy } : null;
  if (s === "callback") return ticket.callbackBy ? { key: "ticket.callbackBy", at: ticket.callbackBy } : null;
  return ticket.dueAt ? { key: "ticket.dueAt", at: ticket.dueAt } : null;
}

/**
 * "2026-11-25 18:00 · 剩余 2天3小时" for a table cell.
 * @param {Record<string, any>} ticket
 */
export function deadlineCell(ticket) {
  const d = currentDeadline(ticket);
  if (!d) return h("span", { class: "muted", text: t("dash") });
  const r = remaining(d.at);
  return h(
    "span",
    { class: "deadline", title: t(d.key) },
    h("span", { text: fmtDateTime(d.at) }),
    r ? h("small", { class: r.overdue ? "overdue" : "muted", text: r.text }) : null,
  );
}
