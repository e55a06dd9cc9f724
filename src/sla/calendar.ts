/**
 * Working-time arithmetic for SLA deadlines: pure, no I/O, independent of the process `TZ`.
 *
 * Conventions (the tests in calendar.test.ts check each of them):
 *
 * - Working time is a set of half-open intervals `[start, end)` per working day, in the
 *   calendar's time zone. `isWorkingTime(09:00)` is true, `isWorkingTime(18:00)` is false.
 * - `addWorkingTime(s, ms)` returns the EARLIEST instant `T` with `workingTimeBetween(s, T) === ms`.
 *   So a deadline that uses up a working interval exactly lands on the interval's END
 *   (`PT8H` from Monday 09:00 is Monday 18:00, not Tuesday 09:00; `PT3H` from 09:00 is 12:00,
 *   not 13:00). For `ms > 0` the result always lies in `(intervalStart, intervalEnd]` of some
 *   working interval: in working time, or exactly at an interval's end. `ms === 0` returns `s`.
 * - Working days on the `working` clock (`addDuration` with a day or week component) keep the
 *   "working-time offset": the working time elapsed on the start's working day before the
 *   start. The start is first placed on a working day:
 *     - in working time (e.g. Fri 10:00, offset 1h): kept as is;
 *     - exactly at an interval end (12:00 or 18:00): kept, and the result lands on the same end
 *       boundary (Fri 18:00 + P1D = Mon 18:00, consistent with the end-boundary rule above);
 *     - otherwise outside working time (before 09:00, lunch, after 18:00, weekend, holiday):
 *       snapped to the next working moment (12:30 → 13:00, Sat → Mon 09:00), then kept.
 *   The result is the instant with the same offset `n` working days later (make-up workdays
 *   count, holidays do not): P2D from Fri 10:00 is Tue 10:00 when Mon is a holiday; P1D from
 *   12:30 is 13:00 the next working day; P1D from Sat 10:00 is Tue 09:00.
 * - A week on the `working` clock is as many working days as the calendar has working weekdays
 *   (5 by default): P1W from Mon 10:00 in an ordinary week is the next Mon 10:00. On the
 *   `calendar` clock P1W is 7 × 24 h.
 * - Hours, minutes and seconds on the `working` clock are working time (`addWorkingTime`), added
 *   after the day component: P1DT4H = P1D, then PT4H.
 * - A zero duration returns the start unchanged on either clock.
 * - Calendars are treated as immutable values: derived data is cached per calendar object (and
 *   rebuilt if its fields are replaced). Build a new calendar after changing overrides.
 */
import {
  calendarDurationMs,
  durationTimeMs,
  isZeroDuration,
  MAX_DURATION_DAYS,
  type ParsedDuration,
  parseDuration,
} from "./duration.ts";
import { SHIPPED_CALENDAR_DAYS } from "./holidays.ts";

export type Clock = "calendar" | "working";
export type OverrideKind = "holiday" | "workday";

export interface WorkingCalendar {
  /** IANA time zone of the centre, default `Asia/Shanghai`. */
  timeZone: string;
  /** Minutes from local midnight, sorted, e.g. `[[540,720],[780,1080]]` = 09:00–12:00, 13:00–18:00. */
  workingHours: Array<[number, number]>;
  /** 1 = Monday … 7 = Sunday. */
  workingWeekdays: number[];
  /** Local date `YYYY-MM-DD` → kind. Make-up workdays use `workingHours`. */
  overrides: ReadonlyMap<string, OverrideKind>;
}

export interface CalendarOptions {
  timeZone?: string;
  workingHours?: Array<[number, number]>;
  workingWeekdays?: number[];
}

export const DEFAULT_TIME_ZONE = "Asia/Shanghai";
export const DEFAULT_WORKING_HOURS: ReadonlyArray<readonly [number, number]> = [
  [540, 720],
  [780, 1080],
];
export const DEFAULT_WORKING_WEEKDAYS: readonly number[] = [1, 2, 3, 4, 5];
/** How far the arithmetic searches for the next working day before declaring the calendar empty. */
export const MAX_IDLE_DAYS = MAX_DURATION_DAYS;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const CACHE_LIMIT = 200_000;

