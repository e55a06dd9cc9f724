/**
 * Which SLA timers a ticket has right now, and when each is due: a pure function of the
 * ticket's status and deadlines, the policy's clock, the working calendar and the escalation
 * rule. The scheduler (timers.ts) stores this plan, wakes up when it is due (one delayed job
 * per due window) and applies it; the plan is always recomputed from the ticket, never trusted
 * from a queue.
 *
 * Escalation ladder (督办), a deliberate choice (DESIGN leaves the levels open):
 * - `*-escalate-1`, one escalation period after a missed deadline: supervision level >= 1
 *   (一般督办, the hotline chases the department);
 * - `*-escalate-2`, a further period later: level 3 (挂牌督办, leadership). Level 2 is left to
 *   the machine's own rule (a ticket reopened twice, 不满意工单重办全程督办) and to managers, so
 *   an automatic escalation never looks like a complaint-driven one.
 * The period is `HOTLINE_ESCALATION_AFTER` on `HOTLINE_ESCALATION_CLOCK` (default P1D on the
 * working clock: "one working day after the deadline", as `escalationAt` in deadlines.ts).
 */

import type { TicketState, TimerFlags } from "../tickets/ticket.machine.ts";
import { HOLDING_STATES, OPEN_STATES, RESOLVING_STATES } from "../tickets/vocabulary.ts";
import { addDuration, type Clock, type WorkingCalendar } from "./calendar.ts";
import { warningAt } from "./deadlines.ts";

export const TIMER_KINDS = [
  "sign-warning",
  "sign-overdue",
  "sign-escalate-1",
  "sign-escalate-2",
  "first-response-warning",
  "first-response-overdue",
  "first-response-escalate-1",
  "first-response-escalate-2",
  "resolve-warning",
  "resolve-overdue",
  "resolve-escalate-1",
  "resolve-escalate-2",
  "callback-overdue",
  "callback-escalate-1",
  "callback-escalate-2",
] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];

/** The ticket states, as the machine defines them. */
export type TimerStatus = TicketState;

export type FlagEventType =
  | "SIGN_WARNING"
  | "SIGN_OVERDUE"
  | "FIRST_RESPONSE_WARNING"
  | "FIRST_RESPONSE_OVERDUE"
  | "RESOLVE_WARNING"
  | "RESOLVE_OVERDUE"
  | "CALLBACK_OVERDUE";

/** The ticket-side effect of a timer: a flag event, or a SUPERVISE by 'system' at a level. */
export type TimerEffect =
  | { type: FlagEventType; flag: keyof TimerFlags }
  | { type: "SUPERVISE"; level: 1 | 3 };

export const ESCALATION_NOTE = "超期自动督办";

export const TIMER_EFFECTS: Record<TimerKind, TimerEffect> = {
  "sign-warning": { type: "SIGN_WARNING", flag: "signWarning" },
  "sign-overdue": { type: "SIGN_OVERDUE", flag: "signOverdue" },
  "sign-escalate-1": { type: "SUPERVISE", level: 1 },
  "sign-escalate-2": { type: "SUPERVISE", level: 3 },
  "first-response-warning": { type: "FIRST_RESPONSE_WARNING", flag: "firstResponseWarning" },
  "first-response-overdue": { type: "FIRST_RESPONSE_OVERDUE", flag: "firstResponseOverdue" },
  "first-response-escalate-1": { type: "SUPERVISE", level: 1 },
  "first-response-escalate-2": { type: "SUPERVISE", level: 3 },
  "resolve-warning": { type: "RESOLVE_WARNING", flag: "resolveWarning" },
  "resolve-overdue": { type: "RESOLVE_OVERDUE", flag: "resolveOverdue" },
  "resolve-escalate-1": { type: "SUPERVISE", level: 1 },
  "resolve-escalate-2": { type: "SUPERVISE", level: 3 },
  "callback-overdue": { type: "CALLBACK_OVERDUE", flag: "callbackOverdue" },
  "callback-escalate-1": { type: "SUPERVISE", level: 1 },
  "callback-escalate-2": { type: "SUPERVISE", level: 3 },
};

