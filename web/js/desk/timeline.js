// @ts-check
/** The ticket's timeline: who did what when, the state change, and the notes they left. */
import { h } from "../dom.js";
import { fmtDateTime } from "../format.js";
import { eventLabel, has, roleLabel, stateLabel, t } from "../i18n.js";
import { ticketHref } from "./router.js";

/**
 * @typedef {{ id: string, seq: number, type: string, fromStatus: string | null, toStatus: string,
 *   actorId: number | null, actorName: string | null, actorRole: string, departmentId: number | null,
 *   payload: Record<string, unknown>, at: string }} TicketEvent
 */

/**
 * @param {TicketEvent[]} events oldest first
 * @param {import("../org.js").Org} org
 */
export function timeline(events, org) {
  return h(
    "ol",
    { class: "timeline", dataset: { testid: "timeline" } },
    events.map((e) => {
      const moved = e.fromStatus && e.fromStatus !== e.toStatus;
      const actor = e.actorName ?? t("detail.system");
      const dept = e.departmentId ? org.deptName(e.departmentId) : "";
      return h(
        "li",
        { class: `tl-item tl-${e.type}`, dataset: { testid: "timeline-row", type: e.type } },
        h(
          "div",
          { class: "tl-head" },
          h("strong", { class: "tl-label", text: eventLabel(e.type) }),
          moved
            ? h("span", {
                class: "tl-move",
                text: t("detail.from", { from: stateLabel(e.fromStatus ?? ""), to: stateLabel(e.toStatus) }),
              })
            : null,
          h("time", { datetime: e.at, text: fmtDateTime(e.at) }),
        ),
        h("div", {
          class: "tl-actor muted",
          text: [actor, roleLabel(e.actorRole), dept].filter(Boolean).join(" · "),
        }),
        notes(e.payload, org),
      );
    }),
  );
}

/**
 * The payload as labelled lines.
 * @param {Record<string, unknown>} payload
 * @param {import("../org.js").Org} org
 */
function notes(payload, org) {
  /** @type {Array<[string, Node | string]>} */
  const lines = [];
  for (const [key, value] of Object.entries(payload ?? {})) {
    if (value === null || value === undefined || value === "") continue;
    const line = describe(key, value, org);
    if (line) lines.push(line);
  }
  if (!lines.length) return null;
  return h(
    "dl",
    { class: "tl-notes" },
    lines.map(([label, value]) => [h("dt", { text: label }), h("dd", {}, value)]),
  );
}

/**
 * @param {string} key
 * @param {unknown} value
 * @param {import("../org.js").Org} org
 * @returns {[string, Node | string] | null}
 */
function describe(key, value, org) {
  switch (key) {
    case "departmentId":
      return [t("form.departmentId"), org.deptName(Number(value))];
    case "coDepartmentIds":
      return Array.isArray(value) && value.length
        ? [t("ticket.coDepartments"), value.map((id) => org.deptName(Number(id))).join("、")]
        : null;
    case "note":
    case "reason":
    case "answer":
    case "result":
      return [t(`form.${key}`), String(value)];
    case "outcome":
      return [t("form.outcome"), t(`outcome.${value}`)];
    case "rating":
      return [t("form.rating"), t(`rating.${value}`)];
    case "resolved":
      return [t("form.resolved"), value ? t("form.resolvedYes") : t("form.resolvedNo")];
    case "contacted":
      return [t("form.contacted"), value ? t("form.contactedYes") : t("form.contactedNo")];
    case "ground":
      return [t("appeal.ground"), t(`appeal.ground.${value}`)];
    case "decision":
      return [t("appeal.decision"), t(`appeal.${value}`)];
    case "period":
      return [t("appeal.period"), String(value)];
    case "appealId":
      return null;
    case "public":
      return [t("form.public"), value ? t("form.publicYes") : t("form.publicNo")];
    case "summary":
      return [t("ticket.publicSummary"), String(value)];
    case "open311KeyId":
      return null;
    case "until":
      return [t("form.until"), fmtDateTime(String(value))];
    case "level":
      return [t("form.level"), t("ticket.levelN", { n: Number(value) })];
    case "intoTicketId":
      return [t("ticket.mergedInto"), h("a", { href: ticketHref(Number(value)), text: `#${value}` })];
    case "channel":
      return [t("ticket.channel"), has(`channel.${value}`) ? t(`channel.${value}`) : String(value)];
    case "categoryCode":
      return [t("ticket.category"), org.categoryName(String(value))];
    case "urgency":
      return [t("ticket.urgency"), t(`urgency.${value}`)];
    default:
      return typeof value === "string" || typeof value === "number" ? [key, String(value)] : null;
  }
}
