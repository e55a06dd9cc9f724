import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addDuration,
  addWorkingTime,
  defaultCalendar,
  isWorkingDay,
  isWorkingTime,
  localDate,
  nextWorkingTime,
  type OverrideKind,
  parseLocalDate,
  type WorkingCalendar,
  workingTimeBetween,
} from "./calendar.ts";
import { SHIPPED_CALENDAR_DAYS } from "./holidays.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const BJ = 8 * HOUR;

const cal = defaultCalendar(); // Asia/Shanghai, 09–12, 13–18, Mon–Fri, shipped 2024–2026 data
/** Beijing wall time → Date; the ISO string carries +08:00, so the process TZ never matters. */
const bj = (s: string) => new Date(`${s}+08:00`);
const iso = (d: Date) => {
  const t = new Date(d.getTime() + BJ).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 16)}${t.slice(16, 23) === ":00.000" ? "" : t.slice(16, 23)}`;
};
const add = (s: string, dur: string, clock: "working" | "calendar" = "working", c = cal) =>
  iso(addDuration(bj(s), dur, clock, c));

// ---------------------------------------------------------------------------------------------
// An independent reference: Beijing is UTC+8 all year since 1992, so a minute-by-minute walk with
// plain arithmetic is an oracle for minute-aligned inputs.
const refOverrides = new Map<number, OverrideKind>(
  SHIPPED_CALENDAR_DAYS.map((d) => [Date.parse(`${d.date}T00:00:00Z`) / DAY, d.kind]),
);
function refWorkingDay(day: number): boolean {
  const o = refOverrides.get(day);
  if (o) return o === "workday";
  const wd = new Date(day * DAY).getUTCDay();
  return wd >= 1 && wd <= 5;
}
function refWorkingMinute(t: number): boolean {
  const local = t + BJ;
  const day = Math.floor(local / DAY);
  const minute = (local - day * DAY) / MIN;
  return refWorkingDay(day) && ((minute >= 540 && minute < 720) || (minute >= 780 && minute < 1080));
}
function refAddMinutes(start: number, minutes: number): number {
  if (minutes === 0) return start;
  let t = start;
  let rem = minutes;
  for (;;) {
    if (refWorkingMinute(t) && --rem === 0) return t + MIN;
    t += MIN;
  }
}
function refBetweenMinutes(a: number, b: number): number {
  let n = 0;
  for (let t = a; t < b; t += MIN) if (refWorkingMinute(t)) n++;
  return n * MIN;
}
/** Day-granular reference (whole days at a time, no week skipping) for long durations. */
function refAddDayLevel(start: number, ms: number): number {
  if (ms === 0) return start;
  let rem = ms;
  let day = Math.floor((start + BJ) / DAY);
  for (;;) {
    if (refWorkingDay(day)) {
      for (const [a, b] of [
        [540, 720],
        [780, 1080],
      ] as const) {
        const s = Math.max(day * DAY - BJ + a * MIN, start);
        const e = day * DAY - BJ + b * MIN;
        if (e <= s) continue;
        if (rem <= e - s) return s + rem;
        rem -= e - s;
      }
    }
    day++;
  }
}

// ---------------------------------------------------------------------------------------------
// Arbitraries: instants across the shipped years, biased towards the interesting wall times.
const FROM_DAY = Date.parse("2023-12-01T00:00:00Z") / DAY;
const TO_DAY = Date.parse("2026-12-31T00:00:00Z") / DAY;
const SPECIAL_MINUTES = [
  0, 480, 539, 540, 541, 600, 719, 720, 721, 750, 779, 780, 781, 960, 1079, 1080, 1081, 1439,
];
const minuteOfDay = fc.oneof(fc.constantFrom(...SPECIAL_MINUTES), fc.integer({ min: 0, max: 1439 }));
const startMinute = fc
  .record({ day: fc.integer({ min: FROM_DAY, max: TO_DAY }), minute: minuteOfDay })
  .map(({ day, minute }) => day * DAY - BJ + minute * MIN);
const startMs = fc
  .tuple(startMinute, fc.oneof(fc.constant(0), fc.integer({ min: 0, max: MIN - 1 })))
  .map(([t, extra]) => t + extra);
const workMs = fc.oneof(
  fc.integer({ min: 0, max: 3 * 8 * HOUR }),
  fc.integer({ min: 0, max: 40 }).map((h) => h * HOUR),
  fc.integer({ min: 0, max: 120 * 8 * HOUR }),
);

describe("addWorkingTime / workingTimeBetween properties (shipped Beijing calendar)", () => {
  it("is monotonic in the duration", () => {
    fc.assert(
      fc.property(startMs, workMs, workMs, (s, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(addWorkingTime(new Date(s), lo, cal).getTime()).toBeLessThanOrEqual(
          addWorkingTime(new Date(s), hi, cal).getTime(),
        );
      }),
      { numRuns: 800 },
    );
  });

  it("is monotonic in the start", () => {
    fc.assert(
      fc.property(startMs, startMs, workMs, (a, b, d) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(addWorkingTime(new Date(lo), d, cal).getTime()).toBeLessThanOrEqual(
          addWorkingTime(new Date(hi), d, cal).getTime(),
        );
      }),
      { numRuns: 800 },
    );
  });

  it("is additive: add(add(s, a), b) = add(s, a + b)", () => {
    fc.assert(
      fc.property(startMs, workMs, workMs, (s, a, b) => {
        const once = addWorkingTime(new Date(s), a + b, cal).getTime();
        const twice = addWorkingTime(addWorkingTime(new Date(s), a, cal), b, cal).getTime();
        expect(twice).toBe(once);
      }),
      { numRuns: 800 },
    );
  });

  it("round-trips: workingTimeBetween(s, addWorkingTime(s, d)) = d", () => {
    fc.assert(
      fc.property(startMs, workMs, (s, d) => {
        const end = addWorkingTime(new Date(s), d, cal);
        expect(workingTimeBetween(new Date(s), end, cal)).toBe(d);
      }),
      { numRuns: 800 },
    );
  });

  it("lands in working time or exactly on an interval end, and at the earliest such instant", () => {
    fc.assert(
      fc.property(startMs, workMs, (s, d) => {
        fc.pre(d > 0);
        const end = addWorkingTime(new Date(s), d, cal).getTime();
        // end ∈ (intervalStart, intervalEnd]  ⇔  the millisecond before it is working time
        expect(isWorkingTime(new Date(end - 1), cal)).toBe(true);
        expect(workingTimeBetween(new Date(s), new Date(end - 1), cal)).toBe(d - 1);
      }),
      { numRuns: 800 },
    );
  });

  it("workingTimeBetween is additive over a split point and 0 for reversed ranges", () => {
    fc.assert(
      fc.property(startMs, startMs, startMs, (x, y, z) => {
        const [a, m, b] = [x, y, z].sort((p, q) => p - q) as [number, number, number];
        const whole = workingTimeBetween(new Date(a), new Date(b), cal);
        const parts =
          workingTimeBetween(new Date(a), new Date(m), cal) +
          workingTimeBetween(new Date(m), new Date(b), cal);
        expect(parts).toBe(whole);
        expect(workingTimeBetween(new Date(b), new Date(a), cal)).toBe(0);
      }),
      { numRuns: 800 },
    );
  });

  it("matches a minute-by-minute reference (short durations, minute-aligned)", () => {
    fc.assert(
      fc.property(startMinute, fc.integer({ min: 0, max: 2 * 480 }), (s, minutes) => {
        const got = addWorkingTime(new Date(s), minutes * MIN, cal).getTime();
        expect(got).toBe(refAddMinutes(s, minutes));
        expect(workingTimeBetween(new Date(s), new Date(got), cal)).toBe(refBetweenMinutes(s, got));
      }),
      { numRuns: 300 },
    );
  });

  it("matches a day-by-day reference for long durations (exercises week skipping)", () => {
    fc.assert(
      fc.property(startMs, fc.integer({ min: 0, max: 400 * 8 * HOUR }), (s, d) => {
        expect(addWorkingTime(new Date(s), d, cal).getTime()).toBe(refAddDayLevel(s, d));
      }),
      { numRuns: 500 },
    );
  });

  it("isWorkingTime matches the reference", () => {
    fc.assert(
      fc.property(startMinute, (t) => {
        expect(isWorkingTime(new Date(t), cal)).toBe(refWorkingMinute(t));
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Random calendars in zones with and without DST: the algebra must hold everywhere.
const ZONES = [
  "Asia/Shanghai",
  "UTC",
  "America/New_York",
  "Europe/London",
  "Australia/Sydney",
  "Asia/Kolkata",
  "America/Sao_Paulo",
];
const hoursArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 48 }), { minLength: 2, maxLength: 6 })
  .map((xs) => xs.sort((a, b) => a - b))
  .map((xs) => (xs.length % 2 === 0 ? xs : xs.slice(0, -1)))
  .map((xs) => {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < xs.length; i += 2) out.push([(xs[i] as number) * 30, (xs[i + 1] as number) * 30]);
    return out;
  });
const calendarArb = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    workingHours: hoursArb,
    workingWeekdays: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
    overrides: fc.array(
      fc.record({
        day: fc.integer({ min: FROM_DAY, max: FROM_DAY + 120 }),
        kind: fc.constantFrom<OverrideKind>("holiday", "workday"),
      }),
      { maxLength: 20 },
    ),
  })
  .map(({ timeZone, workingHours, workingWeekdays, overrides }) =>
    defaultCalendar(
      overrides.map((o) => ({ date: new Date(o.day * DAY).toISOString().slice(0, 10), kind: o.kind })),
      { timeZone, workingHours, workingWeekdays },
    ),
  );
const nearStart = fc.integer({ min: FROM_DAY * DAY, max: (FROM_DAY + 150) * DAY });

describe("properties over random calendars and time zones (incl. DST)", () => {
  it("round-trip, additivity, landing and split additivity", () => {
    fc.assert(
      fc.property(
        calendarArb,
        nearStart,
        fc.integer({ min: 0, max: 30 * DAY }),
        fc.integer({ min: 0, max: 30 * DAY }),
        (c, s, a, b) => {
          const start = new Date(s);
          const ea = addWorkingTime(start, a, c);
          const eab = addWorkingTime(start, a + b, c);
          expect(workingTimeBetween(start, ea, c)).toBe(a);
          expect(addWorkingTime(ea, b, c).getTime()).toBe(eab.getTime());
          expect(ea.getTime()).toBeLessThanOrEqual(eab.getTime());
          if (a > 0) expect(isWorkingTime(new Date(ea.getTime() - 1), c)).toBe(true);
          expect(workingTimeBetween(start, eab, c)).toBe(
            workingTimeBetween(start, ea, c) + workingTimeBetween(ea, eab, c),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it("working-day durations land on a working day, in working time or on an interval end", () => {
    fc.assert(
      fc.property(calendarArb, nearStart, fc.integer({ min: 1, max: 15 }), (c, s, n) => {
        const r = addDuration(
          new Date(s),
          { weeks: 0, days: n, hours: 0, minutes: 0, seconds: 0 },
          "working",
          c,
        );
        expect(r.getTime()).toBeGreaterThan(s);
        expect(isWorkingTime(r, c) || isWorkingTime(new Date(r.getTime() - 1), c)).toBe(true);
        expect(isWorkingDay(localDate(r, c.timeZone), c)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("working days on the shipped calendar", () => {
  it("P n D from a working moment keeps the wall time and counts n working days", () => {
    const workingStart = startMinute.filter((t) => refWorkingMinute(t));
    fc.assert(
      fc.property(workingStart, fc.integer({ min: 1, max: 30 }), (s, n) => {
        const r = addDuration(new Date(s), `P${n}D`, "working", cal).getTime();
        expect((r - s) % DAY).toBe(0); // same Beijing wall time
        let count = 0;
        for (let day = Math.floor((s + BJ) / DAY) + 1; day <= Math.floor((r + BJ) / DAY); day++) {
          if (refWorkingDay(day)) count++;
        }
        expect(count).toBe(n);
        expect(refWorkingDay(Math.floor((r + BJ) / DAY))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("P1W is as many working days as the week has working weekdays", () => {
    fc.assert(
      fc.property(startMs, fc.integer({ min: 1, max: 20 }), (s, w) => {
        expect(addDuration(new Date(s), `P${w}W`, "working", cal).getTime()).toBe(
          addDuration(new Date(s), `P${5 * w}D`, "working", cal).getTime(),
        );
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
describe("the DESIGN examples", () => {
  it("PT4H from Friday 16:00 is Monday 11:00 (days end at 18:00)", () => {
    expect(add("2024-03-15T16:00", "PT4H")).toBe("2024-03-18 11:00");
  });

  it("a day component skips a Monday holiday (端午 2024-06-10) and keeps the time of day", () => {
    // DESIGN: "P2D from Friday 10:00 is Wednesday 10:00 when Monday is a holiday" (day components
    // count working days: one working day after Fri 10:00 is Tue 10:00, two are Wed 10:00).
    expect(add("2024-06-07T10:00", "P1D")).toBe("2024-06-11 10:00");
    expect(add("2024-06-07T10:00", "P2D")).toBe("2024-06-12 10:00");
    // without the holiday, P2D from Friday 10:00 is Tuesday 10:00
    expect(add("2024-06-14T10:00", "P2D")).toBe("2024-06-18 10:00");
    // the same with an admin-entered holiday on an ordinary Monday
    const custom = defaultCalendar([{ date: "2024-03-18", kind: "holiday" }]);
    expect(add("2024-03-15T10:00", "P1D", "working", custom)).toBe("2024-03-19 10:00");
    expect(add("2024-03-15T10:00", "P2D", "working", custom)).toBe("2024-03-20 10:00");
  });

  it("a make-up Saturday counts as a working day (2025-10-11)", () => {
    expect(add("2025-10-10T10:00", "P1D")).toBe("2025-10-11 10:00");
    expect(add("2025-10-10T10:00", "P2D")).toBe("2025-10-13 10:00");
    expect(add("2025-10-10T16:00", "PT4H")).toBe("2025-10-11 11:00");
  });
});

describe("Spring Festival and National Day on the shipped data", () => {
  it("2024 春节: Feb 10–17 off, make-up Sun Feb 4 and Sun Feb 18", () => {
    for (const d of ["2024-02-04", "2024-02-08", "2024-02-09", "2024-02-18", "2024-02-19"]) {
      expect(isWorkingDay(d, cal), d).toBe(true);
    }
    for (let day = 10; day <= 17; day++) expect(isWorkingDay(`2024-02-${day}`, cal)).toBe(false);
    expect(isWorkingDay("2024-02-03", cal)).toBe(false); // an ordinary Saturday
    expect(add("2024-02-09T10:00", "P1D")).toBe("2024-02-18 10:00");
    expect(add("2024-02-09T16:00", "PT4H")).toBe("2024-02-18 11:00");
    expect(add("2024-02-03T10:00", "PT1H")).toBe("2024-02-04 10:00");
    expect(workingTimeBetween(bj("2024-02-09T09:00"), bj("2024-02-19T09:00"), cal)).toBe(16 * HOUR);
  });

  it("2025 春节: Jan 28–Feb 4 off, make-up Sun Jan 26 and Sat Feb 8", () => {
    expect(isWorkingDay("2025-01-26", cal)).toBe(true);
    expect(isWorkingDay("2025-02-08", cal)).toBe(true);
    expect(isWorkingDay("2025-01-28", cal)).toBe(false);
    expect(isWorkingDay("2025-02-04", cal)).toBe(false);
    expect(add("2025-01-25T10:00", "PT2H")).toBe("2025-01-26 11:00");
    expect(add("2025-01-27T15:00", "PT4H")).toBe("2025-02-05 10:00");
    expect(add("2025-01-27T10:00", "P1D")).toBe("2025-02-05 10:00");
    expect(add("2025-01-27T10:00", "P5D")).toBe("2025-02-10 10:00"); // Feb 5, 6, 7, 8 (Sat), 10
  });

  it("2025 国庆/中秋: Oct 1–8 off, make-up Sun Sep 28 and Sat Oct 11", () => {
    expect(isWorkingDay("2025-09-28", cal)).toBe(true);
    expect(isWorkingDay("2025-10-08", cal)).toBe(false);
    expect(isWorkingDay("2025-10-11", cal)).toBe(true);
    expect(add("2025-09-26T17:00", "PT2H")).toBe("2025-09-28 10:00");
    expect(add("2025-09-30T10:00", "P1D")).toBe("2025-10-09 10:00");
    expect(add("2025-09-30T10:00", "P3D")).toBe("2025-10-11 10:00");
    expect(add("2025-09-30T10:00", "P4D")).toBe("2025-10-13 10:00");
  });

  it("2024 国庆: Oct 1–7 off, make-up Sun Sep 29 and Sat Oct 12", () => {
    expect(isWorkingDay("2024-09-29", cal)).toBe(true);
    expect(isWorkingDay("2024-10-12", cal)).toBe(true);
    expect(add("2024-09-30T16:00", "PT4H")).toBe("2024-10-08 11:00");
    expect(add("2024-10-11T10:00", "P1D")).toBe("2024-10-12 10:00");
  });

  it("2026 元旦, 春节 and 国庆 (notice of Nov 2025)", () => {
    expect(add("2025-12-31T16:00", "PT4H")).toBe("2026-01-04 11:00"); // Jan 1–3 off, Sun Jan 4 works
    expect(add("2026-02-13T10:00", "P1D")).toBe("2026-02-14 10:00"); // make-up Sat Feb 14
    expect(add("2026-02-13T10:00", "P2D")).toBe("2026-02-24 10:00"); // Feb 15–23 off
    expect(isWorkingDay("2026-02-28", cal)).toBe(true);
    expect(isWorkingDay("2026-09-20", cal)).toBe(true);
    expect(add("2026-09-30T10:00", "P1D")).toBe("2026-10-08 10:00");
    expect(add("2026-10-09T10:00", "P1D")).toBe("2026-10-10 10:00"); // make-up Sat Oct 10
  });

  it("the calendar clock ignores holidays and weekends", () => {
    expect(add("2025-01-27T10:00", "P1D", "calendar")).toBe("2025-01-28 10:00");
    expect(add("2025-01-27T10:00", "PT24H", "calendar")).toBe("2025-01-28 10:00");
    expect(add("2025-01-27T10:00", "P1W", "calendar")).toBe("2025-02-03 10:00");
    expect(add("2025-10-01T23:30", "PT1H", "calendar")).toBe("2025-10-02 00:30");
  });
});

describe("boundary conventions", () => {
  it("a deadline that uses up an interval stays on its end (18:00, 12:00)", () => {
    expect(add("2024-03-18T09:00", "PT8H")).toBe("2024-03-18 18:00");
    expect(add("2024-03-18T09:00", "PT3H")).toBe("2024-03-18 12:00");
    expect(add("2024-03-18T09:00", "PT3H1S")).toBe("2024-03-18 13:00:01.000");
    expect(add("2024-03-18T17:00", "PT1H")).toBe("2024-03-18 18:00");
    expect(add("2024-03-18T18:00", "PT1H")).toBe("2024-03-19 10:00");
  });

  it("working time is [start, end)", () => {
    expect(isWorkingTime(bj("2024-03-18T09:00"), cal)).toBe(true);
    expect(isWorkingTime(bj("2024-03-18T11:59:59.999"), cal)).toBe(true);
    expect(isWorkingTime(bj("2024-03-18T12:00"), cal)).toBe(false);
    expect(isWorkingTime(bj("2024-03-18T13:00"), cal)).toBe(true);
    expect(isWorkingTime(bj("2024-03-18T18:00"), cal)).toBe(false);
    expect(isWorkingTime(bj("2024-03-16T10:00"), cal)).toBe(false);
  });

  it("the working-time offset of a day component (see calendar.ts)", () => {
    expect(add("2024-03-15T18:00", "P1D")).toBe("2024-03-18 18:00"); // end boundary stays
    expect(add("2024-03-15T12:00", "P1D")).toBe("2024-03-18 12:00");
    expect(add("2024-03-15T12:30", "P1D")).toBe("2024-03-18 13:00"); // lunch snaps to 13:00
    expect(add("2024-03-15T19:00", "P1D")).toBe("2024-03-19 09:00"); // evening snaps to Mon 09:00
    expect(add("2024-03-16T10:00", "P1D")).toBe("2024-03-19 09:00"); // Saturday snaps too
    expect(add("2024-03-18T08:00", "P1D")).toBe("2024-03-19 09:00");
    expect(add("2024-03-11T10:00", "P1W")).toBe("2024-03-18 10:00");
    expect(add("2024-03-11T10:00", "P1DT4H")).toBe("2024-03-12 15:00");
    expect(add("2024-03-15T18:00", "P1DT1H")).toBe("2024-03-19 10:00");
  });

  it("a zero duration returns the start on either clock", () => {
    expect(add("2024-03-16T10:00", "PT0S")).toBe("2024-03-16 10:00");
    expect(add("2024-03-16T10:00", "P0D", "calendar")).toBe("2024-03-16 10:00");
    expect(iso(addWorkingTime(bj("2024-03-16T10:00"), 0, cal))).toBe("2024-03-16 10:00");
  });

  it("nextWorkingTime snaps to the next working moment", () => {
    expect(iso(nextWorkingTime(bj("2024-03-15T18:00"), cal))).toBe("2024-03-18 09:00");
    expect(iso(nextWorkingTime(bj("2024-03-15T12:10"), cal))).toBe("2024-03-15 13:00");
    expect(iso(nextWorkingTime(bj("2024-03-15T10:10"), cal))).toBe("2024-03-15 10:10");
  });
});

describe("Beijing time regardless of the process TZ", () => {
  const saved = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = "America/Los_Angeles";
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it("computes the same deadlines with the process in Los Angeles", () => {
    expect(new Date("2024-03-15T16:00:00+08:00").getHours()).toBe(1); // the TZ change took effect
    expect(addDuration(new Date("2024-03-15T16:00:00+08:00"), "PT4H", "working", cal).toISOString()).toBe(
      new Date("2024-03-18T11:00:00+08:00").toISOString(),
    );
    expect(addDuration(new Date("2025-09-30T10:00:00+08:00"), "P1D", "working", cal).toISOString()).toBe(
      new Date("2025-10-09T10:00:00+08:00").toISOString(),
    );
    expect(localDate(new Date("2024-02-09T23:30:00+08:00"), "Asia/Shanghai")).toBe("2024-02-09");
    expect(localDate(new Date("2024-02-10T00:30:00+08:00"), "Asia/Shanghai")).toBe("2024-02-10");
    expect(isWorkingTime(new Date("2024-02-18T09:00:00+08:00"), cal)).toBe(true);
  });
});

describe("time zones with DST", () => {
  const ny = defaultCalendar([], { timeZone: "America/New_York" });
  const nyAllDay = defaultCalendar([], {
    timeZone: "America/New_York",
    workingHours: [[0, 1440]],
    workingWeekdays: [1, 2, 3, 4, 5, 6, 7],
  });

  it("keeps the local wall time across the spring-forward weekend", () => {
    const r = addDuration(new Date("2024-03-08T10:00:00-05:00"), "P1D", "working", ny);
    expect(r.toISOString()).toBe(new Date("2024-03-11T10:00:00-04:00").toISOString());
    expect(
      workingTimeBetween(new Date("2024-03-08T09:00:00-05:00"), new Date("2024-03-11T09:00:00-04:00"), ny),
    ).toBe(8 * HOUR);
  });

  it("counts the real length of 23- and 25-hour days", () => {
    const between = (a: string, b: string) => workingTimeBetween(new Date(a), new Date(b), nyAllDay);
    expect(between("2024-03-10T00:00:00-05:00", "2024-03-11T00:00:00-04:00")).toBe(23 * HOUR);
    expect(between("2024-11-03T00:00:00-04:00", "2024-11-04T00:00:00-05:00")).toBe(25 * HOUR);
    expect(localDate(new Date("2024-03-10T23:30:00-04:00"), "America/New_York")).toBe("2024-03-10");
  });
});

describe("validation and degenerate calendars", () => {
  it("throws a clear error instead of looping when there is no working time", () => {
    const none = defaultCalendar([], { workingWeekdays: [] });
    const t0 = performance.now();
    expect(() => addWorkingTime(bj("2024-03-15T10:00"), HOUR, none)).toThrow(
      /no working time within 3660 days/,
    );
    expect(() => addDuration(bj("2024-03-15T10:00"), "P1D", "working", none)).toThrow(/no working time/);
    expect(() => nextWorkingTime(bj("2024-03-15T10:00"), none)).toThrow(/no working time/);
    const noHours = defaultCalendar([], { workingHours: [] });
    expect(() => addWorkingTime(bj("2024-03-15T10:00"), HOUR, noHours)).toThrow(/no working time/);
    expect(workingTimeBetween(bj("2024-03-15T10:00"), bj("2034-03-15T10:00"), none)).toBe(0);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("a calendar of make-up days only still works", () => {
    const only = defaultCalendar([{ date: "2024-05-11", kind: "workday" }], { workingWeekdays: [] });
    expect(iso(addWorkingTime(bj("2024-03-15T10:00"), HOUR, only))).toBe("2024-05-11 10:00");
  });

  it("rejects bad settings with a message", () => {
    expect(() => defaultCalendar([], { timeZone: "Mars/Base" })).toThrow(/Unknown time zone/);
    expect(() => defaultCalendar([], { workingHours: [[600, 540]] })).toThrow(/workingHours/);
    expect(() => defaultCalendar([], { workingHours: [[0, 1500]] })).toThrow(/workingHours/);
    expect(() => defaultCalendar([], { workingWeekdays: [0] })).toThrow(/workingWeekdays/);
    expect(() => defaultCalendar([{ date: "2024-02-30", kind: "holiday" }])).toThrow(/YYYY-MM-DD/);
    expect(() => isWorkingDay("2024/02/01", cal)).toThrow(/YYYY-MM-DD/);
    expect(() => addWorkingTime(bj("2024-03-15T10:00"), -1, cal)).toThrow(/>= 0/);
    expect(() => addWorkingTime(new Date(Number.NaN), 1, cal)).toThrow(/valid Date/);
    expect(() => addDuration(bj("2024-03-15T10:00"), "P1M", "working", cal)).toThrow(/months/);
  });

  it("merges overlapping working hours and accepts them unsorted", () => {
    const c = defaultCalendar([], {
      workingHours: [
        [780, 1080],
        [540, 720],
        [700, 800],
      ],
    });
    expect(workingTimeBetween(bj("2024-03-18T00:00"), bj("2024-03-19T00:00"), c)).toBe(9 * HOUR);
  });

  it("notices a replaced overrides map (calendars are values)", () => {
    const c: WorkingCalendar = { ...defaultCalendar([]) };
    expect(isWorkingDay("2024-03-18", c)).toBe(true);
    c.overrides = new Map([["2024-03-18", "holiday"]]);
    expect(isWorkingDay("2024-03-18", c)).toBe(false);
  });

  it("parses local dates strictly", () => {
    expect(parseLocalDate("1970-01-02")).toBe(1);
    expect(() => parseLocalDate("2023-02-29")).toThrow();
    expect(parseLocalDate("2024-02-29")).toBe(Date.parse("2024-02-29T00:00:00Z") / DAY);
  });
});

describe("speed", () => {
  it("computes 300,000 working deadlines in well under 3 s", () => {
    const t0 = performance.now();
    let sink = 0;
    for (let i = 0; i < 100_000; i++) {
      const s = new Date(Date.parse("2024-01-01T00:00:00+08:00") + i * 997_000);
      sink += addDuration(s, "PT4H", "working", cal).getTime();
      sink += addDuration(s, "P5D", "working", cal).getTime();
      sink += addWorkingTime(s, 200 * HOUR, cal).getTime();
    }
    expect(sink).toBeGreaterThan(0);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});