/**
 * The default calendar: Asia/Shanghai, 09:00–12:00 and 13:00–18:00, Monday–Friday.
 * `overrides` omitted → the shipped holiday and make-up-day data (`holidays.ts`); given → exactly
 * those entries (later entries win on duplicate dates). `options` replaces the other fields.
 */
export function defaultCalendar(
  overrides?: Iterable<{ date: string; kind: OverrideKind }>,
  options: CalendarOptions = {},
): WorkingCalendar {
  const map = new Map<string, OverrideKind>();
  for (const o of overrides ?? SHIPPED_CALENDAR_DAYS) {
    parseLocalDate(o.date);
    if (o.kind !== "holiday" && o.kind !== "workday") {
      throw new RangeError(`Override ${o.date}: kind must be "holiday" or "workday", got ${String(o.kind)}`);
    }
    map.set(o.date, o.kind);
  }
  const cal: WorkingCalendar = {
    timeZone: options.timeZone ?? DEFAULT_TIME_ZONE,
    workingHours: (options.workingHours ?? DEFAULT_WORKING_HOURS).map(([a, b]): [number, number] => [a, b]),
    workingWeekdays: [...(options.workingWeekdays ?? DEFAULT_WORKING_WEEKDAYS)],
    overrides: map,
  };
  indexFor(cal); // validates eagerly, so a bad calendar fails where it is built
  return cal;
}

/** Throws a RangeError describing the first problem with `cal`; returns normally when usable. */
export function validateCalendar(cal: WorkingCalendar): void {
  indexFor(cal);
}

/** Whether a local date is a working day: overrides first, then the working weekdays. */
export function isWorkingDay(localDateStr: string, cal: WorkingCalendar): boolean {
  return indexFor(cal).isWorkingDayNum(parseLocalDate(localDateStr));
}

export function isWorkingTime(t: Date, cal: WorkingCalendar): boolean {
  const ms = instant(t, "t");
  const idx = indexFor(cal);
  const iv = idx.day(idx.zone.dayOf(ms)).iv;
  for (let i = 0; i < iv.length; i += 2) {
    if (ms >= (iv[i] as number) && ms < (iv[i + 1] as number)) return true;
  }
  return false;
}

/** `t` itself when in working time, else the start of the next working interval. */
export function nextWorkingTime(t: Date, cal: WorkingCalendar): Date {
  const ms = instant(t, "t");
  const idx = indexFor(cal);
  let d = idx.zone.dayOf(ms);
  const iv = idx.day(d).iv;
  for (let i = 0; i < iv.length; i += 2) {
    if (ms < (iv[i + 1] as number)) return new Date(Math.max(ms, iv[i] as number));
  }
  d = idx.nextWorkingDay(d);
  return new Date(idx.day(d).iv[0] as number);
}

/** Adds `ms` of working time; the earliest instant with that much working time since `start`. */
export function addWorkingTime(start: Date, ms: number, cal: WorkingCalendar): Date {
  const t0 = instant(start, "start");
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`addWorkingTime: ms must be >= 0, got ${ms}`);
  const idx = indexFor(cal);
  let rem = Math.round(ms);
  if (rem === 0) return new Date(t0);

  let d = idx.zone.dayOf(t0);
  const first = idx.day(d).iv;
  for (let i = 0; i < first.length; i += 2) {
    const e = first[i + 1] as number;
    if (e <= t0) continue;
    const s = first[i] as number;
    const from = Math.max(s, t0);
    const len = e - from;
    if (rem <= len) return new Date(from + rem);
    rem -= len;
  }
  d++;
  let idle = 0;
  for (;;) {
    while (rem > idx.weekMs && idx.weekMs > 0 && idx.canSkipWeek(d)) {
      rem -= idx.weekMs;
      d += 7;
      idle = 0;
    }
    const w = idx.day(d);
    if (w.total === 0) {
      if (++idle > MAX_IDLE_DAYS) throw idx.noWorkError(d);
      d++;
      continue;
    }
    idle = 0;
    if (rem <= w.total) {
      const iv = w.iv;
      for (let i = 0; i < iv.length; i += 2) {
        const s = iv[i] as number;
        const len = (iv[i + 1] as number) - s;
        if (rem <= len) return new Date(s + rem);
        rem -= len;
      }
    }
    rem -= w.total;
    d++;
  }
}

