/**
 * Report periods in the centre's time zone. Pure.
 *
 * `from`/`to` are dates (YYYY-MM-DD) or ISO times; `to` is exclusive. Rollups are daily, so
 * an ISO time stands for the local day it falls in; a `to` that is not a local midnight
 * includes its (partial) day. The default period is the last 30 days, today included.
 */
import { dayOf } from "./metrics.ts";

const DAY_MS = 86_400_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
/** Longest period a query may span (ten years). */
export const MAX_PERIOD_DAYS = 3660;
export const DEFAULT_PERIOD_DAYS = 30;

export class PeriodError extends Error {
  constructor(
    readonly field: "from" | "to" | "granularity",
    message: string,
  ) {
    super(message);
  }
}

export interface Period {
  fromDay: string;
  toDay: string;
}

function dayNumber(day: string): number {
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / DAY_MS;
}

function dayString(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  return dayString(dayNumber(day) + n);
}

export function daysBetween(fromDay: string, toDay: string): number {
  return dayNumber(toDay) - dayNumber(fromDay);
}

function isValidDate(day: string): boolean {
  return DATE_RE.test(day) && dayString(dayNumber(day)) === day;
}

/** Years PostgreSQL's date type and JavaScript both read the same way (year 0000 is neither's). */
function inRange(day: string, field: "from" | "to"): string {
  if (!(DATE_RE.test(day) && day >= "1900-01-01" && day <= "9999-12-30"))
    throw new PeriodError(field, "Use a day between 1900-01-01 and 9999-12-30");
  return day;
}

/** One bound as a day: a date as it is; an ISO time as its local day, an exclusive end inside a day keeping that day. */
export function parseBound(value: string, field: "from" | "to", timeZone: string): string {
  if (DATE_RE.test(value)) {
    if (!isValidDate(value)) throw new PeriodError(field, `${value} is not a calendar date`);
    return inRange(value, field);
  }
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new PeriodError(field, "Use a date (YYYY-MM-DD) or an ISO 8601 time");
  const at = new Date(ms);
  const day = inRange(dayOf(at, timeZone), field);
  if (field === "from") return day;
  // An exclusive end inside a day keeps that day.
  const midnight = dayOf(new Date(ms - 1), timeZone) !== day;
  return midnight ? day : addDays(day, 1);
}

export function parsePeriod(
  q: { from?: string | undefined; to?: string | undefined },
  timeZone: string,
  now: Date,
): Period {
  const toDay = q.to ? parseBound(q.to, "to", timeZone) : addDays(dayOf(now, timeZone), 1);
  const fromDay = q.from ? parseBound(q.from, "from", timeZone) : addDays(toDay, -DEFAULT_PERIOD_DAYS);
  const len = daysBetween(fromDay, toDay);
  if (len <= 0) throw new PeriodError("to", "to must be after from");
  if (len > MAX_PERIOD_DAYS) throw new PeriodError("from", `A period spans at most ${MAX_PERIOD_DAYS} days`);
  return { fromDay, toDay };
}

/** The period of equal length just before `p`. */
export function previousPeriod(p: Period): Period {
  const len = daysBetween(p.fromDay, p.toDay);
  return { fromDay: addDays(p.fromDay, -len), toDay: p.fromDay };
}

export type Granularity = "day" | "week" | "month";

/** The start of the bucket a day falls in: the day, its ISO week's Monday, or the 1st of its month. */
export function bucketOf(day: string, g: Granularity): string {
  if (g === "day") return day;
  if (g === "month") return `${day.slice(0, 8)}01`;
  const n = dayNumber(day);
  const weekday = (new Date(n * DAY_MS).getUTCDay() + 6) % 7; // Monday = 0
  return dayString(n - weekday);
}

/**
 * The days a bucket covers within the period, [from, to): a partial first or last bucket is
 * clipped, so a week that began before the period is labelled by the period's first day.
 */
export function bucketBounds(start: string, p: Period, g: Granularity): Period {
  const end = g === "day" ? addDays(start, 1) : g === "week" ? addDays(start, 7) : nextMonth(start);
  return { fromDay: [start, p.fromDay].sort()[1] as string, toDay: [end, p.toDay].sort()[0] as string };
}

function nextMonth(first: string): string {
  const y = Number(first.slice(0, 4));
  const m = Number(first.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
}

/** The last day of the period (its `toDay` is exclusive): what people call its end. */
export function lastDay(p: Period): string {
  return addDays(p.toDay, -1);
}

/** Every bucket start overlapping [fromDay, toDay), in order (calendar starts, not clipped). */
export function buckets(p: Period, g: Granularity): string[] {
  const out: string[] = [];
  let b = bucketOf(p.fromDay, g);
  while (b < p.toDay) {
    out.push(b);
    if (g === "day") b = addDays(b, 1);
    else if (g === "week") b = addDays(b, 7);
    else b = nextMonth(b);
  }
  return out;
}