const OPEN: readonly TimerStatus[] = OPEN_STATES;
const RESOLVING: readonly TimerStatus[] = RESOLVING_STATES;
const HOLDING: readonly TimerStatus[] = HOLDING_STATES;

/**
 * Whether the ticket machine accepts the timer's event in `status` (mirrors ticket.machine.ts).
 * A planned timer that is due in a status that refuses it waits ("deferred") until the status
 * changes. The plan holds only timers that apply in the ticket's current status, so this is a
 * safety net (a resolution timer due while unsigned used to wait for SIGN; it now applies at once:
 * the resolution deadline runs from dispatch).
 */
export function appliesIn(kind: TimerKind, status: TimerStatus): boolean {
  const effect = TIMER_EFFECTS[kind];
  switch (effect.type) {
    case "SUPERVISE":
      return OPEN.includes(status);
    case "SIGN_WARNING":
    case "SIGN_OVERDUE":
      return status === "dispatched";
    case "FIRST_RESPONSE_WARNING":
    case "FIRST_RESPONSE_OVERDUE":
      return HOLDING.includes(status);
    case "RESOLVE_WARNING":
    case "RESOLVE_OVERDUE":
      return RESOLVING.includes(status);
    case "CALLBACK_OVERDUE":
      return status === "callback";
  }
}

/** What the planner needs of a ticket. */
export interface TimerTicket {
  status: TimerStatus;
  dispatchedAt: Date | null;
  signBy: Date | null;
  firstResponseBy: Date | null;
  /** The first answer (FIRST_RESPONSE, or the reply when none came before): the deadline is met. */
  firstResponseAt: Date | null;
  dueAt: Date | null;
  callbackBy: Date | null;
  /** Start of the current resolution period: the dispatch, or the latest reopen (重办) if later. */
  resolveStart: Date | null;
}

export interface EscalationRule {
  after: string;
  clock: Clock;
}

export const DEFAULT_ESCALATION: EscalationRule = { after: "P1D", clock: "working" };

export interface PlannedTimer {
  kind: TimerKind;
  dueAt: Date;
}

/**
 * The timers relevant to the ticket's current status, ordered by due time (ties in
 * TIMER_KINDS order, so a warning never follows its own overdue):
 * - sign: while dispatched (not yet signed);
 * - first response (初步答复): while the unit holds the ticket (dispatched, processing,
 *   returnRequested) and has not answered yet — FIRST_RESPONSE, or the reply, answers;
 * - resolution: from dispatch until the reply is approved (dispatched, processing,
 *   returnRequested, reviewing) — deadlines run from dispatch, signed or not (DESIGN "Deadlines");
 * - callback: while awaiting the callback, the overdue and its escalations (no warning).
 * Warnings come at 75% of the allowed time (`warningAt`), overdue at the deadline itself, and
 * every overdue escalates like the others.
 */
export function planTimers(
  t: TimerTicket,
  clock: Clock,
  cal: WorkingCalendar,
  escalation: EscalationRule = DEFAULT_ESCALATION,
): PlannedTimer[] {
  const out: PlannedTimer[] = [];
  const deadlineTimers = (
    prefix: "sign" | "first-response" | "resolve" | "callback",
    start: Date | null,
    deadline: Date | null,
  ): void => {
    if (!deadline) return;
    if (start && prefix !== "callback")
      out.push({ kind: `${prefix}-warning`, dueAt: warningAt(start, deadline, clock, cal) });
    out.push({ kind: `${prefix}-overdue`, dueAt: deadline });
    const first = addDuration(deadline, escalation.after, escalation.clock, cal);
    out.push({ kind: `${prefix}-escalate-1`, dueAt: first });
    out.push({
      kind: `${prefix}-escalate-2`,
      dueAt: addDuration(first, escalation.after, escalation.clock, cal),
    });
  };
  if (t.status === "dispatched") deadlineTimers("sign", t.dispatchedAt, t.signBy);
  if (HOLDING.includes(t.status) && !t.firstResponseAt)
    deadlineTimers("first-response", t.dispatchedAt, t.firstResponseBy);
  if (RESOLVING.includes(t.status)) deadlineTimers("resolve", t.resolveStart ?? t.dispatchedAt, t.dueAt);
  // The callback deadline has no warning timer (none is defined for it): overdue, then escalations.
  if (t.status === "callback") deadlineTimers("callback", null, t.callbackBy);
  return out.sort(
    (a, b) =>
      a.dueAt.getTime() - b.dueAt.getTime() || TIMER_KINDS.indexOf(a.kind) - TIMER_KINDS.indexOf(b.kind),
  );
}

