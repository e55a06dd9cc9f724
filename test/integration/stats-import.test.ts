import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateHistory, Truth, type TruthFilter, yearWindow } from "../../src/demo/generator.ts";
import { loadDemoHistory } from "../../src/demo/history.ts";
import type { Figures } from "../../src/stats/metrics.ts";
import { buckets } from "../../src/stats/period.ts";
import type { ImportLine } from "../../src/tickets/import.ts";
import { deptId } from "../helpers/fixtures.ts";
import { statsSettled } from "../helpers/stats.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

const N = 4000;
const YEAR: TruthFilter = { fromDay: "2025-01-01", toDay: "2026-01-01" };
let sys: TestSystem;
let admin: ApiClient;
const truth = new Truth();
let lines: ImportLine[];
let report: { imported: number; rejected: number; errors: Array<{ line: number; message: string }> };

async function postNdjson(client: ApiClient, body: string) {
  const res = await fetch(`${client.baseUrl}/api/v1/import/tickets`, {
    method: "POST",
    headers: { authorization: `Bearer ${client.token}`, "content-type": "application/x-ndjson" },
    body,
  });
  return { status: res.status, body: (await res.json()) as typeof report };
}

beforeAll(async () => {
  // Imported open tickets get their timer ledger; timers already due (deadlines of 2025) are the
  // reconciliation's to apply, as after an outage. This file checks the import itself, so the
  // reconciliation is kept from running in the middle of it.
  sys = await startTestSystem({ env: { HOTLINE_TIMER_RECONCILE_SECONDS: "3600" } });
  admin = await sys.as("admin");
  lines = [...generateHistory({ tickets: N, seed: 7, ...yearWindow(2025) }, truth)];
  const text = lines.map((l) => JSON.stringify(l));
  // Bad lines among the good ones: they are reported with their line numbers, the rest goes in.
  const bad = [
    "{not json",
    JSON.stringify({ ...lines[0], externalRef: "bad-cat", categoryCode: "astrology" }),
    JSON.stringify({
      ...lines[0],
      externalRef: "bad-order",
      events: [{ type: "SIGN", at: lines[0]?.createdAt, actorRole: "handler" }],
    }),
    JSON.stringify({ ...lines[0], externalRef: undefined, citizenPhone: "12" }),
  ];
  const body = [
    text[0],
    bad[0],
    ...text.slice(1, 10),
    bad[1],
    "",
    bad[2],
    ...text.slice(10),
    bad[3],
    text[5],
  ].join("\n");
  report = (await postNdjson(admin, `${body}\n`)).body;
  await statsSettled(sys.system.services);
}, 120_000);
afterAll(async () => sys?.stop());

/** The API's figures with the truth's, field by field (they come from the same integers). */
function same(api: unknown, expected: Figures, what: string) {
  expect(api, what).toEqual(expected);
}

