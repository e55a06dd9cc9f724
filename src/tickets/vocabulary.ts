/**
 * The ticket vocabulary, said once: the lifecycle's states and the groups of them the code
 * relies on, the event types, and their zh-CN and English labels.
 *
 * Pure data and types, no imports: the machine (ticket.machine.ts), the services, the
 * timers and the stats read it from here, and the web desk reads it as /js/vocabulary.js,
 * which the server builds from this module at startup (vocabulary.routes.ts). Every export
 * must therefore be plain JSON data (or a type).
 */

/** The desk's languages; every label has both. */
export const LANGS = ["zh", "en"] as const;
export type Lang = (typeof LANGS)[number];
export type Label = Record<Lang, string>;

// ─── States ──────────────────────────────────────────────────────────────────

export const TICKET_STATES = [
  "registered",
  "dispatched",
  "processing",
  "returnRequested",
  "reviewing",
  "callback",
  "closed",
  "merged",
] as const;
export type TicketState = (typeof TICKET_STATES)[number];

/**
 * Open: every state except the two terminal-ish ones (closed can still be reopened).
 * Open tickets can be overdue or supervised, count as open on the dashboard and are the
 * candidates when the desk looks for duplicates.
 */
export const OPEN_STATES: TicketState[] = [
  "registered",
  "dispatched",
  "processing",
  "returnRequested",
  "reviewing",
  "callback",
];

/**
 * Timed: the open states with a deadline running (sign, resolution or callback), so
 * timers are planned in them. Registered has none until it is dispatched.
 */
export const TIMED_STATES: readonly TicketState[] = [
  "dispatched",
  "processing",
  "returnRequested",
  "reviewing",
  "callback",
];

/**
 * Resolving: dispatched and not yet through review, so the resolution deadline runs
 * (RESOLVE_WARNING / RESOLVE_OVERDUE apply here). It runs from dispatch, signed or not (DESIGN
 * "Deadlines": a department cannot stretch its time by signing late).
 */
export const RESOLVING_STATES: readonly TicketState[] = [
  "dispatched",
  "processing",
  "returnRequested",
  "reviewing",
];

/**
 * Holding: the unit holds the ticket and owes the citizen a first answer (初步答复) until it sends
 * FIRST_RESPONSE or replies (FIRST_RESPONSE_WARNING / FIRST_RESPONSE_OVERDUE apply here).
 */
export const HOLDING_STATES: readonly TicketState[] = ["dispatched", "processing", "returnRequested"];

export const STATE_LABELS: Record<TicketState, Label> = {
  registered: { zh: "已受理", en: "Registered" },
  dispatched: { zh: "待签收", en: "Dispatched" },
  processing: { zh: "办理中", en: "Processing" },
  returnRequested: { zh: "退单审核", en: "Return requested" },
  reviewing: { zh: "待审核", en: "Reviewing" },
  callback: { zh: "待回访", en: "Awaiting callback" },
  closed: { zh: "已办结", en: "Closed" },
  merged: { zh: "已合并", en: "Merged" },
};

// ─── Events ──────────────────────────────────────────────────────────────────

/** Everything the machine accepts: the user events, then the timers' system events. */
export const EVENT_TYPES = [
  "ANSWER_DIRECTLY",
  "DISPATCH",
  "RECALL",
  "SIGN",
  "SUB_DISPATCH",
  "REQUEST_RETURN",
  "APPROVE_RETURN",
  "REJECT_RETURN",
  "FIRST_RESPONSE",
  "REQUEST_EXTENSION",
  "APPROVE_EXTENSION",
  "REJECT_EXTENSION",
  "ASSIST_REPLY",
  "REPLY",
  "APPROVE_REPLY",
  "REJECT_REPLY",
  "CALLBACK",
  "REOPEN",
  "SUPERVISE",
  "URGE",
  "MERGE",
  "COMMENT",
  "PUBLISH",
  "CORRECT",
  "SIGN_WARNING",
  "SIGN_OVERDUE",
  "FIRST_RESPONSE_WARNING",
  "FIRST_RESPONSE_OVERDUE",
  "RESOLVE_WARNING",
  "RESOLVE_OVERDUE",
  "CALLBACK_OVERDUE",
] as const;
export type TicketEventType = (typeof EVENT_TYPES)[number];

