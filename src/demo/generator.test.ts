import { describe, expect, it } from "vitest";
import { computeFigures } from "../stats/metrics.ts";
import { asRows, DEPT, TEST_ENV } from "../stats/testing.ts";
import { foldHistory } from "../tickets/history.ts";
import { generateHistory, Truth, yearWindow } from "./generator.ts";

const window = yearWindow(2025);

describe("the generator", () => {
  it("is deterministic for a seed, and different across seeds", () => {
    const a = [...generateHistory({ tickets: 300, seed: 5, ...window })];
    const b = [...generateHistory({ tickets: 300, seed: 5, ...window })];
    const c = [...generateHistory({ tickets: 300, seed: 6, ...window })];
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it("keeps intake in the window, in time order, and nothing after the cut-off", () => {
    let last = "";
    for (const line of generateHistory({ tickets: 2000, seed: 8, ...window })) {
      expect(line.createdAt >= last).toBe(true);
      last = line.createdAt;
      expect(Date.parse(line.createdAt)).toBeGreaterThanOrEqual(window.from.getTime());
      for (const e of line.events) expect(Date.parse(e.at)).toBeLessThan(window.to.getTime());
    }
  });

  it("peaks on weekday working hours", () => {
    const hours = new Array(24).fill(0);
    let weekend = 0;
    const n = 5000;
    for (const line of generateHistory({ tickets: n, seed: 9, ...window })) {
      const local = new Date(Date.parse(line.createdAt) + 8 * 3_600_000);
      hours[local.getUTCHours()]++;
      if (local.getUTCDay() === 0 || local.getUTCDay() === 6) weekend++;
    }
    const working = [9, 10, 11, 14, 15, 16].reduce((s, h) => s + hours[h], 0);
    expect(working / n).toBeGreaterThan(0.4);
    expect(weekend / n).toBeLessThan(2 / 7);
  });

  it("its true figures are what the fold and metrics.ts make of its lines", () => {
    // The truth is tallied from the generator's own model; this re-derives it from the lines
    // through the import's fold, as the database path does — no database needed.
    const truth = new Truth();
    const rows = [];
    let id = 0;
    for (const line of generateHistory({ tickets: 4000, seed: 21, ...window }, truth)) {
      const folded = foldHistory(
        { ...line, events: line.events.map((e) => ({ ...e, payload: e.payload ?? {} })) },
        TEST_ENV,
      );
      rows.push(asRows(++id, folded));
    }
    const now = new Date();
    expect(computeFigures(rows, now)).toEqual(
      truth.figures({ fromDay: "2025-01-01", toDay: "2026-01-01" }, now),
    );
    // …and per department (holder codes in the truth, ids in the rows).
    const water = rows.filter((r) => r.ticket.departmentId === DEPT.water);
    const waterTruth = truth
      .departmentFigures({ fromDay: "2025-01-01", toDay: "2026-01-01" }, now)
      .get("water");
    expect(computeFigures(water, now).received).toBe(waterTruth?.received);
  });
});
