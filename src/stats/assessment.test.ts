import { describe, expect, it } from "vitest";
import {
  type AppealGround,
  type AssessedTicket,
  assessmentFigures,
  DEFAULT_ASSESSMENT,
  departmentCounters,
  emptyAssessmentCounters,
  periodDays,
  periodOfDay,
  previousPeriodKey,
  rankByScore,
  rankChange,
  ticketCounters,
  type ValidRating,
} from "./assessment.ts";

let nextId = 1;
const ticket = (
  rating: ValidRating,
  resolved: boolean | null,
  contacted: boolean | null,
  extra: Partial<AssessedTicket> = {},
): AssessedTicket => ({
  ticketId: nextId++,
  departmentId: 1,
  rating,
  resolved,
  contacted,
  overdue: false,
  ...extra,
});

describe("one ticket's counters", () => {
  const cases: Array<[string, AssessedTicket, AppealGround[], Record<string, number>]> = [
    [
      "satisfied, resolved, contacted",
      ticket("satisfied", true, true),
      [],
      { contactAsked: 1, contacted: 1, resolutionBase: 1, resolved: 1, satisfactionBase: 1, satisfied: 1 },
    ],
    [
      "basically satisfied, not resolved, not contacted",
      ticket("basically_satisfied", false, false),
      [],
      { contactAsked: 1, resolutionBase: 1, satisfactionBase: 1, basicallySatisfied: 1 },
    ],
    [
      "contacted not asked: in neither term of 响应率",
      ticket("dissatisfied", false, null),
      [],
      { resolutionBase: 1, satisfactionBase: 1 },
    ],
    [
      "核减 on rating: out of 满意率 only",
      ticket("dissatisfied", true, true),
      ["rating"],
      { contactAsked: 1, contacted: 1, resolutionBase: 1, resolved: 1 },
    ],
    [
      "核减 on resolved: out of 解决率 only",
      ticket("satisfied", false, true),
      ["resolved"],
      { contactAsked: 1, contacted: 1, satisfactionBase: 1, satisfied: 1 },
    ],
    [
      "核减 on contacted: out of 响应率 only",
      ticket("satisfied", true, false),
      ["contacted"],
      { resolutionBase: 1, resolved: 1, satisfactionBase: 1, satisfied: 1 },
    ],
    [
      "overdue, and 核减 on overdue",
      ticket("satisfied", true, true, { overdue: true }),
      ["overdue"],
      { contactAsked: 1, contacted: 1, resolutionBase: 1, resolved: 1, satisfactionBase: 1, satisfied: 1 },
    ],
    [
      "overdue counts when not appealed",
      ticket("satisfied", true, true, { overdue: true }),
      [],
      {
        contactAsked: 1,
        contacted: 1,
        resolutionBase: 1,
        resolved: 1,
        satisfactionBase: 1,
        satisfied: 1,
        overdue: 1,
      },
    ],
  ];
  it.each(cases)("%s", (_name, t, grounds, expected) => {
    expect(ticketCounters(t, new Set(grounds))).toEqual({
      ...emptyAssessmentCounters(),
      validCallbacks: 1,
      ...expected,
    });
  });
});

describe("三率 and the score", () => {
  it("computes every rate and the score by hand (w 0.9; 0.1/0.5/0.4)", () => {
    // 4 valid callbacks: 2 satisfied, 1 basically, 1 dissatisfied; resolved 3; contacted asked 3, yes 2.
    const tickets = [
      ticket("satisfied", true, true),
      ticket("satisfied", true, false),
      ticket("basically_satisfied", true, true),
      ticket("dissatisfied", false, null),
    ];
    const c = departmentCounters(tickets).get(1);
    if (!c) throw new Error("no counters");
    const f = assessmentFigures(c);
    expect(f.validCallbacks).toBe(4);
    expect(f.responseRate).toBeCloseTo(2 / 3, 12);
    expect(f.resolutionRate).toBeCloseTo(3 / 4, 12);
    expect(f.satisfactionRate).toBeCloseTo((2 + 0.9) / 4, 12);
    expect(f.score).toBeCloseTo(100 * (0.1 * (2 / 3) + 0.5 * 0.75 + 0.4 * (2.9 / 4)), 10);
  });

  it("takes w and the weights from the settings", () => {
    const c = departmentCounters([ticket("basically_satisfied", true, true)]).get(1);
    if (!c) throw new Error("no counters");
    const f = assessmentFigures(c, {
      basicWeight: 0.5,
      weights: { response: 0.2, resolution: 0.3, satisfaction: 0.5 },
    });
    expect(f.satisfactionRate).toBe(0.5);
    expect(f.score).toBeCloseTo(100 * (0.2 + 0.3 + 0.5 * 0.5), 10);
  });

  it("leaves a rate without denominator out of the score, scaling the other weights", () => {
    const c = departmentCounters([ticket("satisfied", false, null)]).get(1);
    if (!c) throw new Error("no counters");
    const f = assessmentFigures(c);
    expect(f.responseRate).toBeNull();
    // (0.5 × 0 + 0.4 × 1) / 0.9 × 1.0 × 100
    expect(f.score).toBeCloseTo((100 * 0.4) / 0.9, 10);
  });

  it("has null rates and no score without valid callbacks", () => {
    expect(assessmentFigures(emptyAssessmentCounters())).toEqual({
      validCallbacks: 0,
      responseRate: null,
      resolutionRate: null,
      satisfactionRate: null,
      score: null,
      overdue: 0,
    });
  });

  it("an accepted appeal changes only its ground's figure", () => {
    const a = ticket("dissatisfied", false, false);
    const others = [ticket("satisfied", true, true), ticket("satisfied", true, true)];
    const raw = assessmentFigures(departmentCounters([a, ...others]).get(1) ?? emptyAssessmentCounters());
    const adjusted = assessmentFigures(
      departmentCounters([a, ...others], new Map([[a.ticketId, new Set<AppealGround>(["rating"])]])).get(1) ??
        emptyAssessmentCounters(),
    );
    expect(raw.satisfactionRate).toBeCloseTo(2 / 3, 12);
    expect(adjusted.satisfactionRate).toBe(1);
    expect(adjusted.resolutionRate).toBe(raw.resolutionRate);
    expect(adjusted.responseRate).toBe(raw.responseRate);
    expect(adjusted.validCallbacks).toBe(3);
  });

  it("attributes each ticket to its department", () => {
    const m = departmentCounters([
      ticket("satisfied", true, true, { departmentId: 7 }),
      ticket("dissatisfied", false, true, { departmentId: 8 }),
      ticket("satisfied", true, true, { departmentId: 7 }),
    ]);
    expect(m.get(7)?.validCallbacks).toBe(2);
    expect(m.get(8)?.validCallbacks).toBe(1);
    expect(assessmentFigures(m.get(8) ?? emptyAssessmentCounters()).score).toBe(10);
  });

  it("defaults to w 0.9 and weights 0.1/0.5/0.4", () => {
    expect(DEFAULT_ASSESSMENT.basicWeight).toBe(0.9);
    expect(DEFAULT_ASSESSMENT.weights).toEqual({ response: 0.1, resolution: 0.5, satisfaction: 0.4 });
  });
});