/** Sent only by the system when a deadline warns or passes. */
export const TIMER_EVENT_TYPES = [
  "SIGN_WARNING",
  "SIGN_OVERDUE",
  "FIRST_RESPONSE_WARNING",
  "FIRST_RESPONSE_OVERDUE",
  "RESOLVE_WARNING",
  "RESOLVE_OVERDUE",
  "CALLBACK_OVERDUE",
] as const satisfies readonly TicketEventType[];
export type TimerEventType = (typeof TIMER_EVENT_TYPES)[number];

/** What people send (SUPERVISE is also sent by the system when it escalates), in EVENT_TYPES order. */
export type UserEventType = Exclude<TicketEventType, TimerEventType>;
export const USER_EVENT_TYPES: UserEventType[] = EVENT_TYPES.filter(
  (t): t is UserEventType => !(TIMER_EVENT_TYPES as readonly string[]).includes(t),
);

export const EVENT_LABELS: Record<TicketEventType, Label> = {
  ANSWER_DIRECTLY: { zh: "直接答复", en: "Answer directly" },
  DISPATCH: { zh: "派单", en: "Dispatch" },
  RECALL: { zh: "撤回", en: "Recall" },
  SIGN: { zh: "签收", en: "Sign" },
  SUB_DISPATCH: { zh: "下派", en: "Sub-dispatch" },
  REQUEST_RETURN: { zh: "退单申请", en: "Request return" },
  APPROVE_RETURN: { zh: "同意退单", en: "Approve return" },
  REJECT_RETURN: { zh: "驳回退单", en: "Reject return" },
  FIRST_RESPONSE: { zh: "初步答复", en: "First response" },
  REQUEST_EXTENSION: { zh: "延期申请", en: "Request extension" },
  APPROVE_EXTENSION: { zh: "同意延期", en: "Approve extension" },
  REJECT_EXTENSION: { zh: "驳回延期", en: "Reject extension" },
  ASSIST_REPLY: { zh: "协办答复", en: "Assist reply" },
  REPLY: { zh: "办理答复", en: "Reply" },
  APPROVE_REPLY: { zh: "审核通过", en: "Approve reply" },
  REJECT_REPLY: { zh: "退回重办", en: "Reject reply" },
  CALLBACK: { zh: "回访", en: "Callback" },
  REOPEN: { zh: "重办", en: "Reopen" },
  SUPERVISE: { zh: "督办", en: "Supervise" },
  URGE: { zh: "催办", en: "Urge" },
  MERGE: { zh: "合并", en: "Merge" },
  COMMENT: { zh: "备注", en: "Comment" },
  PUBLISH: { zh: "公开设置", en: "Public on Open311" },
  CORRECT: { zh: "更正信息", en: "Correct details" },
  SIGN_WARNING: { zh: "签收预警", en: "Sign warning" },
  SIGN_OVERDUE: { zh: "签收超期", en: "Sign overdue" },
  FIRST_RESPONSE_WARNING: { zh: "初步答复预警", en: "First response warning" },
  FIRST_RESPONSE_OVERDUE: { zh: "初步答复超期", en: "First response overdue" },
  RESOLVE_WARNING: { zh: "办结预警", en: "Resolution warning" },
  RESOLVE_OVERDUE: { zh: "办结超期", en: "Resolution overdue" },
  CALLBACK_OVERDUE: { zh: "回访超期", en: "Callback overdue" },
};

// ─── History ─────────────────────────────────────────────────────────────────

/**
 * Every type a ticket's history (ticket_events.type) can hold: the machine's events plus
 * CREATE, the entry written when the ticket is registered, and the appeal entries (申诉, written
 * by src/appeals): none of these is ever sent to the machine.
 */
export const RECORDED_EVENT_TYPES = ["CREATE", ...EVENT_TYPES, "APPEAL_FILED", "APPEAL_DECIDED"] as const;
export type RecordedEventType = (typeof RECORDED_EVENT_TYPES)[number];

export const RECORDED_EVENT_LABELS: Record<RecordedEventType, Label> = {
  CREATE: { zh: "受理登记", en: "Registered" },
  ...EVENT_LABELS,
  APPEAL_FILED: { zh: "提出申诉", en: "Appeal filed" },
  APPEAL_DECIDED: { zh: "申诉审核", en: "Appeal decided" },
};
