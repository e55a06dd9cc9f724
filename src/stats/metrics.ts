/**
 * The dashboard's numbers (DESIGN.md "Metrics"), defined once. Pure: no database, no clock.
 *
 * Three layers:
 *  1. facts — what one ticket (`ticketFact`) and each of its lead dispatches (`dispatchFacts`)
 *     contribute, as 0/1 counters. They depend only on the ticket row and its assignments,
 *     never on the current time, so workers can keep them in rollup tables.
 *  2. live — what an *open* ticket contributes "as of now" (`liveContribution`): overdue,
 *     warnings, and the open parts of the on-time and response denominators.
 *  3. figures — counters summed over any scope → rates (`figures`).
 *
 * The rollup SQL (stats.sql.ts) mirrors layers 1 and 2 for set-based rebuilds and reads;
 * tests prove both agree.
 *
 * Decisions (README "Metrics"):
 *  - Cohort: every figure is about the tickets *received* in [from, to) (by `createdAt`
 *    in the centre's time zone); merged tickets are excluded everywhere.
 *  - Ticket figures are attributed to the ticket's holder (`departmentId`: the department
 *    holding it when it closed, or now if open; 0 = none, e.g. answered directly).
 *    Dispatch figures are attributed to the department dispatched to.
 *  - Dispatches are *lead* dispatches only. Co-handling (协办) units are never signed for
 *    (the lead signs) and sub-dispatches are internal to the lead, so neither counts.
 *  - Response rate: a lead dispatch enters the denominator once its outcome is known — it
 *    was signed, or its `signBy` passed unsigned (while pending, as of now; or because it
 *    ended after `signBy`). One recalled or returned before `signBy` without signing is
 *    not judged.
 *  - Return rate = lead dispatches that ended `returned` (an approved return) / lead dispatches.
 *  - On-time: the first approved reply came at or before the resolution deadline in force at
 *    that moment (approved extensions included), as the ticket writer recorded it then
 *    (`firstReplyOnTime`); a later reopen's fresh `dueAt` never changes it. Answered directly
 *    = on time. Numerator and denominator are taken over the same tickets: closed ones, plus
 *    open ones already past their current `dueAt`.
 *  - Reopen rate counts closed tickets that were reopened at least once / closed, so it
 *    stays within 0..1 (a ticket being redone counts once it closes again).
 *  - Satisfaction and resolution use the ticket's latest rated callback (`lastRating`,
 *    `lastResolved`); `unreachable` never overwrites it and is never counted.
 */

import { DUE_RUNNING_STATES } from "../tickets/deadline-state.ts";
import { OPEN_STATES, type TicketState } from "../tickets/vocabulary.ts";

export type Rating = "satisfied" | "basically_satisfied" | "dissatisfied";
export type TicketStatusValue = TicketState;

export const OPEN_STATUSES: readonly TicketStatusValue[] = OPEN_STATES;

/** The ticket fields the metrics read (a subset of the `tickets` row). */
export interface FactTicket {
  id: number;
  createdAt: Date;
  status: string;
  departmentId: number | null;
  categoryId: number;
  channel: string;
  directlyAnswered: boolean;
  /** Set at the first APPROVE_REPLY: was it within the deadline in force then (null before). */
  firstReplyOnTime: boolean | null;
  reopenCount: number;
  lastRating: string | null;
  lastResolved: boolean | null;
}

/** The assignment fields the metrics read (a subset of the `assignments` row). */
export interface FactAssignment {
  id: number;
  departmentId: number;
  role: string;
  signBy: Date | null;
  signedAt: Date | null;
  outcome: string;
  endedAt: Date | null;
}

/** What an open ticket needs for the as-of-now figures. */
export interface LiveTicket {
  status: string;
  dueAt: Date | null;
  signBy: Date | null;
  signedAt: Date | null;
  callbackBy: Date | null;
  firstReplyOnTime: boolean | null;
  flags: { signWarning?: boolean; resolveWarning?: boolean } | null | undefined;
}

/** Department id used for tickets without one (never dispatched, answered directly). */
export const NO_DEPARTMENT = 0;

export interface FactKey {
  /** Received day, YYYY-MM-DD in the centre's time zone. */
  day: string;
  departmentId: number;
  categoryId: number;
  channel: string;
}

export const TICKET_COUNTERS = [
  "received",
  "closed",
  "onTime",
  "reopened",
  "rated",
  "satisfied",
  "basicallySatisfied",
  "dissatisfied",
  "resolved",
] as const;
export type TicketCounter = (typeof TICKET_COUNTERS)[number];

export const DISPATCH_COUNTERS = ["dispatched", "responseDue", "signedOnTime", "returned"] as const;
export type DispatchCounter = (typeof DISPATCH_COUNTERS)[number];

export const LIVE_COUNTERS = [
  "overdueOpen",
  "pastDue",
  "overdueOnTime",
  "warnings",
  "signLatePending",
] as const;
export type LiveCounter = (typeof LIVE_COUNTERS)[number];

export type TicketFact = FactKey & { ticketId: number } & Record<TicketCounter, number>;
export type DispatchFact = FactKey & { assignmentId: number; ticketId: number } & Record<
    DispatchCounter,
    number
  >;
