import { describe, expect, it } from "vitest";
import {
  bucketBounds,
  bucketOf,
  buckets,
  lastDay,
  PeriodError,
  parsePeriod,
  previousPeriod,
} from "./period.ts";

const TZ = "Asia/Shanghai";
const NOW = new Date("2025-06-15T20:00:00Z"); // 2025-06-16 04:00 in Shanghai

describe("parsePeriod", () => {
  it.each([
    [{}, { fromDay: "2025-05-18", toDay: "2025-06-17" }], // last 30 days, today (06-16) included
    [
      { from: "2025-01-01", to: "2025-02-01" },
      { fromDay: "2025-01-01", toDay: "2025-02-01" },
    ],
    [
      { from: "2025-01-01T00:00:00+08:00", to: "2025-02-01T00:00:00+08:00" },
      { fromDay: "2025-01-01", toDay: "2025-02-01" },
    ],
    // ISO times: the local day they fall in; an end inside a day keeps that day.
    [
      { from: "2024-12-31T16:00:00Z", to: "2025-01-31T12:00:00+08:00" },
      { fromDay: "2025-01-01", toDay: "2025-02-01" },
    ],
    [{ from: "2025-06-01" }, { fromDay: "2025-06-01", toDay: "2025-06-17" }],
    [{ to: "2025-03-01" }, { fromDay: "2025-01-30", toDay: "2025-03-01" }],
  ])("%o → %o", (q, expected) => {
    expect(parsePeriod(q, TZ, NOW)).toEqual(expected);
  });

  it.each([
    [{ from: "2025-02-30" }, "from"],
    [{ from: "yesterday" }, "from"],
    [{ from: "2025-03-01", to: "2025-03-01" }, "to"],
    [{ from: "2025-03-02", to: "2025-03-01" }, "to"],
    [{ from: "2000-01-01", to: "2025-01-01" }, "from"],
    // Days outside PostgreSQL's and JavaScript's common years: 422, never a database error.
    [{ from: "0000-01-01" }, "from"],
    [{ to: "0000-06-01T00:00:00Z" }, "to"],
    [{ from: "9999-12-31", to: "9999-12-31T23:00:00Z" }, "to"],
  ])("refuses %o (field %s)", (q, field) => {
    expect(() => parsePeriod(q, TZ, NOW)).toThrow(PeriodError);
    try {
      parsePeriod(q, TZ, NOW);
    } catch (err) {
      expect((err as PeriodError).field).toBe(field);
    }
  });
});

describe("buckets", () => {
  it("weeks start on Monday, months on the 1st; partial buckets keep their calendar start", () => {
    expect(bucketOf("2025-01-01", "week")).toBe("2024-12-30");
    expect(bucketOf("2025-01-05", "week")).toBe("2024-12-30");
    expect(bucketOf("2025-01-06", "week")).toBe("2025-01-06");
    expect(bucketOf("2025-02-28", "month")).toBe("2025-02-01");
    const p = { fromDay: "2025-01-01", toDay: "2025-03-01" };
    expect(buckets(p, "month")).toEqual(["2025-01-01", "2025-02-01"]);
    expect(buckets(p, "week")).toHaveLength(9);
    expect(buckets(p, "day")).toHaveLength(59);
    expect(buckets({ fromDay: "2024-12-15", toDay: "2025-01-02" }, "month")).toEqual([
      "2024-12-01",
      "2025-01-01",
    ]);
  });

  it("a bucket is clipped to the period: October by weeks starts on 10-01, not on Monday 09-28", () => {
    const october = { fromDay: "2026-10-01", toDay: "2026-11-01" };
    const weeks = buckets(october, "week").map((b) => bucketBounds(b, october, "week"));
    expect(weeks[0]).toEqual({ fromDay: "2026-10-01", toDay: "2026-10-05" }); // Thu–Sun
    expect(weeks[1]).toEqual({ fromDay: "2026-10-05", toDay: "2026-10-12" });
    expect(weeks.at(-1)).toEqual({ fromDay: "2026-10-26", toDay: "2026-11-01" });
    // The clipped buckets tile the period exactly.
    expect(weeks.reduce((n, w) => n + (Date.parse(w.toDay) - Date.parse(w.fromDay)) / 86_400_000, 0)).toBe(
      31,
    );
    const midMonth = { fromDay: "2026-10-15", toDay: "2026-12-10" };
    expect(buckets(midMonth, "month").map((b) => bucketBounds(b, midMonth, "month"))).toEqual([
      { fromDay: "2026-10-15", toDay: "2026-11-01" },
      { fromDay: "2026-11-01", toDay: "2026-12-01" },
      { fromDay: "2026-12-01", toDay: "2026-12-10" },
    ]);
    expect(bucketBounds("2026-12-01", { fromDay: "2026-12-01", toDay: "2027-02-01" }, "month")).toEqual({
      fromDay: "2026-12-01",
      toDay: "2027-01-01",
    });
    expect(bucketBounds("2026-10-03", october, "day")).toEqual({
      fromDay: "2026-10-03",
      toDay: "2026-10-04",
    });
  });

  it("the last day of a period is the day before its exclusive end", () => {
    expect(lastDay({ fromDay: "2026-10-01", toDay: "2026-11-01" })).toBe("2026-10-31");
    expect(lastDay({ fromDay: "2024-02-01", toDay: "2024-03-01" })).toBe("2024-02-29");
  });

  it("the previous period has the same length", () => {
    expect(previousPeriod({ fromDay: "2025-03-01", toDay: "2025-04-01" })).toEqual({
      fromDay: "2025-01-29",
      toDay: "2025-03-01",
    });
  });
});