describe("ranking", () => {
  it("ranks by score, ties share a rank, no score no rank", () => {
    const ranks = rankByScore([
      { key: "a", score: 80 },
      { key: "b", score: 95 },
      { key: "c", score: 80 },
      { key: "d", score: null },
      { key: "e", score: 60 },
      { key: "f", score: 0.1 + 0.2 + 79.7 }, // 80 in floating point noise
    ]);
    expect(Object.fromEntries(ranks)).toEqual({ b: 1, a: 2, c: 2, f: 2, e: 5, d: null });
  });

  it("rank change is previous − current, null when either is missing", () => {
    expect(rankChange(3, 1)).toBe(2);
    expect(rankChange(1, 3)).toBe(-2);
    expect(rankChange(null, 1)).toBeNull();
    expect(rankChange(undefined, 1)).toBeNull();
    expect(rankChange(2, null)).toBeNull();
  });
});

describe("periods", () => {
  it.each([
    ["2026-11", 1, "2026-11-01", "2026-12-01"],
    ["2026-12", 1, "2026-12-01", "2027-01-01"],
    ["2026-01", 1, "2026-01-01", "2026-02-01"],
    ["2026-11", 19, "2026-10-19", "2026-11-19"],
    ["2026-01", 19, "2025-12-19", "2026-01-19"],
    ["2024-03", 28, "2024-02-28", "2024-03-28"],
  ])("%s starting on day %i is [%s, %s)", (key, start, fromDay, toDay) => {
    expect(periodDays(key, start)).toEqual({ fromDay, toDay });
  });

  it.each([
    ["2026-11-18", 19, "2026-11"],
    ["2026-11-19", 19, "2026-12"],
    ["2026-12-31", 19, "2027-01"],
    ["2026-12-31", 1, "2026-12"],
    ["2026-12-01", 1, "2026-12"],
  ])("%s with start day %i is in %s", (day, start, key) => {
    expect(periodOfDay(day, start)).toBe(key);
    const { fromDay, toDay } = periodDays(key, start);
    expect(day >= fromDay && day < toDay).toBe(true);
  });

  it("previous period crosses years; bad keys and start days are refused", () => {
    expect(previousPeriodKey("2026-01")).toBe("2025-12");
    expect(() => periodDays("2026-13", 1)).toThrow(RangeError);
    expect(() => periodDays("2026-11", 29)).toThrow(RangeError);
    expect(() => periodDays("2026-11", 0)).toThrow(RangeError);
  });
});

describe("settings from the environment", () => {
  it("reads the weights, w, the start day and the appeal window, with the defaults", async () => {
    const { loadConfig } = await import("../config.ts");
    expect(loadConfig({}).assessment).toEqual(DEFAULT_ASSESSMENT);
    expect(
      loadConfig({
        HOTLINE_ASSESSMENT_WEIGHTS: "0.2, 0.3, 0.5",
        HOTLINE_ASSESSMENT_BASIC_WEIGHT: "0.8",
        HOTLINE_ASSESSMENT_START_DAY: "19",
        HOTLINE_APPEAL_WORKING_DAYS: "5",
      }).assessment,
    ).toEqual({
      basicWeight: 0.8,
      weights: { response: 0.2, resolution: 0.3, satisfaction: 0.5 },
      startDay: 19,
      appealWorkingDays: 5,
    });
    for (const bad of [
      { HOTLINE_ASSESSMENT_WEIGHTS: "0.1,0.5" },
      { HOTLINE_ASSESSMENT_WEIGHTS: "0,0,0" },
      { HOTLINE_ASSESSMENT_START_DAY: "29" },
      { HOTLINE_ASSESSMENT_BASIC_WEIGHT: "1.5" },
    ])
      expect(() => loadConfig(bad)).toThrow(/Invalid configuration/);
  });
});
