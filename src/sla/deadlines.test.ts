import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultCalendar, isWorkingTime, workingTimeBetween } from "./calendar.ts";
import {
  callbackDeadline,
  computeDeadlines,
  DEFAULT_POLICIES,
  escalationAt,
  type SlaPolicyData,
  trafficLight,
  validatePolicy,
  WARNING_FRACTION,
  warningAt,
} from "./deadlines.ts";
import { DurationError } from "./duration.ts";

const cal = defaultCalendar();
const HOUR = 3_600_000;
const bj = (s: string) => new Date(`${s}+08:00`);
const iso = (d: Date) => {
  const t = new Date(d.getTime() + 8 * HOUR).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 16)}${t.slice(16, 23) === ":00.000" ? "" : t.slice(16, 23)}`;
};
const fmt = (d: { signBy: Date; firstResponseBy: Date; dueAt: Date }) => ({
  signBy: iso(d.signBy),
  firstResponseBy: iso(d.firstResponseBy),
  dueAt: iso(d.dueAt),
});

describe("DEFAULT_POLICIES", () => {
  it("are valid and as documented", () => {
    for (const p of Object.values(DEFAULT_POLICIES)) validatePolicy(p);
    expect(DEFAULT_POLICIES.critical).toEqual({
      signWithin: "PT30M",
      firstResponseWithin: "PT1H",
      resolveWithin: "PT24H",
      callbackWithin: "PT24H",
      clock: "calendar",
    });
    expect(DEFAULT_POLICIES.urgent.clock).toBe("working");
    expect(DEFAULT_POLICIES.normal.resolveWithin).toBe("P5D");
  });

  it("validatePolicy rejects bad durations and clocks", () => {
    expect(() => validatePolicy({ ...DEFAULT_POLICIES.normal, resolveWithin: "P1M" })).toThrow(DurationError);
    expect(() => validatePolicy({ ...DEFAULT_POLICIES.normal, clock: "wall" as never })).toThrow(/clock/);
  });
});

describe("computeDeadlines", () => {
  it("normal, an ordinary Monday morning", () => {
    expect(fmt(computeDeadlines(bj("2024-03-18T10:00"), DEFAULT_POLICIES.normal, cal))).toEqual({
      signBy: "2024-03-18 15:00", // 10–12, 13–15
      firstResponseBy: "2024-03-19 10:00",
      dueAt: "2024-03-25 10:00",
    });
  });

  it("normal, dispatched before the 2025 National Day week", () => {
    expect(fmt(computeDeadlines(bj("2025-09-26T16:00"), DEFAULT_POLICIES.normal, cal))).toEqual({
      signBy: "2025-09-28 11:00", // make-up Sunday
      firstResponseBy: "2025-09-28 16:00",
      dueAt: "2025-10-10 16:00", // Sep 28, 29, 30, Oct 9, 10
    });
  });

  it("urgent, late on a Friday", () => {
    expect(fmt(computeDeadlines(bj("2024-03-15T17:00"), DEFAULT_POLICIES.urgent, cal))).toEqual({
      signBy: "2024-03-18 10:00",
      firstResponseBy: "2024-03-18 12:00",
      dueAt: "2024-03-18 17:00",
    });
  });

  it("critical runs on the calendar clock through a holiday night", () => {
    expect(fmt(computeDeadlines(bj("2025-10-01T23:50"), DEFAULT_POLICIES.critical, cal))).toEqual({
      signBy: "2025-10-02 00:20",
      firstResponseBy: "2025-10-02 00:50",
      dueAt: "2025-10-02 23:50",
    });
  });

  it("a category override such as supplies/education PT6H", () => {
    const policy: SlaPolicyData = { ...DEFAULT_POLICIES.normal, resolveWithin: "PT6H" };
    expect(iso(computeDeadlines(bj("2024-03-18T14:00"), policy, cal).dueAt)).toBe("2024-03-19 11:00");
  });

  it("callbackDeadline counts from approval", () => {
    expect(iso(callbackDeadline(bj("2024-03-15T10:00"), DEFAULT_POLICIES.normal, cal))).toBe(
      "2024-03-19 10:00",
    );
    expect(iso(callbackDeadline(bj("2024-03-15T10:00"), DEFAULT_POLICIES.critical, cal))).toBe(
      "2024-03-16 10:00",
    );
  });

  it("throws a DurationError for an unusable policy", () => {
    const bad = { ...DEFAULT_POLICIES.normal, signWithin: "P1Y" };
    expect(() => computeDeadlines(bj("2024-03-18T10:00"), bad, cal)).toThrow(DurationError);
  });
});

describe("warningAt and trafficLight", () => {
  it("calendar clock: 75% of the elapsed time", () => {
    expect(iso(warningAt(bj("2024-03-16T10:00"), bj("2024-03-16T10:30"), "calendar", cal))).toBe(
      "2024-03-16 10:22:30.000",
    );
  });

  it("working clock: 75% of the working time, across a weekend", () => {
    // Fri 16:00 → Mon 11:00 is 4 working hours; 3 h are used at Mon 10:00
    expect(iso(warningAt(bj("2024-03-15T16:00"), bj("2024-03-18T11:00"), "working", cal))).toBe(
      "2024-03-18 10:00",
    );
    // 09:00 → 14:00 is 4 h; the 3 h mark is 12:00 (an interval end stays put)
    expect(iso(warningAt(bj("2024-03-18T09:00"), bj("2024-03-18T14:00"), "working", cal))).toBe(
      "2024-03-18 12:00",
    );
  });

  it("a deadline at or before the start warns at the deadline", () => {
    expect(iso(warningAt(bj("2024-03-18T09:00"), bj("2024-03-18T09:00"), "working", cal))).toBe(
      "2024-03-18 09:00",
    );
  });

  it("traffic light over a weekend on the working clock", () => {
    const start = bj("2024-03-15T16:00");
    const deadline = bj("2024-03-18T11:00");
    const light = (now: string) => trafficLight(bj(now), start, deadline, "working", cal);
    expect(light("2024-03-16T12:00")).toBe("normal"); // Saturday: only 2 of 4 h used
    expect(light("2024-03-18T09:59:59.999")).toBe("normal");
    expect(light("2024-03-18T10:00")).toBe("warning");
    expect(light("2024-03-18T11:00")).toBe("warning"); // at the deadline: still on time
    expect(light("2024-03-18T11:00:00.001")).toBe("overdue");
    expect(trafficLight(bj("2030-01-01T00:00"), start, null, "working", cal)).toBe("normal");
  });

  it("traffic light on the calendar clock", () => {
    const start = bj("2024-03-16T10:00");
    const deadline = bj("2024-03-16T11:00");
    expect(trafficLight(bj("2024-03-16T10:44"), start, deadline, "calendar", cal)).toBe("normal");
    expect(trafficLight(bj("2024-03-16T10:45"), start, deadline, "calendar", cal)).toBe("warning");
    expect(trafficLight(bj("2024-03-16T11:01"), start, deadline, "calendar", cal)).toBe("overdue");
  });

  it("the warning moment uses 75% of the working time and never passes the deadline", () => {
    const from = Date.parse("2023-12-01T00:00:00+08:00");
    const instant = fc.integer({ min: from, max: from + 3 * 365 * 24 * HOUR });
    fc.assert(
      fc.property(instant, fc.integer({ min: 0, max: 30 * 24 * HOUR }), (s, span) => {
        const start = new Date(s);
        const deadline = new Date(s + span);
        const w = warningAt(start, deadline, "working", cal);
        expect(w.getTime()).toBeGreaterThanOrEqual(s);
        expect(w.getTime()).toBeLessThanOrEqual(deadline.getTime());
        const allowed = workingTimeBetween(start, deadline, cal);
        expect(workingTimeBetween(start, w, cal)).toBe(Math.floor(allowed * WARNING_FRACTION));
        const c = warningAt(start, deadline, "calendar", cal).getTime();
        expect(c).toBe(s + Math.floor(span * WARNING_FRACTION));
      }),
      { numRuns: 500 },
    );
  });
});

describe("escalationAt", () => {
  it("one and two working days after a deadline at the end of the day", () => {
    expect(iso(escalationAt(bj("2024-03-15T18:00"), 1, cal))).toBe("2024-03-18 18:00");
    expect(iso(escalationAt(bj("2024-03-15T18:00"), 2, cal))).toBe("2024-03-19 18:00");
  });

  it("skips holidays and uses make-up days", () => {
    expect(iso(escalationAt(bj("2024-06-07T15:00"), 1, cal))).toBe("2024-06-11 15:00"); // Mon 端午
    expect(iso(escalationAt(bj("2024-06-07T15:00"), 2, cal))).toBe("2024-06-12 15:00");
    // a calendar-clock deadline in the middle of a holiday night: next working moment, plus a day
    expect(iso(escalationAt(bj("2025-10-02T00:50"), 1, cal))).toBe("2025-10-10 09:00");
    expect(iso(escalationAt(bj("2025-10-02T00:50"), 2, cal))).toBe("2025-10-11 09:00"); // make-up Sat
  });

  it("escalations follow each other by one working day", () => {
    const from = Date.parse("2023-12-01T00:00:00+08:00");
    fc.assert(
      fc.property(fc.integer({ min: from, max: from + 3 * 365 * 24 * HOUR }), (t) => {
        const deadline = new Date(t);
        const e1 = escalationAt(deadline, 1, cal);
        const e2 = escalationAt(deadline, 2, cal);
        expect(e1.getTime()).toBeGreaterThan(t);
        expect(e2.getTime()).toBeGreaterThan(e1.getTime());
        expect(workingTimeBetween(e1, e2, cal)).toBe(8 * HOUR);
        if (isWorkingTime(deadline, cal)) expect(workingTimeBetween(deadline, e1, cal)).toBe(8 * HOUR);
      }),
      { numRuns: 500 },
    );
  });
});

describe("speed", () => {
  it("deadlines, warnings and escalations for 100,000 tickets", () => {
    const t0 = performance.now();
    const policies = [DEFAULT_POLICIES.normal, DEFAULT_POLICIES.urgent, DEFAULT_POLICIES.critical];
    let sink = 0;
    for (let i = 0; i < 100_000; i++) {
      const at = new Date(Date.parse("2024-01-01T00:00:00+08:00") + i * 613_000);
      const p = policies[i % 3] as SlaPolicyData;
      const d = computeDeadlines(at, p, cal);
      sink += warningAt(at, d.dueAt, p.clock, cal).getTime() + escalationAt(d.dueAt, 1, cal).getTime();
    }
    expect(sink).toBeGreaterThan(0);
    expect(performance.now() - t0).toBeLessThan(4000);
  });
});
