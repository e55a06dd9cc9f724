import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPlannedAppeals } from "../../src/demo/assessment-truth.ts";
import { generateHistory, Truth, yearWindow } from "../../src/demo/generator.ts";
import { rankByScore } from "../../src/stats/assessment.ts";
import { deptId } from "../helpers/fixtures.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

/**
 * A generated year with its callbacks' contact answers and its appeals, imported over HTTP (the
 * appeals through the appeal service at their historical times): every department's 三率, score,
 * rank within its group and adjusted figures, month by month, equal the generator's truth.
 * Periods run from the 19th to the 18th here, so every cut-off falls mid-month.
 */
const N = 3000;
const START_DAY = 19;
const MONTHS = Array.from({ length: 11 }, (_, i) => `2025-${String(i + 2).padStart(2, "0")}`);
const DISTRICTS = ["dongcheng", "xicheng", "nanhu"];
let sys: TestSystem;
let admin: ApiClient;
const truth = new Truth();
const codeOf = new Map<number, string>();
const groups = new Map<string, number>();
let appealsLoaded = 0;

beforeAll(async () => {
  sys = await startTestSystem({
    env: { HOTLINE_ASSESSMENT_START_DAY: String(START_DAY), HOTLINE_TIMER_RECONCILE_SECONDS: "3600" },
  });
  admin = await sys.as("admin");
  const lines = [...generateHistory({ tickets: N, seed: 13, ...yearWindow(2025) }, truth)];
  const res = await fetch(`${admin.baseUrl}/api/v1/import/tickets`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin.token}`, "content-type": "application/x-ndjson" },
    body: `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`,
  });
  const report = (await res.json()) as { imported: number; errors: unknown[] };
  expect(report.errors).toEqual([]);
  const me = await admin.get<{ id: number }>("/api/v1/auth/me");
  appealsLoaded = await loadPlannedAppeals(sys.system.services, truth.assessment.appeals, me.body.id);

  const depts = await admin.get<{ items: Array<{ id: number; code: string }> }>("/api/v1/departments");
  for (const d of depts.body.items) codeOf.set(d.id, d.code);
  const holders = new Set<string>();
  for (const m of MONTHS)
    for (const code of truth.assessment.figures(m, { settings: settings() }).keys()) holders.add(code);
  const bureaus = [...holders].filter((c) => !DISTRICTS.includes(c));
  for (const [name, codes] of [
    ["区政府", DISTRICTS],
    ["市直部门与街道", bureaus],
  ] as const) {
    const g = await admin.post<{ id: number }>("/api/v1/assessment-groups", {
      name,
      departmentIds: await Promise.all(codes.map((c) => deptId(admin, c))),
    });
    expect(g.status).toBe(201);
    for (const c of codes) groups.set(c, g.body.id);
  }
}, 180_000);
afterAll(async () => sys?.stop());

function settings() {
  return { ...sys.system.services.config.assessment };
}

interface Figures {
  validCallbacks: number;
  responseRate: number | null;
  resolutionRate: number | null;
  satisfactionRate: number | null;
  score: number | null;
  overdue: number;
  rank: number | null;
}
type Row = Figures & {
  departmentId: number;
  groupId: number | null;
  appealsAccepted: number;
  adjusted: Figures;
};

describe("a generated year's assessment", () => {
  it("plants contact answers and appeals", () => {
    expect(appealsLoaded).toBeGreaterThan(10);
    expect(truth.assessment.appeals.some((a) => a.decision === "accept")).toBe(true);
    expect(truth.assessment.appeals.some((a) => a.decision === "reject")).toBe(true);
    expect(new Set(truth.assessment.appeals.map((a) => a.ground)).size).toBeGreaterThanOrEqual(3);
  });

  it("reads back every month's rates, scores, ranks and adjusted figures exactly", {
    timeout: 120_000,
  }, async () => {
    let compared = 0;
    for (const period of MONTHS) {
      const res = await admin.get<{ rows: Row[] }>(`/api/v1/stats/assessment?period=${period}`);
      expect(res.status).toBe(200);
      const expected = truth.assessment.figures(period, { settings: settings() });
      const byCode = new Map(res.body.rows.map((r) => [codeOf.get(r.departmentId) as string, r]));
      for (const [code, t] of expected) {
        const row = byCode.get(code);
        expect(row, `${period} ${code}`).toBeTruthy();
        const { rank: _r, rankChange: _c, ...raw } = row as Row & { rankChange: unknown };
        expect(
          {
            validCallbacks: raw.validCallbacks,
            responseRate: raw.responseRate,
            resolutionRate: raw.resolutionRate,
            satisfactionRate: raw.satisfactionRate,
            score: raw.score,
            overdue: raw.overdue,
          },
          `${period} ${code} raw`,
        ).toEqual(t.raw);
        const {
          rank: _ar,
          rankChange: _ac,
          ...adjusted
        } = (row as Row).adjusted as Figures & { rankChange: unknown };
        expect(adjusted, `${period} ${code} adjusted`).toEqual(t.adjusted);
        expect((row as Row).appealsAccepted, `${period} ${code} appeals`).toBe(t.appealsAccepted);
        compared++;
      }
      // Ranks within each group, by the true scores.
      for (const groupId of new Set(groups.values())) {
        const members = [...groups].filter(([, g]) => g === groupId).map(([c]) => c);
        for (const which of ["raw", "adjusted"] as const) {
          const want = rankByScore(
            members.map((c) => ({ key: c, score: expected.get(c)?.[which].score ?? null })),
          );
          for (const c of members) {
            const row = byCode.get(c) as Row;
            expect(which === "raw" ? row.rank : row.adjusted.rank, `${period} ${c} ${which} rank`).toBe(
              want.get(c),
            );
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});
