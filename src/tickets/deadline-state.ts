/**
 * What each of a ticket's four deadlines is doing now — one function for every screen: the
 * API's traffic light (ticket.view.ts), the desk's detail page and queues, and the dashboard's
 * overdue list (stats). The browser gets this very module as /js/deadline-state.js (the server
 * strips its types at startup, vocabulary.routes.ts), so it must stay free of runtime imports.
 *
 * States:
 *  - `na`       no such deadline in this state (not dispatched, recalled, merged, answered directly,
 *               or a first response no longer needed because the reply came);
 *  - `pending`  running, not yet due;  `warning` running, the timer's 75 % warning was raised;
 *  - `overdue`  running and past due (or its overdue timer fired);
 *  - `met`      done in time;  `metLate` done, after the deadline.
 *
 * The rules, deadline by deadline (the lifecycle is DESIGN's):
 *  - 签收 `signBy`: met by `signedAt`; running while unsigned in 待签收 (or a return requested
 *    from there).
 *  - 初步答复 `firstResponseBy`: met by `firstResponseAt` (FIRST_RESPONSE, or the reply when none
 *    came before it); running while the unit holds the ticket (待签收, 办理中, 退单审核); stops
 *    (`na`) once the ticket is replied without a recorded time (tickets replied before the reply
 *    recorded it).
 *  - 办结 `dueAt`: running in 待签收, 办理中, 退单审核 and 待审核 — on time means the reply was
 *    *approved* by the deadline (DESIGN "Metrics"), so review time counts; met once the reply is
 *    approved (待回访, 已办结): late when the round's RESOLVE_OVERDUE fired (the flag is reset by
 *    each new resolution deadline: dispatch, extension, reopen) or, in the first round, when the
 *    first approved reply came after `dueAt`. A reopened ticket (back in 办理中 with a fresh
 *    `dueAt`) is running again, whatever an earlier round did.
 *  - 回访 `callbackBy`: running in 待回访 (overdue once past or CALLBACK_OVERDUE fired); cleared
 *    when the ticket closes.
 */

export const DEADLINE_KEYS = ["signBy", "firstResponseBy", "dueAt", "callbackBy"] as const;
export type DeadlineKey = (typeof DEADLINE_KEYS)[number];
export type DeadlineState = "na" | "pending" | "warning" | "overdue" | "met" | "metLate";
export type TrafficLight = "none" | "normal" | "warning" | "overdue";

type Time = string | Date | null | undefined;

/** The ticket's fields the states depend on: a stored ticket or its API view. */
export interface DeadlineFacts {
  status: string;
  reopenCount: number;
  signBy: Time;
  signedAt: Time;
  firstResponseBy: Time;
  firstResponseAt: Time;
  dueAt: Time;
  firstApprovedReplyAt: Time;
  callbackBy: Time;
  flags?: {
    signWarning?: boolean;
    signOverdue?: boolean;
    resolveWarning?: boolean;
    resolveOverdue?: boolean;
    callbackOverdue?: boolean;
    firstResponseWarning?: boolean;
    firstResponseOverdue?: boolean;
  } | null;
}

export interface DeadlineStatus {
  key: DeadlineKey;
  /** The deadline, as given (null when there is none). */
  at: Time;
  state: DeadlineState;
  /** When it was met, where known. */
  metAt: Time;
}

/** States in which the resolution deadline runs: the unit holds the ticket or its reply awaits approval. */
export const DUE_RUNNING_STATES: readonly string[] = [
  "dispatched",
  "processing",
  "returnRequested",
  "reviewing",
];
/** States in which the unit holds the ticket (and owes a first response). */
const HOLDING_STATES: readonly string[] = ["dispatched", "processing", "returnRequested"];
/** States after an approved reply. */
const APPROVED_STATES: readonly string[] = ["callback", "closed"];

const ms = (t: Time): number | null => (t ? new Date(t).getTime() : null);

function running(at: Time, now: Date, warned: boolean, overdueFlag: boolean): DeadlineState {
  const due = ms(at);
  if (due === null) return "na";
  if (overdueFlag || now.getTime() >= due) return "overdue";
  return warned ? "warning" : "pending";
}

function done(at: Time, metAt: Time, late?: boolean): DeadlineState {
  if (late !== undefined) return late ? "metLate" : "met";
  const due = ms(at);
  const met = ms(metAt);
  return due !== null && met !== null && met > due ? "metLate" : "met";
}

/** The state of one deadline of `t` at `now`. */
export function deadlineStatus(t: DeadlineFacts, key: DeadlineKey, now: Date): DeadlineStatus {
  const f = t.flags ?? {};
  const s = t.status;
  const at = t[key];
  const out = (state: DeadlineState, metAt: Time = null): DeadlineStatus => ({ key, at, state, metAt });
  if (!at) return out("na");
  switch (key) {
    case "signBy":
      if (t.signedAt && s !== "registered" && s !== "merged") return out(done(at, t.signedAt), t.signedAt);
      if (s === "dispatched" || s === "returnRequested")
        return out(running(at, now, f.signWarning === true, f.signOverdue === true));
      return out("na");
    case "firstResponseBy":
      if (t.firstResponseAt && s !== "registered" && s !== "merged")
        return out(done(at, t.firstResponseAt), t.firstResponseAt);
      if (HOLDING_STATES.includes(s))
        return out(running(at, now, f.firstResponseWarning === true, f.firstResponseOverdue === true));
      return out("na");
    case "dueAt":
      if (DUE_RUNNING_STATES.includes(s))
        return out(running(at, now, f.resolveWarning === true, f.resolveOverdue === true));
      if (APPROVED_STATES.includes(s)) {
        const firstRound = t.reopenCount === 0;
        const metAt = firstRound ? t.firstApprovedReplyAt : null;
        const lateFirst = firstRound && ms(metAt) !== null && (ms(metAt) as number) > (ms(at) as number);
        return out(done(at, metAt, f.resolveOverdue === true || lateFirst), metAt);
      }
      return out("na");
    case "callbackBy":
      if (s === "callback") return out(running(at, now, false, f.callbackOverdue === true));
      return out("na");
  }
}

/** All four, in DEADLINE_KEYS order. */
export function deadlineStatuses(t: DeadlineFacts, now: Date): DeadlineStatus[] {
  return DEADLINE_KEYS.map((key) => deadlineStatus(t, key, now));
}

/**
 * The deadline a list shows for the ticket: the one of its stage (sign while 待签收, callback
 * while 待回访, resolution while the unit works on it or the reply awaits review), or null.
 */
export function stageDeadline(t: DeadlineFacts): DeadlineKey | null {
  const s = t.status;
  if (s === "dispatched") return "signBy";
  if (s === "callback") return "callbackBy";
  if (DUE_RUNNING_STATES.includes(s)) return "dueAt";
  return null;
}

/**
 * The traffic light: the worst running state among the deadlines the timers watch (sign,
 * resolution, callback); `none` when none runs. So an overdue ticket is never green, whichever
 * of its deadlines is overdue.
 */
export function trafficLight(t: DeadlineFacts, now: Date): TrafficLight {
  let light: TrafficLight = "none";
  for (const key of ["signBy", "dueAt", "callbackBy"] as const) {
    const { state } = deadlineStatus(t, key, now);
    if (state === "overdue") return "overdue";
    if (state === "warning") light = "warning";
    else if (state === "pending" && light === "none") light = "normal";
  }
  return light;
}
