/**
 * Deadlines from an SLA policy: pure functions of a start instant, a policy and a calendar.
 *
 * Deadlines run from the moment of dispatch (DESIGN "Deadlines (SLA)"), so signing late does
 * not stretch a department's time. A ticket is overdue only AFTER its deadline: an answer at
 * exactly 18:00 against an 18:00 deadline is on time.
 */
import {
  addDuration,
  addWorkingTime,
  type Clock,
  type WorkingCalendar,
  workingTimeBetween,
} from "./calendar.ts";
import { parseDuration } from "./duration.ts";

export interface SlaPolicyData {
  /** 签收: the department signs for the ticket. */
  signWithin: string;
  /** 初步答复: first contact with the citizen / first reply. */
  firstResponseWithin: string;
  /** 办结: the department's final reply. */
  resolveWithin: string;
  /** 回访: the hotline calls the citizen back, counted from the approval of the reply. */
  callbackWithin: string;
  clock: Clock;
}

export type Urgency = "normal" | "urgent" | "critical";

/**
 * Defaults modelled on published 12345 centre rules; categories override them (e.g. supplies or
 * education complaints resolved in PT6H).
 *
 * - critical 特急 (safety, outages; the centre works around the clock): calendar clock; sign
 *   within 30 minutes, first response within 1 hour, resolve within 24 hours, call back within
 *   24 hours.
 * - urgent 紧急: working clock, "same day": sign within 2 working hours, first response within 4,
 *   resolve within 1 working day (8 working hours, i.e. by the same time the next working day at
 *   the latest), call back within 1 working day.
 * - normal 一般: working clock; sign within 4 working hours (half a working day), first response
 *   within 1 working day, resolve within 5 working days, call back within 2 working days.
 */
export const DEFAULT_POLICIES: Record<Urgency, SlaPolicyData> = {
  critical: {
    signWithin: "PT30M",
    firstResponseWithin: "PT1H",
    resolveWithin: "PT24H",
    callbackWithin: "PT24H",
    clock: "calendar",
  },
  urgent: {
    signWithin: "PT2H",
    firstResponseWithin: "PT4H",
    resolveWithin: "P1D",
    callbackWithin: "P1D",
    clock: "working",
  },
  normal: {
    signWithin: "PT4H",
    firstResponseWithin: "P1D",
    resolveWithin: "P5D",
    callbackWithin: "P2D",
    clock: "working",
  },
};

export interface Deadlines {
  signBy: Date;
  firstResponseBy: Date;
  dueAt: Date;
}

/** Throws a DurationError (or RangeError for the clock) naming the first unusable field. */
export function validatePolicy(policy: SlaPolicyData): void {
  if (policy.clock !== "calendar" && policy.clock !== "working") {
    throw new RangeError(
      `SLA policy clock must be "calendar" or "working", got ${JSON.stringify(policy.clock)}`,
    );
  }
  parseDuration(policy.signWithin);
  parseDuration(policy.firstResponseWithin);
  parseDuration(policy.resolveWithin);
  parseDuration(policy.callbackWithin);
}

export function computeDeadlines(dispatchedAt: Date, policy: SlaPolicyData, cal: WorkingCalendar): Deadlines {
  return {
    signBy: addDuration(dispatchedAt, policy.signWithin, policy.clock, cal),
    firstResponseBy: addDuration(dispatchedAt, policy.firstResponseWithin, policy.clock, cal),
    dueAt: addDuration(dispatchedAt, policy.resolveWithin, policy.clock, cal),
  };
}

/** The call-back deadline, counted from the hotline's approval of the department's reply. */
export function callbackDeadline(approvedAt: Date, policy: SlaPolicyData, cal: WorkingCalendar): Date {
  return addDuration(approvedAt, policy.callbackWithin, policy.clock, cal);
}

export type TrafficLight = "normal" | "warning" | "overdue";

/** The share of the allowed time after which a ticket shows amber and the warning timer fires. */
export const WARNING_FRACTION = 0.75;

/**
 * The moment {@link WARNING_FRACTION} of the allowed time is used. Calendar clock: of the elapsed
 * time. Working clock: of the working time between start and deadline, as the earliest instant
 * with that much working time since start (so it never lies after the deadline). Rounded down to
 * the millisecond. A deadline at or before the start warns at the deadline.
 */
export function warningAt(start: Date, deadline: Date, clock: Clock, cal: WorkingCalendar): Date {
  const s = start.getTime();
  const d = deadline.getTime();
  if (!(d > s)) return new Date(d);
  if (clock === "calendar") return new Date(s + Math.floor((d - s) * WARNING_FRACTION));
  const allowed = workingTimeBetween(start, deadline, cal);
  return addWorkingTime(start, Math.floor(allowed * WARNING_FRACTION), cal);
}

/** `overdue` after the deadline, `warning` from {@link warningAt} on, else `normal` (also with no deadline). */
export function trafficLight(
  now: Date,
  start: Date,
  deadline: Date | null,
  clock: Clock,
  cal: WorkingCalendar,
): TrafficLight {
  if (deadline === null) return "normal";
  if (now.getTime() > deadline.getTime()) return "overdue";
  if (now.getTime() >= warningAt(start, deadline, clock, cal).getTime()) return "warning";
  return "normal";
}

/**
 * Escalation (督办) moments after a missed deadline, always on the working clock: level 1 one
 * working day after the deadline, level 2 a further working day after level 1. A deadline at
 * 18:00 escalates at 18:00 on the next working day(s); see calendar.ts for the offset rule.
 */
export function escalationAt(deadline: Date, level: 1 | 2, cal: WorkingCalendar): Date {
  if (level !== 1 && level !== 2)
    throw new RangeError(`Escalation level must be 1 or 2, got ${String(level)}`);
  const first = addDuration(deadline, "P1D", "working", cal);
  return level === 1 ? first : addDuration(first, "P1D", "working", cal);
}