/** Milliseconds of working time in `[a, b)`; 0 when `b <= a`. */
export function workingTimeBetween(a: Date, b: Date, cal: WorkingCalendar): number {
  const ta = instant(a, "a");
  const tb = instant(b, "b");
  if (!(tb > ta)) return 0;
  const idx = indexFor(cal);
  const dA = idx.zone.dayOf(ta);
  const dB = idx.zone.dayOf(tb);
  if (dA === dB) return clip(idx.day(dA).iv, ta, tb);
  let total = clip(idx.day(dA).iv, ta, Number.POSITIVE_INFINITY);
  let d = dA + 1;
  while (d < dB) {
    if (d + 7 <= dB && idx.canSkipWeek(d)) {
      total += idx.weekMs;
      d += 7;
    } else {
      total += idx.day(d).total;
      d++;
    }
  }
  return total + clip(idx.day(dB).iv, Number.NEGATIVE_INFINITY, tb);
}

/**
 * Adds an ISO 8601 duration on a clock. `calendar`: elapsed time, a day is 24 h, holidays
 * count. `working`: see the conventions at the top of this file.
 */
export function addDuration(
  start: Date,
  duration: string | ParsedDuration,
  clock: Clock,
  cal: WorkingCalendar,
): Date {
  const t0 = instant(start, "start");
  const p = typeof duration === "string" ? parseDuration(duration) : checkParsed(duration);
  if (clock === "calendar") return new Date(t0 + calendarDurationMs(p));
  if (clock !== "working") throw new RangeError(`Unknown clock ${JSON.stringify(clock)}`);
  if (isZeroDuration(p)) return new Date(t0);
  const idx = indexFor(cal);
  const days = p.days + p.weeks * (idx.workdaysPerWeek || 7);
  let t = days > 0 ? new Date(addWorkingDays(idx, t0, days)) : start;
  const timeMs = durationTimeMs(p);
  if (timeMs > 0) t = addWorkingTime(t, timeMs, cal);
  return t === start ? new Date(t0) : t;
}

/** The local date `YYYY-MM-DD` of `t` in `timeZone`. */
export function localDate(t: Date, timeZone: string): string {
  const z = zoneFor(timeZone);
  return dayToDate(z.dayOf(instant(t, "t")));
}

/** `YYYY-MM-DD` → days since 1970-01-01; throws on malformed or impossible dates. */
export function parseLocalDate(s: string): number {
  const m = typeof s === "string" ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(s) : null;
  if (m) {
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (dayToDate(ms / DAY_MS) === s) return ms / DAY_MS;
  }
  throw new RangeError(`Expected a local date YYYY-MM-DD, got ${JSON.stringify(s)}`);
}

// ---------------------------------------------------------------------------------------------