describe("import of a generated year", () => {
  it("imports every valid line and reports the others by line number", () => {
    expect(report.imported).toBe(N);
    expect(report.rejected).toBe(5);
    expect(report.errors).toEqual([
      { line: 2, message: "not valid JSON" },
      { line: 12, message: expect.stringContaining("unknown category astrology") },
      { line: 14, message: expect.stringContaining("SIGN: not allowed while the ticket is registered") },
      { line: N + 5, message: expect.stringContaining("citizenPhone") },
      { line: N + 6, message: expect.stringContaining("duplicate") },
    ]);
  });

  it("the model is a realistic district year", () => {
    const f = truth.figures(YEAR, new Date());
    const dispatched = truth.totals.dispatched / f.received;
    expect(dispatched).toBeGreaterThan(0.4);
    expect(dispatched).toBeLessThan(0.5);
    expect(f.satisfactionRate).toBeGreaterThan(0.9);
    expect(f.onTimeRate).toBeGreaterThan(0.9);
    expect(f.returnRate).toBeGreaterThan(0.02);
    expect(f.reopenRate).toBeGreaterThan(0);
    expect(f.overdueOpen).toBeGreaterThan(0);
    const top3 = [...truth.byCategory.values()].sort((a, b) => b - a).slice(0, 3);
    expect(top3.reduce((a, b) => a + b, 0) / f.received).toBeGreaterThan(0.35);
  });

  it("the summary API returns the generator's true figures exactly", async () => {
    const now = new Date();
    same(
      (await admin.get("/api/v1/stats/summary?from=2025-01-01&to=2026-01-01")).body,
      truth.figures(YEAR, now),
      "year",
    );
    same(
      (await admin.get("/api/v1/stats/summary?from=2024-12-31T16:00:00Z&to=2025-12-31T16:00:00Z")).body,
      truth.figures(YEAR, now),
      "year by ISO times",
    );
    const march = { fromDay: "2025-03-01", toDay: "2025-04-01" };
    same(
      (await admin.get("/api/v1/stats/summary?from=2025-03-01&to=2025-04-01")).body,
      truth.figures(march, now),
      "march",
    );
    const dongcheng = await deptId(admin, "dongcheng");
    const subtree = new Set(["dongcheng", "dc-hepingli", "dc-jianguo", "dc-chengguan"]);
    same(
      (await admin.get(`/api/v1/stats/summary?from=2025-01-01&to=2026-01-01&departmentId=${dongcheng}`)).body,
      truth.figures({ ...YEAR, departments: subtree }, now),
      "dongcheng subtree",
    );
    same(
      (
        await admin.get(
          "/api/v1/stats/summary?from=2025-01-01&to=2026-01-01&categoryCode=noise&channel=wechat",
        )
      ).body,
      truth.figures({ ...YEAR, categoryCode: "noise", channel: "wechat" }, now),
      "noise by wechat",
    );
  });

  it("departments, trend and categories agree with the truth too", async () => {
    const now = new Date();
    const codes = new Map(
      (await admin.get<{ items: Array<{ id: number; code: string }> }>("/api/v1/departments")).body.items.map(
        (d) => [d.id, d.code],
      ),
    );
    const ranking = await admin.get<{ items: Array<Record<string, unknown> & { departmentId: number }> }>(
      "/api/v1/stats/departments?from=2025-01-01&to=2026-01-01",
    );
    const byDept = truth.departmentFigures(YEAR, now);
    expect(ranking.body.items.length).toBe([...byDept.keys()].filter((k) => k !== "").length);
    for (const { departmentId, departmentName: _name, ...row } of ranking.body.items) {
      const { warnings: _w, ...expected } = byDept.get(codes.get(departmentId) as string) as Figures;
      expect(row, codes.get(departmentId)).toEqual(expected);
    }

    const trend = await admin.get<{ items: Array<Record<string, unknown>> }>(
      "/api/v1/stats/trend?from=2025-01-01&to=2026-01-01&granularity=month",
    );
    expect(trend.body.items.map((p) => p.period)).toEqual(buckets(YEAR, "month"));
    for (const p of trend.body.items) {
      const start = p.period as string;
      const next =
        start.slice(5, 7) === "12"
          ? "2026-01-01"
          : `2025-${String(Number(start.slice(5, 7)) + 1).padStart(2, "0")}-01`;
      const f = truth.figures({ fromDay: start, toDay: next }, now);
      expect(p).toEqual({
        period: start,
        to: next,
        received: f.received,
        closed: f.closed,
        onTimeRate: f.onTimeRate,
        satisfactionRate: f.satisfactionRate,
      });
    }

    const cats = await admin.get<{
      items: Array<{ categoryCode: string; received: number; previousReceived: number }>;
    }>("/api/v1/stats/categories?from=2025-01-01&to=2026-01-01&limit=100");
    const received = truth.receivedByCategory(YEAR);
    expect(Object.fromEntries(cats.body.items.map((c) => [c.categoryCode, c.received]))).toEqual(
      Object.fromEntries(received),
    );
    expect(cats.body.items[0]?.categoryCode).toBe("policy-consult");
    expect(cats.body.items.every((c) => c.previousReceived === 0)).toBe(true);
  });

  it("imported facts equal a full rebuild", async () => {
    const r = await sys.system.services.stats.rebuild();
    expect(r.changes).toEqual({ ticketFacts: 0, dispatchFacts: 0, daily: 0, dispatchDaily: 0, open: 0 });
    expect(r.tickets).toBe(N - truth.totals.merged);
  });

  it("imported tickets are ordinary tickets: timeline, detail, a re-run imports nothing twice", async () => {
    const agent = await sys.as("agent1");
    const page = await agent.get<{ items: Array<{ id: number; externalRef: string; status: string }> }>(
      "/api/v1/tickets?limit=5",
    );
    const t = page.body.items[0] as { id: number; externalRef: string };
    const source = lines.find((l) => l.externalRef === t.externalRef) as ImportLine;
    const timeline = await agent.get<{ items: Array<{ type: string; seq: number }> }>(
      `/api/v1/tickets/${t.id}/events`,
    );
    expect(timeline.body.items.map((e) => e.type)).toEqual(["CREATE", ...source.events.map((e) => e.type)]);
    const again = await postNdjson(
      admin,
      lines
        .slice(0, 50)
        .map((l) => JSON.stringify(l))
        .join("\n"),
    );
    expect(again.body).toMatchObject({ imported: 0, rejected: 50 });
  });

  it("two imports racing over the same lines insert each ticket once", async () => {
    const extra = [...generateHistory({ tickets: 300, seed: 99, refPrefix: "race-", ...yearWindow(2024) })];
    const body = extra.map((l) => JSON.stringify(l)).join("\n");
    const [x, y] = await Promise.all([postNdjson(admin, body), postNdjson(admin, body)]);
    expect(x.body.imported + y.body.imported).toBe(300);
    expect(x.body.rejected + y.body.rejected).toBe(300);
    const { rows } = await sys.system.services.stats.pool.query(
      "SELECT count(*)::int AS n FROM tickets WHERE external_ref LIKE 'race-%'",
    );
    expect(rows[0].n).toBe(300);
    const r = await sys.system.services.stats.rebuild();
    expect(r.changes).toEqual({ ticketFacts: 0, dispatchFacts: 0, daily: 0, dispatchDaily: 0, open: 0 });
  });

  it("open imported tickets carry their timers; the reconciliation applies what history missed", async () => {
    const s = sys.system.services;
    const { rows } = await s.pool.query<{ timed: number; unplanned: number }>(
      `SELECT count(*)::int AS timed,
              count(*) FILTER (WHERE NOT EXISTS (
                SELECT 1 FROM timer_firings f
                 WHERE f.ticket_id = t.id AND f.deadline_version = t.deadline_version AND f.status = t.status
              ))::int AS unplanned
         FROM tickets t
        WHERE t.external_ref LIKE 'gen-7-%' AND t.status NOT IN ('registered', 'closed', 'merged')`,
    );
    expect(rows[0]?.timed).toBeGreaterThan(0);
    expect(rows[0]?.unplanned).toBe(0);
    // Their 2025 deadlines are long past: the reconciliation applies the timers the source
    // system never recorded (as after an outage), which changes no figure.
    const report = await s.timers.reconcile({ now: new Date() });
    expect(report.applied).toBeGreaterThan(0);
    await statsSettled(s);
    same(
      (await admin.get("/api/v1/stats/summary?from=2025-01-01&to=2026-01-01")).body,
      truth.figures(YEAR, new Date()),
      "year, timers applied",
    );
    const r = await s.stats.rebuild();
    expect(r.changes).toEqual({ ticketFacts: 0, dispatchFacts: 0, daily: 0, dispatchDaily: 0, open: 0 });
  });

  it("loadDemoHistory fills the dashboard's default period, once", async () => {
    const s = sys.system.services;
    const result = await loadDemoHistory(s, 300, { seed: 3 });
    expect(result).toMatchObject({ imported: 300, rejected: 0 });
    expect(await loadDemoHistory(s, 300, { seed: 3 })).toBeNull();
    const summary = await admin.get<Figures>("/api/v1/stats/summary");
    expect(summary.body.received).toBeGreaterThan(70); // a third of 90 days
  });
});
