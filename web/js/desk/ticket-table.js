// @ts-check
/**
 * A table of tickets: traffic light, number, title (with what a busy shift needs to know at a
 * glance: the pending extension, the return reason, the reply under review or the reason it was
 * rejected, and the 协办/下派 role), category, status, unit, urgency, deadline, received. A
 * handler signs (签收) a ticket of their own unit right from its row.
 */
import { ApiError } from "../api.js";
import { flash, h } from "../dom.js";
import { fmtDateTime } from "../format.js";
import { eventLabel, t } from "../i18n.js";
import { deadlineCell, lightBadge, statusBadge, urgencyBadge } from "./badges.js";
import { sendEvent } from "./event-form.js";
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
 * @param {{ user?: import("../session.js").User, onChange?: () => void }} [opts]
 * @returns {{ table: HTMLElement, add: (tickets: Record<string, any>[]) => void, clear: () => void, count: () => number }}
 */
export function ticketTable(org, opts = {}) {
  const mine = new Set(
    opts.user?.role === "handler" && opts.user.departmentId != null
      ? org.subtree(opts.user.departmentId).map((d) => d.id)
      : [],
  );
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
      for (const tk of tickets) body.append(row(tk, org, mine, opts.onChange));
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
 * @param {Set<number>} mine the handler's units (empty for other roles)
 * @param {(() => void) | undefined} onChange
 */
function row(tk, org, mine, onChange) {
  const lead = mine.has(tk.departmentId);
  const canSign = lead && tk.status === "dispatched";
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
      roleBadges(tk, org, mine),
      details(tk),
    ),
    h("td", { text: org.categoryName(tk.categoryCode) || tk.categoryName }),
    h("td", {}, statusBadge(tk.status), canSign ? signButton(tk, onChange) : null),
    h("td", { text: tk.departmentId ? org.deptName(tk.departmentId) : t("dash") }),
    h("td", {}, urgencyBadge(tk.urgency)),
    h("td", {}, deadlineCell(tk)),
    h("td", { text: fmtDateTime(tk.createdAt) }),
  );
}

/**
 * 协办 / 下派: for a handler, their unit's part in the ticket; for the hotline, the units involved.
 * @param {Record<string, any>} tk
 * @param {import("../org.js").Org} org
 * @param {Set<number>} mine
 */
function roleBadges(tk, org, mine) {
  const co = /** @type {number[]} */ (tk.coDepartmentIds ?? []);
  /** @type {HTMLElement[]} */
  const out = [];
  const badge = (/** @type {string} */ kind, /** @type {string} */ text) =>
    out.push(h("span", { class: "badge badge-role", dataset: { testid: `role-${kind}` }, text }));
  if (mine.size) {
    if (!mine.has(tk.departmentId) && co.some((id) => mine.has(id))) badge("co", t("row.coHandling"));
    else if (!mine.has(tk.departmentId) && mine.has(tk.subDepartmentId)) badge("sub", t("row.subDispatched"));
    else if (tk.subDepartmentId)
      badge("sub", t("row.subDispatchedTo", { name: org.deptName(tk.subDepartmentId) }));
    if (mine.has(tk.departmentId) && co.length) badge("co", t("row.withCo", { n: co.length }));
  } else {
    if (co.length) badge("co", t("row.withCo", { n: co.length }));
    if (tk.subDepartmentId)
      badge("sub", t("row.subDispatchedTo", { name: org.deptName(tk.subDepartmentId) }));
  }
  return out;
}

/**
 * The line under the title: pending extension, approved extensions, the return reason, the reply
 * under review, or why it was sent back.
 * @param {Record<string, any>} tk
 */
function details(tk) {
  /** @type {string[]} */
  const lines = [];
  const step = tk.lastStep;
  if (step?.type === "REQUEST_RETURN" && tk.status === "returnRequested")
    lines.push(t("row.returnReason", { text: step.text ?? "" }));
  if (step?.type === "REPLY" && tk.status === "reviewing")
    lines.push(t("row.reply", { text: step.text ?? "" }));
  if (step?.type === "REJECT_REPLY" && tk.status === "processing")
    lines.push(t("row.rejected", { text: step.text ?? "" }));
  if (tk.pendingExtension)
    lines.push(
      t("row.extensionPending", {
        until: fmtDateTime(tk.pendingExtension.until),
        text: tk.pendingExtension.reason,
      }),
    );
  if (tk.approvedExtensions > 0) lines.push(t("row.extended", { n: tk.approvedExtensions }));
  return lines.length
    ? h(
        "small",
        { class: "row-details", dataset: { testid: "row-details" } },
        lines.map((l) => h("span", { text: l })),
      )
    : null;
}

/**
 * 签收 in one click, with the version the row shows (a stale row is refused and said so).
 * @param {Record<string, any>} tk
 * @param {(() => void) | undefined} onChange
 */
function signButton(tk, onChange) {
  const button = /** @type {HTMLButtonElement} */ (
    h("button", {
      type: "button",
      class: "btn btn-primary btn-small",
      dataset: { testid: "row-sign" },
      text: eventLabel("SIGN"),
    })
  );
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await sendEvent(tk, { type: "SIGN" });
      flash(t("row.signed", { number: tk.number }), "ok");
      onChange?.();
    } catch (err) {
      flash(err instanceof ApiError ? err.message : String(err), "error");
      button.disabled = false;
    }
  });
  return button;
}