function instant(t: Date, what: string): number {
  const ms = t instanceof Date ? t.getTime() : Number.NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be a valid Date`);
  return ms;
}

function checkParsed(p: ParsedDuration): ParsedDuration {
  const ok =
    Number.isInteger(p.weeks) &&
    Number.isInteger(p.days) &&
    [p.weeks, p.days, p.hours, p.minutes, p.seconds].every((v) => Number.isFinite(v) && v >= 0) &&
    calendarDurationMs(p) <= MAX_DURATION_DAYS * DAY_MS;
  if (!ok) throw new RangeError(`Invalid duration components ${JSON.stringify(p)}`);
  return p;
}

function dayToDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** 1 = Monday … 7 = Sunday; day 0 (1970-01-01) was a Thursday. */
function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** Working time of one day's intervals (flat `[s0, e0, s1, e1, …]`) within `[from, to)`. */
function clip(iv: number[], from: number, to: number): number {
  let total = 0;
  for (let i = 0; i < iv.length; i += 2) {
    const s = Math.max(iv[i] as number, from);
    const e = Math.min(iv[i + 1] as number, to);
    if (e > s) total += e - s;
  }
  return total;
}

/** Moves `n >= 1` working days forward keeping the working-time offset (see file header). */
function addWorkingDays(idx: CalendarIndex, t0: number, n: number): number {
  let d = idx.zone.dayOf(t0);
  let offset = 0;
  let atEnd = false;
  let placed = false;
  const iv = idx.day(d).iv;
  let elapsed = 0;
  for (let i = 0; i < iv.length; i += 2) {
    const s = iv[i] as number;
    const e = iv[i + 1] as number;
    if (t0 < s) {
      offset = elapsed; // before this interval: snap to its start
      placed = true;
      break;
    }
    if (t0 < e) {
      offset = elapsed + (t0 - s);
      placed = true;
      break;
    }
    elapsed += e - s;
    if (t0 === e) {
      offset = elapsed;
      atEnd = true;
      placed = true;
      break;
    }
  }
  if (!placed) d = idx.nextWorkingDay(d); // after the day's last interval, or not a working day

  let k = n;
  let idle = 0;
  const perWeek = idx.workdaysPerWeek;
  while (k > 0) {
    if (perWeek > 0 && k > perWeek && idx.noEffectiveOverrides(d + 1, d + 8)) {
      d += 7;
      k -= perWeek;
      idle = 0;
      continue;
    }
    d++;
    if (idx.day(d).total > 0) {
      k--;
      idle = 0;
    } else if (++idle > MAX_IDLE_DAYS) {
      throw idx.noWorkError(d);
    }
  }

  const target = idx.day(d).iv;
  let o = offset;
  for (let i = 0; i < target.length; i += 2) {
    const s = target[i] as number;
    const len = (target[i + 1] as number) - s;
    if (atEnd ? o <= len : o < len) return s + o;
    o -= len;
  }
  return target[target.length - 1] as number; // a shorter (DST) day: clamp to its end
}

// ---------------------------------------------------------------------------------------------
// Time zones: local midnight of each day as an instant, cached per day; zones whose offset is
// constant over 2000–2100 (Asia/Shanghai and every other zone without DST) use plain arithmetic.

class Zone {
  private readonly fmt: Intl.DateTimeFormat;
  private readonly starts = new Map<number, number>();
  private readonly guessOffset: number;
  /** Days in [fixedFrom, fixedTo] have local midnight at `day * DAY_MS - fixedOffset`. */
  private readonly fixedOffset: number = 0;
  private readonly fixedFrom: number = 1;
  private readonly fixedTo: number = 0;
  private readonly fixedFromMs: number = 0;
  private readonly fixedToMs: number = 0;

  constructor(readonly name: string) {
    try {
      this.fmt = new Intl.DateTimeFormat("en-US", {
        timeZone: name,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
        second: "numeric",
      });
    } catch {
      throw new RangeError(
        `Unknown time zone ${JSON.stringify(name)}; use an IANA name such as "Asia/Shanghai"`,
      );
    }
    this.guessOffset = this.offsetAt(Date.now());
    // Sample the offset monthly; DST and permanent changes both show up as a differing sample.
    const from = Date.UTC(2000, 0, 1);
    const to = Date.UTC(2100, 0, 1);
    const o = this.offsetAt(from);
    let fixed = true;
    for (let y = 2000; y < 2100 && fixed; y++) {
      for (let m = 0; m < 12; m++) {
        if (this.offsetAt(Date.UTC(y, m, 15)) !== o) {
          fixed = false;
          break;
        }
      }
    }
    if (fixed && this.offsetAt(to) === o) {
      this.fixedOffset = o;
      this.fixedFrom = Math.floor((from + o) / DAY_MS) + 1;
      this.fixedTo = Math.floor((to + o) / DAY_MS) - 1;
      this.fixedFromMs = this.fixedFrom * DAY_MS - o;
      this.fixedToMs = (this.fixedTo + 1) * DAY_MS - o;
    }
  }

  /** UTC offset in ms at instant `t` (local wall clock minus UTC). */
  offsetAt(t: number): number {
    const whole = Math.floor(t / 1000) * 1000;
    let y = 0;
    let mo = 0;
    let d = 0;
    let h = 0;
    let mi = 0;
    let s = 0;
    for (const p of this.fmt.formatToParts(new Date(whole))) {
      switch (p.type) {
        case "year":
          y = Number(p.value);
          break;
        case "month":
          mo = Number(p.value);
          break;
        case "day":
          d = Number(p.value);
          break;
        case "hour":
          h = Number(p.value);
          break;
        case "minute":
          mi = Number(p.value);
          break;
        case "second":
          s = Number(p.value);
          break;
      }
    }
    const wall = new Date(0);
    wall.setUTCFullYear(y, mo - 1, d);
    wall.setUTCHours(h, mi, s, 0);
    return wall.getTime() - whole;
  }

  /** The instant of local wall time `wall` (ms as if UTC); a time skipped by DST maps forward. */
  wallToInstant(wall: number): number {
    const o1 = this.offsetAt(wall - this.guessOffset);
    const t1 = wall - o1;
    const o2 = this.offsetAt(t1);
    if (o2 === o1) return t1;
    const t2 = wall - o2;
    if (this.offsetAt(t2) === o2) return t2;
    return Math.max(t1, t2);
  }

  /** Instant of local midnight starting `day`. */
  startOf(day: number): number {
    if (day >= this.fixedFrom && day <= this.fixedTo) return day * DAY_MS - this.fixedOffset;
    let s = this.starts.get(day);
    if (s === undefined) {
      s = this.wallToInstant(day * DAY_MS);
      if (this.starts.size >= CACHE_LIMIT) this.starts.clear();
      this.starts.set(day, s);
    }
    return s;
  }

  /** Local day number containing instant `t`. */
  dayOf(t: number): number {
    if (t >= this.fixedFromMs && t < this.fixedToMs) return Math.floor((t + this.fixedOffset) / DAY_MS);
    let d = Math.floor((t + this.guessOffset) / DAY_MS);
    while (t < this.startOf(d)) d--;
    while (t >= this.startOf(d + 1)) d++;
    return d;
  }
}

const zones = new Map<string, Zone>();
function zoneFor(name: string): Zone {
  let z = zones.get(name);
  if (!z) {
    z = new Zone(name);
    zones.set(name, z);
  }
  return z;
}

// ---------------------------------------------------------------------------------------------
// Per-calendar index: normalized hours, override day numbers, and each day's working intervals.

interface DayWork {
  /** Absolute instants, flat: `[s0, e0, s1, e1, …]`. */
  iv: number[];
  total: number;
}
const NO_WORK: DayWork = { iv: [], total: 0 };

class CalendarIndex {
  readonly zone: Zone;
  readonly hours: Array<[number, number]>;
  readonly weekdays: boolean[];
  readonly workdaysPerWeek: number;
  readonly dailyMs: number;
  readonly weekMs: number;
  readonly overrides = new Map<number, OverrideKind>();
  /** Sorted days whose override changes their status (a holiday on a weekday, a workday on a weekend). */
  readonly effective: number[];
  private readonly days = new Map<number, DayWork>();

  constructor(
    readonly cal: WorkingCalendar,
    readonly overridesSize: number,
  ) {
    if (!cal || typeof cal !== "object") throw new RangeError("A working calendar is required");
    this.zone = zoneFor(cal.timeZone);
    this.hours = normalizeHours(cal.workingHours);
    if (!Array.isArray(cal.workingWeekdays)) throw new RangeError("workingWeekdays must be an array of 1..7");
    this.weekdays = new Array<boolean>(8).fill(false);
    for (const w of cal.workingWeekdays) {
      if (!Number.isInteger(w) || w < 1 || w > 7) {
        throw new RangeError(`workingWeekdays: expected 1 (Monday) … 7 (Sunday), got ${w}`);
      }
      this.weekdays[w] = true;
    }
    this.dailyMs = this.hours.reduce((sum, [a, b]) => sum + (b - a) * MINUTE_MS, 0);
    this.workdaysPerWeek = this.dailyMs > 0 ? this.weekdays.filter(Boolean).length : 0;
    this.weekMs = this.dailyMs * this.workdaysPerWeek;
    const effective: number[] = [];
    for (const [date, kind] of cal.overrides) {
      const day = parseLocalDate(date);
      if (kind !== "holiday" && kind !== "workday") {
        throw new RangeError(`Override ${date}: kind must be "holiday" or "workday", got ${String(kind)}`);
      }
      this.overrides.set(day, kind);
      if ((kind === "workday") !== this.weekdays[isoWeekday(day)]) effective.push(day);
    }
    this.effective = effective.sort((a, b) => a - b);
  }

  isWorkingDayNum(day: number): boolean {
    const o = this.overrides.get(day);
    return o === undefined ? (this.weekdays[isoWeekday(day)] as boolean) : o === "workday";
  }

  day(day: number): DayWork {
    let w = this.days.get(day);
    if (w === undefined) {
      w = this.computeDay(day);
      if (this.days.size >= CACHE_LIMIT) this.days.clear();
      this.days.set(day, w);
    }
    return w;
  }

  private computeDay(day: number): DayWork {
    if (this.dailyMs === 0 || !this.isWorkingDayNum(day)) return NO_WORK;
    const start = this.zone.startOf(day);
    const iv: number[] = [];
    if (this.zone.startOf(day + 1) - start === DAY_MS) {
      for (const [a, b] of this.hours) iv.push(start + a * MINUTE_MS, start + b * MINUTE_MS);
      return { iv, total: this.dailyMs };
    }
    // A DST day: map each wall time separately; drop intervals a transition swallowed.
    let total = 0;
    for (const [a, b] of this.hours) {
      const s = this.zone.wallToInstant(day * DAY_MS + a * MINUTE_MS);
      const e =
        b === 1440 ? this.zone.startOf(day + 1) : this.zone.wallToInstant(day * DAY_MS + b * MINUTE_MS);
      const prevEnd = iv.length ? (iv[iv.length - 1] as number) : Number.NEGATIVE_INFINITY;
      const s2 = Math.max(s, prevEnd);
      if (e > s2) {
        iv.push(s2, e);
        total += e - s2;
      }
    }
    return total > 0 ? { iv, total } : NO_WORK;
  }

  /** No override changes a day's status in `[from, to)`. */
  noEffectiveOverrides(from: number, to: number): boolean {
    const a = this.effective;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((a[mid] as number) < from) lo = mid + 1;
      else hi = mid;
    }
    return lo === a.length || (a[lo] as number) >= to;
  }

  /** Days `d … d+6` hold exactly `weekMs` of working time (no overrides, no DST transition). */
  canSkipWeek(d: number): boolean {
    return this.noEffectiveOverrides(d, d + 7) && this.zone.startOf(d + 7) - this.zone.startOf(d) === WEEK_MS;
  }

  nextWorkingDay(d: number): number {
    for (let i = 1; i <= MAX_IDLE_DAYS; i++) {
      if (this.day(d + i).total > 0) return d + i;
    }
    throw this.noWorkError(d);
  }

  noWorkError(d: number): Error {
    return new Error(
      `Working calendar has no working time within ${MAX_IDLE_DAYS} days after ${dayToDate(d)} ` +
        `(workingHours ${JSON.stringify(this.cal.workingHours)}, workingWeekdays ${JSON.stringify(this.cal.workingWeekdays)}); ` +
        "check the calendar settings and holiday overrides",
    );
  }
}

function normalizeHours(hours: Array<[number, number]>): Array<[number, number]> {
  if (!Array.isArray(hours))
    throw new RangeError("workingHours must be an array of [startMinute, endMinute]");
  const sorted = hours
    .map((h): [number, number] => {
      const [a, b] = Array.isArray(h) ? h : [Number.NaN, Number.NaN];
      if (!Number.isFinite(a) || !Number.isFinite(b) || a < 0 || b > 1440 || a >= b) {
        throw new RangeError(
          `workingHours: each entry must be [start, end] minutes with 0 <= start < end <= 1440, got ${JSON.stringify(h)}`,
        );
      }
      return [a, b];
    })
    .sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

const indexes = new WeakMap<WorkingCalendar, CalendarIndex>();
function indexFor(cal: WorkingCalendar): CalendarIndex {
  const hit = indexes.get(cal);
  if (
    hit &&
    hit.cal.timeZone === cal.timeZone &&
    hit.cal.workingHours === cal.workingHours &&
    hit.cal.workingWeekdays === cal.workingWeekdays &&
    hit.cal.overrides === cal.overrides &&
    hit.overridesSize === cal.overrides.size
  ) {
    return hit;
  }
  const idx = new CalendarIndex(snapshot(cal), cal?.overrides?.size ?? 0);
  indexes.set(cal, idx);
  return idx;
}

/** The index keeps the field references it was built from, to notice a replaced field. */
function snapshot(cal: WorkingCalendar): WorkingCalendar {
  if (!cal || typeof cal !== "object") throw new RangeError("A working calendar is required");
  return {
    timeZone: cal.timeZone,
    workingHours: cal.workingHours,
    workingWeekdays: cal.workingWeekdays,
    overrides: cal.overrides,
  };
}