/**
 * Whether the timer's effect is already on the ticket. Flags are cleared exactly when the
 * deadline they belong to is replaced (re-dispatch, extension, reopen), so a set flag means
 * "fired for the current deadline". Escalations are recognised by their SUPERVISE event,
 * which records `kind` and `deadlineVersion`: `escalated` holds `${kind}:${deadlineVersion}`.
 */
export function isApplied(
  kind: TimerKind,
  deadlineVersion: number,
  flags: Partial<TimerFlags> | null | undefined,
  escalated: ReadonlySet<string>,
): boolean {
  const effect = TIMER_EFFECTS[kind];
  if (effect.type === "SUPERVISE") return escalated.has(escalationKey(kind, deadlineVersion));
  return flags?.[effect.flag] === true;
}

export function escalationKey(kind: TimerKind, deadlineVersion: number): string {
  return `${kind}:${deadlineVersion}`;
}

/** One timer of one ticket's deadlines. */
export interface TimerRef {
  ticketId: number;
  deadlineVersion: number;
  kind: TimerKind;
}

/**
 * Timers due within one window share one queued wake-up job, which runs at the window's end:
 * a timer fires at most this late by design, and a burst of deadlines is one job, not thousands.
 */
export const DUE_WINDOW_MS = 100;

/** The end of the due window holding `dueAt`: windows are (end − DUE_WINDOW_MS, end]. */
export function dueWindowEnd(dueAt: Date): number {
  return Math.ceil(dueAt.getTime() / DUE_WINDOW_MS) * DUE_WINDOW_MS;
}

/** Deterministic BullMQ job id of a window's wake-up: adding it again is a no-op while it waits. */
export function dueJobId(windowEnd: number): string {
  return `due-${windowEnd}`;
}

export function isTimerKind(value: unknown): value is TimerKind {
  return typeof value === "string" && (TIMER_KINDS as readonly string[]).includes(value);
}

/** What planning a ticket's ledger needs to know about it. */
export interface LedgerFacts {
  id: number;
  status: TimerStatus;
  deadlineVersion: number;
  dispatchedAt: Date | null;
  signBy: Date | null;
  firstResponseBy: Date | null;
  firstResponseAt: Date | null;
  dueAt: Date | null;
  callbackBy: Date | null;
  flags: Partial<TimerFlags> | null | undefined;
  /** Latest reopen (REOPEN, or a dissatisfied CALLBACK back to processing), if any. */
  reopenedAt: Date | null;
  /** `${kind}:${deadlineVersion}` of every automatic escalation already recorded. */
  escalated: ReadonlySet<string>;
}

/** A planned timer as a ledger row: `fired` when the ticket already shows its effect. */
export interface PlannedRow {
  ticketId: number;
  deadlineVersion: number;
  kind: TimerKind;
  status: TimerStatus;
  dueAt: Date;
  state: "pending" | "fired";
}

/** The ticket's current timer plan as ledger rows (user events and timers both write this). */
export function ledgerPlan(
  t: LedgerFacts,
  clock: Clock,
  cal: WorkingCalendar,
  escalation: EscalationRule,
): PlannedRow[] {
  const resolveStart =
    t.reopenedAt && (!t.dispatchedAt || t.reopenedAt > t.dispatchedAt) ? t.reopenedAt : t.dispatchedAt;
  return planTimers({ ...t, resolveStart }, clock, cal, escalation).map((p) => ({
    ticketId: t.id,
    deadlineVersion: t.deadlineVersion,
    kind: p.kind,
    status: t.status,
    dueAt: p.dueAt,
    state: isApplied(p.kind, t.deadlineVersion, t.flags, t.escalated) ? "fired" : "pending",
  }));
}
