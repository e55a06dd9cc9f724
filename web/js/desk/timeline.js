// @ts-check
/**
 * The ticket's timeline: who did what when, the state change, and the notes they left — every
 * payload key labelled and every time in the centre's time zone (imported histories and timer
 * events carry deadlines and raw keys; none is shown as such).
 */
import { h } from "../dom.js";
import { fmtDateTime } from "../format.js";
import { eventLabel, has, roleLabel, stateLabel, t } from "../i18n.js";
import { ticketHref } from "./router.js";

/**
 * A unit named by its code (imported histories name units by code).
 * @param {import("../org.js").Org} org
 * @param {unknown} code
 */
function deptByCode(org, code) {
  const d = org.byCode.get(String(code));
  return d ? org.deptName(d.id) : String(code);
}

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

/** A timer's kind (sign-warning, resolve-escalate-1, …) → the deadline it is about. */
const TIMER_DEADLINES = /** @type {Record<string, string>} */ ({
  sign: "signBy",
  "first-response": "firstResponseBy",
  resolve: "dueAt",
  callback: "callbackBy",
});

/** Deadlines an imported history or a timer may carry in its payload. */
const DEADLINE_KEYS = new Set(["signBy", "firstResponseBy", "dueAt", "callbackBy"]);
/** Bookkeeping in payloads that says nothing to a person. */
const HIDDEN_KEYS = new Set(["kind", "deadlineVersion", "appealId", "open311KeyId"]);
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * A timer event's time, labelled by what it is: the deadline itself (overdue), the warning
 * point, or the escalation.
 * @param {string} kind
 * @param {unknown} at
 * @returns {[string, string] | null}
 */
function timerLine(kind, at) {
  const m = /^(sign|first-response|resolve|callback)-(warning|overdue|escalate-\d)$/.exec(kind);
  if (!m || typeof at !== "string") return null;
  const deadline = t(`ticket.${TIMER_DEADLINES[m[1] ?? ""] ?? "dueAt"}`);
  const label =
    m[2] === "overdue"
      ? deadline
      : m[2] === "warning"
        ? t("timeline.warningAt", { deadline })
        : t("timeline.escalatedAt", { deadline });
  return [label, fmtDateTime(at)];
}

/**
 * The payload as labelled lines.
 * @param {Record<string, unknown>} payload
 * @param {import("../org.js").Org} org
 */
function notes(payload, org) {
  /** @type {Array<[string, Node | string]>} */
  const lines = [];
  const kind = typeof payload?.kind === "string" ? payload.kind : null;
  for (const [key, value] of Object.entries(payload ?? {})) {
    if (value === null || value === undefined || value === "" || HIDDEN_KEYS.has(key)) continue;
    if (kind && key === "dueAt") {
      const line = timerLine(kind, value);
      if (line) lines.push(line);
      continue;
    }
    if (key === "changes" && value && typeof value === "object") {
      lines.push(...changeLines(/** @type {Record<string, { from: unknown, to: unknown }>} */ (value), org));
      continue;
    }
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
 * A correction (CORRECT) as "标题：旧 → 新" lines.
 * @param {Record<string, { from: unknown, to: unknown }>} changes
 * @param {import("../org.js").Org} org
 * @returns {Array<[string, string]>}
 */
function changeLines(changes, org) {
  return Object.entries(changes).map(([key, c]) => {
    const shown = (/** @type {unknown} */ v) => {
      if (v === null || v === undefined || v === "") return t("none");
      const line = describe(key, v, org);
      return line && typeof line[1] === "string" ? line[1] : String(v);
    };
    return [fieldLabel(key), `${shown(c?.from)} → ${shown(c?.to)}`];
  });
}

/** A ticket field's label (the detail page's), never the raw key. @param {string} key */
function fieldLabel(key) {
  if (key === "categoryCode") return t("ticket.category");
  return has(`ticket.${key}`)
    ? t(`ticket.${key}`)
    : has(`form.${key}`)
      ? t(`form.${key}`)
      : t("timeline.other");
}

/**
 * @param {string} key
 * @param {unknown} value
 * @param {import("../org.js").Org} org
 * @returns {[string, Node | string] | null}
 */
function describe(key, value, org) {
  if (DEADLINE_KEYS.has(key) && typeof value === "string") return [t(`ticket.${key}`), fmtDateTime(value)];
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
    case "area":
      return [t("ticket.area"), org.areaName(String(value))];
    case "departmentCode":
      return [t("form.departmentId"), deptByCode(org, value)];
    case "coDepartmentCodes":
      return Array.isArray(value) && value.length
        ? [t("ticket.coDepartments"), value.map((c) => deptByCode(org, c)).join("、")]
        : null;
    case "intoExternalRef":
      return [t("ticket.mergedInto"), String(value)];
    default:
      // Imported histories may carry fields of the source system: labelled when the desk knows
      // them, times in the centre's zone; never a raw key.
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") return null;
      return [
        fieldLabel(key),
        typeof value === "string" && ISO_TIME.test(value)
          ? fmtDateTime(value)
          : typeof value === "boolean"
            ? t(value ? "yes" : "no")
            : String(value),
      ];
  }
}
