// @ts-check
/**
 * Why the actions are what they are: a line over the action buttons when an action the user
 * might expect is missing (the lead unit's 办理答复 waits for the co-handling units), the role of
 * a co-handling or sub-dispatched unit, and the reply under review next to the reviewer's
 * approve and reject buttons.
 */
import { h } from "../dom.js";
import { fmtDateTime } from "../format.js";
import { t } from "../i18n.js";

/**
 * The user's units (their department's subtree), for a handler; empty otherwise.
 * @param {import("../session.js").User} user
 * @param {import("../org.js").Org} org
 */
function myUnits(user, org) {
  return new Set(
    user.role === "handler" && user.departmentId != null
      ? org.subtree(user.departmentId).map((d) => d.id)
      : [],
  );
}

/**
 * Hints for this user on this ticket (none when nothing needs saying).
 * @param {Record<string, any>} ticket
 * @param {{ user: import("../session.js").User, org: import("../org.js").Org }} ctx
 * @returns {HTMLElement | null}
 */
export function guidance(ticket, ctx) {
  const { org } = ctx;
  const mine = myUnits(ctx.user, org);
  const co = /** @type {number[]} */ (ticket.coDepartmentIds ?? []);
  const replied = new Set(/** @type {number[]} */ (ticket.assistRepliedDepartmentIds ?? []));
  const open = ["dispatched", "processing", "returnRequested"].includes(ticket.status);
  /** @type {string[]} */
  const lines = [];
  if (mine.size && open) {
    const lead = org.deptName(ticket.departmentId);
    if (mine.has(ticket.departmentId)) {
      const waiting = co.filter((id) => !replied.has(id));
      if (ticket.status === "processing" && waiting.length)
        lines.push(t("guide.waitingCo", { units: waiting.map((id) => org.deptName(id)).join("、") }));
      if (ticket.subDepartmentId)
        lines.push(t("guide.leadWithSub", { unit: org.deptName(ticket.subDepartmentId) }));
    } else {
      const myCo = co.find((id) => mine.has(id));
      if (myCo !== undefined)
        lines.push(replied.has(myCo) ? t("guide.coReplied", { lead }) : t("guide.coRole", { lead }));
      else if (mine.has(ticket.subDepartmentId)) lines.push(t("guide.subRole", { lead }));
    }
  }
  if (!lines.length) return null;
  return h(
    "div",
    { class: "guidance", role: "note", dataset: { testid: "guidance" } },
    lines.map((text) => h("p", { text })),
  );
}

/**
 * The reply a reviewer decides on, beside the approve and reject buttons.
 * @param {Record<string, any>} ticket
 * @param {Array<{ type: string, payload: Record<string, any>, at: string, actorName: string | null }>} events
 * @param {import("../org.js").Org} org
 * @returns {HTMLElement | null}
 */
export function replyUnderReview(ticket, events, org) {
  if (ticket.status !== "reviewing") return null;
  const reply = events.findLast((e) => e.type === "REPLY");
  if (!reply) return null;
  const assists = events.filter((e) => e.type === "ASSIST_REPLY" && e.at >= (lastDispatch(events) ?? ""));
  return h(
    "section",
    { class: "under-review", dataset: { testid: "reply-under-review" }, "aria-labelledby": "review-h" },
    h("h3", { id: "review-h", text: t("guide.replyUnderReview") }),
    h(
      "p",
      { class: "muted" },
      [org.deptName(ticket.departmentId), reply.actorName, fmtDateTime(reply.at)].filter(Boolean).join(" · "),
      " · ",
      t(`outcome.${reply.payload.outcome}`),
    ),
    h("p", { class: "reply-text", text: String(reply.payload.result ?? "") }),
    assists.length
      ? h(
          "ul",
          { class: "assists" },
          assists.map((a) =>
            h("li", {
              text: `${t("event.ASSIST_REPLY")}（${a.actorName ?? ""}）：${String(a.payload.note ?? "")}`,
            }),
          ),
        )
      : null,
  );
}

/** @param {Array<{ type: string, at: string }>} events */
function lastDispatch(events) {
  return events.findLast((e) => e.type === "DISPATCH" || e.type === "APPROVE_RETURN")?.at;
}
