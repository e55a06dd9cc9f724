// @ts-check
/** Small labelled pieces of a ticket: status, traffic light, urgency, the deadline that matters now. */

import { deadlineStatus, stageDeadline } from "../deadline-state.js";
import { h } from "../dom.js";
import { fmtDateTime, remaining } from "../format.js";
import { stateLabel, t } from "../i18n.js";

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
 * What a deadline is doing, in words: "剩余 2天3小时", "超期 5小时", "已完成 11-25 10:00",
 * "逾期完成 …", or "" when it does not apply.
 * @param {import("../deadline-state.js").DeadlineStatus} d
 * @param {Date} [now]
 */
export function stateText(d, now = new Date()) {
  const at = /** @type {string} */ (d.at);
  const metAt = d.metAt ? ` ${fmtDateTime(/** @type {string} */ (d.metAt))}` : "";
  switch (d.state) {
    case "pending":
    case "warning":
    case "overdue":
      return remaining(at, now)?.text ?? "";
    case "met":
      return `${t("time.done")}${metAt}`;
    case "metLate":
      return `${t("time.doneLate")}${metAt}`;
    default:
      return "";
  }
}

/**
 * "2026-11-25 18:00 · 剩余 2天3小时" for a table cell: the deadline of the ticket's stage
 * (deadline-state.js), with its state.
 * @param {Record<string, any>} ticket
 */
export function deadlineCell(ticket) {
  const facts = /** @type {import("../deadline-state.js").DeadlineFacts} */ (ticket);
  const key = stageDeadline(facts);
  const now = new Date();
  const d = key ? deadlineStatus(facts, key, now) : null;
  if (!d?.at) return h("span", { class: "muted", text: t("dash") });
  return h(
    "span",
    { class: "deadline", title: t(`ticket.${d.key}`), dataset: { state: d.state } },
    h("span", { text: fmtDateTime(/** @type {string} */ (d.at)) }),
    h("small", { class: `deadline-state state-${d.state}`, text: stateText(d, now) }),
  );
}
