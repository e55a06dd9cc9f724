// @ts-check
/** A table of tickets: traffic light, number, title, category, status, unit, urgency, deadline, received. */
import { h } from "../dom.js";
import { fmtDateTime } from "../format.js";
import { t } from "../i18n.js";
import { deadlineCell, lightBadge, statusBadge, urgencyBadge } from "./badges.js";
import { ticketHref } from "./router.js";

const COLUMNS = [
  "ticket.light",
  "ticket.number",
  "ticket.title",
  "ticket.category",
  "ticket.status",
  "ticket.department",
  "ticket.urgency",
  "ticket.deadline",
  "ticket.createdAt",
];

/**
 * @param {import("../org.js").Org} org
 * @returns {{ table: HTMLElement, add: (tickets: Record<string, any>[]) => void, clear: () => void, count: () => number }}
 */
export function ticketTable(org) {
  const body = h("tbody");
  const table = h(
    "table",
    { class: "tickets", dataset: { testid: "ticket-table" } },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        COLUMNS.map((key) => h("th", { scope: "col", text: t(key) })),
      ),
    ),
    body,
  );
  return {
    table,
    add(tickets) {
      for (const tk of tickets) body.append(row(tk, org));
    },
    clear() {
      body.replaceChildren();
    },
    count() {
      return body.children.length;
    },
  };
}

/**
 * @param {Record<string, any>} tk
 * @param {import("../org.js").Org} org
 */
function row(tk, org) {
  return h(
    "tr",
    { dataset: { testid: "ticket-row", id: tk.id, status: tk.status } },
    h("td", {}, lightBadge(tk.trafficLight ?? "none")),
    h("td", {}, h("a", { href: ticketHref(tk.id), text: tk.number })),
    h(
      "td",
      { class: "title-cell" },
      h("a", { href: ticketHref(tk.id), text: tk.title }),
      tk.reopenCount > 0
        ? h("span", { class: "badge badge-warn", text: `${t("queue.reopened")} ×${tk.reopenCount}` })
        : null,
      tk.supervisionLevel > 0
        ? h("span", {
            class: "badge badge-danger",
            text: `${t("event.SUPERVISE")} ${t("ticket.levelN", { n: tk.supervisionLevel })}`,
          })
        : null,
    ),
    h("td", { text: org.categoryName(tk.categoryCode) || tk.categoryName }),
    h("td", {}, statusBadge(tk.status)),
    h("td", { text: tk.departmentId ? org.deptName(tk.departmentId) : t("dash") }),
    h("td", {}, urgencyBadge(tk.urgency)),
    h("td", {}, deadlineCell(tk)),
    h("td", { text: fmtDateTime(tk.createdAt) }),
  );
}