export type Counters = Record<TicketCounter | DispatchCounter | LiveCounter, number>;

const RATED: ReadonlySet<string> = new Set(["satisfied", "basically_satisfied", "dissatisfied"]);
const b = (v: boolean): number => (v ? 1 : 0);

export function isOpen(status: string): boolean {
  return status !== "closed" && status !== "merged";
}

// ─── Days in the centre's time zone ──────────────────────────────────────────

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** YYYY-MM-DD of `at` in `timeZone`. */
export function dayOf(at: Date, timeZone: string): string {
  let f = dayFormatters.get(timeZone);
  if (!f) {
    // en-CA formats dates as YYYY-MM-DD.
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormatters.set(timeZone, f);
  }
  return f.format(at);
}

// ─── Layer 1: facts ──────────────────────────────────────────────────────────

/**
 * First approved reply at or before the deadline in force when it was approved (judged then, see
 * ticket.decide.ts); answered directly counts as on time; not yet replied is not on time.
 */
export function repliedOnTime(t: Pick<FactTicket, "directlyAnswered" | "firstReplyOnTime">): boolean {
  return t.directlyAnswered || t.firstReplyOnTime === true;
}

/** One ticket's contribution to the rollups; null for a merged ticket (excluded everywhere). */
export function ticketFact(t: FactTicket, timeZone: string): TicketFact | null {
  if (t.status === "merged") return null;
  const closed = t.status === "closed";
  const rated = t.lastRating !== null && RATED.has(t.lastRating);
  return {
    ticketId: t.id,
    day: dayOf(t.createdAt, timeZone),
    departmentId: t.departmentId ?? NO_DEPARTMENT,
    categoryId: t.categoryId,
    channel: t.channel,
    received: 1,
    closed: b(closed),
    onTime: b(closed && repliedOnTime(t)),
    reopened: b(closed && t.reopenCount >= 1),
    rated: b(rated),
    satisfied: b(rated && t.lastRating === "satisfied"),
    basicallySatisfied: b(rated && t.lastRating === "basically_satisfied"),
    dissatisfied: b(rated && t.lastRating === "dissatisfied"),
    resolved: b(rated && t.lastResolved === true),
  };
}

/** The ticket's lead dispatches, each attributed to the department dispatched to. */
export function dispatchFacts(
  t: FactTicket,
  assignments: readonly FactAssignment[],
  timeZone: string,
): DispatchFact[] {
  if (t.status === "merged") return [];
  const day = dayOf(t.createdAt, timeZone);
  return assignments
    .filter((a) => a.role === "lead")
    .sort((x, y) => x.id - y.id)
    .map((a) => {
      const signed = a.signedAt !== null;
      const endedLate = !signed && a.endedAt !== null && a.signBy !== null && a.endedAt > a.signBy;
      return {
        assignmentId: a.id,
        ticketId: t.id,
        day,
        departmentId: a.departmentId,
        categoryId: t.categoryId,
        channel: t.channel,
        dispatched: 1,
        responseDue: b(signed || endedLate),
        signedOnTime: b(signed && (a.signBy === null || (a.signedAt as Date) <= a.signBy)),
        returned: b(a.outcome === "returned"),
      };
    });
}

// ─── Layer 2: as of now ──────────────────────────────────────────────────────

/**
 * What an open ticket keeps for the as-of-now figures (stats_open_tickets): a narrow copy of
 * the ticket's deadlines and flags, so reading them never touches the wide tickets rows.
 */
export type OpenRow = FactKey & {
  ticketId: number;
  status: string;
  dueAt: Date | null;
  signBy: Date | null;
  signedAt: Date | null;
  callbackBy: Date | null;
  firstReplyOnTime: boolean | null;
  signWarning: boolean;
  resolveWarning: boolean;
  supervisionLevel: number;
};

/** The open row of a ticket; null once it is closed or merged. */
export function openRow(
  t: FactTicket & LiveTicket & { supervisionLevel: number },
  timeZone: string,
): OpenRow | null {
  if (!isOpen(t.status)) return null;
  return {
    ticketId: t.id,
    day: dayOf(t.createdAt, timeZone),
    departmentId: t.departmentId ?? NO_DEPARTMENT,
    categoryId: t.categoryId,
    channel: t.channel,
    status: t.status,
    dueAt: t.dueAt,
    signBy: t.signBy,
    signedAt: t.signedAt,
    callbackBy: t.callbackBy,
    firstReplyOnTime: t.firstReplyOnTime,
    signWarning: t.flags?.signWarning === true,
    resolveWarning: t.flags?.resolveWarning === true,
    supervisionLevel: t.supervisionLevel,
  };
}

/**
 * An open ticket's time-dependent contribution at `now`:
 *  - overdueOpen (超期未办结): its resolution deadline `dueAt` is running (deadline-state.ts
 *    DUE_RUNNING_STATES: with the unit, or its reply under review) and has passed — what the
 *    desk shows as 超期, so the card and the desk's 超期件 agree;
 *  - pastDue: open and past `dueAt` in any stage (awaiting callback included): the open part
 *    of the on-time denominator (DESIGN "Metrics");
 *  - overdueOnTime: of the pastDue, the ones whose first approved reply was nevertheless on
 *    time (judged against the deadline in force at that reply);
 *  - warnings (预警): not overdue, but its current stage is flagged — the desk's traffic
 *    light shows warning or overdue (sign, resolve or callback stage);
 *  - signLatePending: its lead dispatch is still unsigned past `signBy`.
 */
export function liveContribution(t: LiveTicket, now: Date): Record<LiveCounter, number> {
  const zero = { overdueOpen: 0, pastDue: 0, overdueOnTime: 0, warnings: 0, signLatePending: 0 };
  if (!isOpen(t.status)) return zero;
  const pastDue = t.dueAt !== null && t.dueAt < now;
  const overdue = pastDue && DUE_RUNNING_STATES.includes(t.status);
  const signPending = t.status === "dispatched" || t.status === "returnRequested";
  return {
    overdueOpen: b(overdue),
    pastDue: b(pastDue),
    overdueOnTime: b(pastDue && t.firstReplyOnTime === true),
    warnings: b(!overdue && stageFlagged(t, now)),
    signLatePending: b(signPending && t.signedAt === null && t.signBy !== null && t.signBy < now),
  };
}

/** The traffic light of the ticket desk (warning or overdue), stage by stage. */
function stageFlagged(t: LiveTicket, now: Date): boolean {
  const flags = t.flags ?? {};
  switch (t.status) {
    case "registered":
      return false;
    case "dispatched":
      return t.signBy !== null && (t.signBy <= now || flags.signWarning === true);
    case "callback":
      return t.callbackBy !== null && t.callbackBy <= now;
    default:
      return t.dueAt !== null && (t.dueAt <= now || flags.resolveWarning === true);
  }
}

// ─── Layer 3: figures ────────────────────────────────────────────────────────

export interface SatisfactionWeights {
  satisfied: number;
  basicallySatisfied: number;
  dissatisfied: number;
}
export const DEFAULT_WEIGHTS: SatisfactionWeights = {
  satisfied: 100,
  basicallySatisfied: 80,
  dissatisfied: 0,
};

export interface Figures {
  received: number;
  closed: number;
  completionRate: number | null;
  onTimeRate: number | null;
  responseRate: number | null;
  satisfactionRate: number | null;
  satisfactionScore: number | null;
  resolutionRate: number | null;
  reopenRate: number | null;
  returnRate: number | null;
  overdueOpen: number;
  warnings: number;
}

export function emptyCounters(): Counters {
  const c = {} as Counters;
  for (const k of [...TICKET_COUNTERS, ...DISPATCH_COUNTERS, ...LIVE_COUNTERS]) c[k] = 0;
  return c;
}

/** Adds `part` into `into` (any subset of the counters). */
export function addInto(into: Counters, part: Partial<Record<keyof Counters, number>>): Counters {
  for (const [k, v] of Object.entries(part)) {
    if (k in into && typeof v === "number") into[k as keyof Counters] += v;
  }
  return into;
}

const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);

export function figures(c: Counters, weights: SatisfactionWeights = DEFAULT_WEIGHTS): Figures {
  const score =
    c.rated === 0
      ? null
      : (weights.satisfied * c.satisfied +
          weights.basicallySatisfied * c.basicallySatisfied +
          weights.dissatisfied * c.dissatisfied) /
        c.rated;
  return {
    received: c.received,
    closed: c.closed,
    completionRate: ratio(c.closed, c.received),
    onTimeRate: ratio(c.onTime + c.overdueOnTime, c.closed + c.pastDue),
    responseRate: ratio(c.signedOnTime, c.responseDue + c.signLatePending),
    satisfactionRate: ratio(c.satisfied + c.basicallySatisfied, c.rated),
    satisfactionScore: score,
    resolutionRate: ratio(c.resolved, c.rated),
    reopenRate: ratio(c.reopened, c.closed),
    returnRate: ratio(c.returned, c.dispatched),
    overdueOpen: c.overdueOpen,
    warnings: c.warnings,
  };
}

/** Everything at once for a set of tickets (tests, small reports): facts + live → figures. */
export function computeFigures(
  tickets: ReadonlyArray<{ ticket: FactTicket & LiveTicket; assignments: readonly FactAssignment[] }>,
  now: Date,
  opts: { timeZone?: string; weights?: SatisfactionWeights } = {},
): Figures {
  const tz = opts.timeZone ?? "Asia/Shanghai";
  const c = emptyCounters();
  for (const { ticket, assignments } of tickets) {
    const fact = ticketFact(ticket, tz);
    if (!fact) continue;
    addInto(c, pickCounters(fact, TICKET_COUNTERS));
    for (const d of dispatchFacts(ticket, assignments, tz)) addInto(c, pickCounters(d, DISPATCH_COUNTERS));
    addInto(c, liveContribution(ticket, now));
  }
  return figures(c, opts.weights);
}

export function pickCounters<K extends string>(
  row: Record<K, number>,
  keys: readonly K[],
): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = row[k];
  return out;
}
