import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { periodDays, periodOfDay, previousPeriodKey } from "../../src/stats/assessment.ts";
import { dayOf } from "../../src/stats/metrics.ts";
import { addDays } from "../../src/stats/period.ts";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { statsSettled } from "../helpers/stats.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

/**
 * The monthly assessment over HTTP on planted histories (imported with their event times):
 * every rate, the score, the ranking within a group, the period cut-off (periods run from the
 * 19th to the 18th here) and the appeal adjustment against values computed by hand below.
 */
const START_DAY = 19;
let sys: TestSystem;
let agent: ApiClient;
let handler: ApiClient;
let reviewer: ApiClient;
let admin: ApiClient;

beforeAll(async () => {
  sys = await startTestSystem({
    env: {
      HOTLINE_ASSESSMENT_START_DAY: String(START_DAY),
      // Long enough to appeal a callback of the previous period whatever today's date.
      HOTLINE_APPEAL_WORKING_DAYS: "60",
      // Imported open tickets keep their timers from firing in the middle of the test.
      HOTLINE_TIMER_RECONCILE_SECONDS: "3600",
    },
  });
  agent = await sys.as("agent1");
  handler = await sys.as("handler1");
  reviewer = await sys.as("reviewer1");
  admin = await sys.as("admin");
});
afterAll(async () => sys?.stop());

/** A ticket of Dongcheng brought to the callback stage over HTTP. */
async function toCallback(): Promise<number> {
  const t = await createTicket(agent, { categoryCode: "noise" });
  const steps: Array<[ApiClient, string, Record<string, unknown>]> = [
    [agent, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") }],
    [handler, "SIGN", {}],
    [handler, "REPLY", { result: "已处理", outcome: "resolved" }],
    [reviewer, "APPROVE_REPLY", {}],
  ];
  for (const [client, type, payload] of steps) {
    const res = await client.event(t.id, type, payload);
    expect(res.status, `${type}: ${JSON.stringify(res.body)}`).toBe(200);
  }
  return t.id;
}

describe("the callback survey records contacted (响应)", () => {
  it("stores contacted beside rating and resolved, in the callbacks row and the timeline", async () => {
    const id = await toCallback();
    const res = await agent.event(id, "CALLBACK", { rating: "satisfied", resolved: true, contacted: false });
    expect(res.status).toBe(200);
    const { rows } = await sys.system.services.pool.query(
      "SELECT rating::text, resolved, contacted FROM callbacks WHERE ticket_id = $1",
      [id],
    );
    expect(rows).toEqual([{ rating: "satisfied", resolved: true, contacted: false }]);
    const timeline = await agent.get<{ items: Array<{ type: string; payload: Record<string, unknown> }> }>(
      `/api/v1/tickets/${id}/events`,
    );
    expect(timeline.body.items.at(-1)).toMatchObject({
      type: "CALLBACK",
      payload: { rating: "satisfied", resolved: true, contacted: false },
    });
  });

  it("leaves contacted null when the callback did not ask, and refuses a non-boolean answer", async () => {
    const id = await toCallback();
    const bad = await agent.event(id, "CALLBACK", { rating: "satisfied", resolved: true, contacted: "yes" });
    expect(bad.status).toBe(422);
    const res = await agent.event(id, "CALLBACK", { rating: "basically_satisfied", resolved: true });
    expect(res.status).toBe(200);
    const { rows } = await sys.system.services.pool.query(
      "SELECT contacted FROM callbacks WHERE ticket_id = $1",
      [id],
    );
    expect(rows).toEqual([{ contacted: null }]);
  });
});

// ─── Planted histories ───────────────────────────────────────────────────────

type Rating = "satisfied" | "basically_satisfied" | "dissatisfied" | "unreachable";
interface PlantedCallback {
  /** Local (centre) time, YYYY-MM-DDTHH:MM. */
  at: string;
  rating: Rating;
  resolved?: boolean;
  contacted?: boolean;
}

const MIN = 60_000;
const local = (at: string) => Date.parse(`${at}:00+08:00`);
const iso = (ms: number) => new Date(ms).toISOString();

/** One import line: dispatched to `dept`, signed, replied, approved, then the callbacks in order. */
function planted(ref: string, dept: string, callbacks: PlantedCallback[], overdue = false) {
  const t0 = local((callbacks[0] as PlantedCallback).at) - 2 * 24 * 60 * MIN;
  const events: Array<{ type: string; at: string; actorRole: string; payload?: Record<string, unknown> }> =
    [];
  const ev = (type: string, at: number, actorRole: string, payload?: Record<string, unknown>) =>
    events.push({ type, at: iso(at), actorRole, ...(payload ? { payload } : {}) });
  ev("DISPATCH", t0 + MIN, "agent", {
    departmentCode: dept,
    signBy: iso(t0 + 10 * MIN),
    firstResponseBy: iso(t0 + 60 * MIN),
    dueAt: iso(overdue ? t0 + 20 * MIN : t0 + 24 * 60 * MIN),
  });
  ev("SIGN", t0 + 5 * MIN, "handler");
  if (overdue) ev("RESOLVE_OVERDUE", t0 + 20 * MIN, "system");
  let t = t0 + 60 * MIN;
  let stage: "reply" | "callback" = "reply";
  for (const cb of callbacks) {
    if (stage === "reply") {
      ev("REPLY", t, "handler", { result: "已处理", outcome: "resolved" });
      ev("APPROVE_REPLY", t + MIN, "reviewer");
    }
    const at = local(cb.at);
    const { at: _at, ...payload } = cb;
    ev("CALLBACK", at, "agent", payload);
    stage = cb.rating === "dissatisfied" ? "reply" : "callback";
    t = at + 60 * MIN;
  }
  return {
    externalRef: ref,
    channel: "phone",
    citizenName: "李女士",
    citizenPhone: "13900001111",
    categoryCode: "noise",
    urgency: "normal",
    title: `考核测试 ${ref}`,
    description: "考核测试工单",
    createdAt: iso(t0),
    events,
  };
}

interface Figures {
  validCallbacks: number;
  responseRate: number | null;
  resolutionRate: number | null;
  satisfactionRate: number | null;
  score: number | null;
  overdue: number;
  rank: number | null;
  rankChange: number | null;
}
type Row = Figures & {
  departmentId: number;
  name: string;
  groupId: number | null;
  appealsAccepted: number;
  adjusted: Figures;
};
interface Assessment {
  period: { key: string; from: string; to: string; frozen: boolean };
  rows: Row[];
}

const today = dayOf(new Date(), "Asia/Shanghai");
/** P0 runs now; P1 and P2 are closed; P5 is long past the appeal window. */
const P0 = periodOfDay(today, START_DAY);
const P1 = previousPeriodKey(P0);
const P2 = previousPeriodKey(P1);
const P5 = previousPeriodKey(previousPeriodKey(previousPeriodKey(P2)));
const first = (p: string) => periodDays(p, START_DAY).fromDay;
const last = (p: string) => addDays(periodDays(p, START_DAY).toDay, -1);
const day = (p: string, n: number) => addDays(first(p), n);

let groupId: number;
let ids: Record<string, number>;
const ticketIds = new Map<string, number>();

async function assessment(period: string, group?: number): Promise<Assessment> {
  const res = await admin.get<Assessment>(
    `/api/v1/stats/assessment?period=${period}${group ? `&groupId=${group}` : ""}`,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}
const rowOf = (a: Assessment, dept: number) => {
  const row = a.rows.find((r) => r.departmentId === dept);
  if (!row) throw new Error(`no row for ${dept}`);
  return row;
};

describe("the monthly assessment on planted histories", () => {
  beforeAll(async () => {
    ids = {
      dongcheng: await deptId(admin, "dongcheng"),
      xicheng: await deptId(admin, "xicheng"),
      nanhu: await deptId(admin, "nanhu"),
      water: await deptId(admin, "water"),
    };
    const g = await admin.post<{ id: number; departmentIds: number[] }>("/api/v1/assessment-groups", {
      name: "区政府",
      departmentIds: [ids.dongcheng, ids.xicheng, ids.nanhu],
    });
    expect(g.status).toBe(201);
    groupId = g.body.id;
    const at = (p: string, n: number, time = "10:00") => `${day(p, n)}T${time}`;
    const lines = [
      // P1, 东城区: d3 dissatisfied; d4 never reached; d5 not asked about contact, overdue.
      planted("d1", "dongcheng", [{ at: at(P1, 1), rating: "satisfied", resolved: true, contacted: true }]),
      planted("d2", "dongcheng", [
        { at: at(P1, 2), rating: "basically_satisfied", resolved: true, contacted: false },
      ]),
      planted("d3", "dongcheng", [
        { at: at(P1, 3), rating: "dissatisfied", resolved: false, contacted: true },
      ]),
      planted("d4", "dongcheng", [{ at: at(P1, 4), rating: "unreachable" }]),
      planted("d5", "dongcheng", [{ at: at(P1, 5), rating: "satisfied", resolved: true }], true),
      // P1, 西城区: x3 dissatisfied, later redone live.
      planted("x1", "xicheng", [{ at: at(P1, 1), rating: "satisfied", resolved: true, contacted: true }]),
      planted("x2", "xicheng", [
        { at: at(P1, 2), rating: "unreachable" },
        { at: at(P1, 3), rating: "satisfied", resolved: true, contacted: true },
      ]),
      planted("x3", "xicheng", [
        { at: at(P1, 4), rating: "dissatisfied", resolved: false, contacted: false },
      ]),
      // 南湖区: the cut-off. n2's callback is the last evening of P1; n3's is just after midnight (P0).
      planted("n1", "nanhu", [{ at: at(P1, 1), rating: "satisfied", resolved: true, contacted: true }]),
      planted("n2", "nanhu", [
        { at: `${last(P1)}T23:30`, rating: "basically_satisfied", resolved: true, contacted: true },
      ]),
      planted("n3", "nanhu", [
        { at: `${first(P0)}T00:30`, rating: "dissatisfied", resolved: false, contacted: false },
      ]),
      // A latest valid callback decides the period: first in P2 (dissatisfied), latest in P1.
      planted("n4", "nanhu", [
        { at: at(P2, 2), rating: "dissatisfied", resolved: false, contacted: true },
        { at: at(P1, 6), rating: "satisfied", resolved: true, contacted: true },
      ]),
      // 水务集团 is in no group.
      planted("w1", "water", [{ at: at(P1, 2), rating: "satisfied", resolved: true, contacted: true }]),
      // P2: 西城区 first, 东城区 second, 南湖区 unranked (n4's P2 callback is not its latest).
      planted("x0", "xicheng", [{ at: at(P2, 1), rating: "satisfied", resolved: true, contacted: true }]),
      planted("d0", "dongcheng", [
        { at: at(P2, 1), rating: "dissatisfied", resolved: false, contacted: false },
      ]),
      // Long ago: out of the appeal window.
      planted("old", "dongcheng", [
        { at: at(P5, 1), rating: "dissatisfied", resolved: false, contacted: false },
      ]),
    ];
    const res = await fetch(`${admin.baseUrl}/api/v1/import/tickets`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin.token}`, "content-type": "application/x-ndjson" },
      body: `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`,
    });
    const report = (await res.json()) as { imported: number; errors: unknown[] };
    expect(report.errors).toEqual([]);
    expect(report.imported).toBe(lines.length);
    const { rows } = await sys.system.services.pool.query<{ id: number; external_ref: string }>(
      "SELECT id, external_ref FROM tickets WHERE external_ref IS NOT NULL",
    );
    for (const r of rows) ticketIds.set(r.external_ref, r.id);
  }, 60_000);

  it("computes every rate and the score of the closed period by hand, and ranks within the group", async () => {
    const a = await assessment(P1, groupId);
    expect(a.period).toMatchObject({ key: P1, from: first(P1), to: addDays(last(P1), 1), frozen: true });
    expect(a.rows.map((r) => r.departmentId)).toEqual([ids.nanhu, ids.dongcheng, ids.xicheng]);
    const dc = rowOf(a, ids.dongcheng as number);
    // d1, d2, d3, d5 (d4 unreachable): contact asked of 3, yes 2; resolved 3; 2 satisfied + 1 basically.
    expect(dc.validCallbacks).toBe(4);
    expect(dc.responseRate).toBeCloseTo(2 / 3, 12);
    expect(dc.resolutionRate).toBeCloseTo(3 / 4, 12);
    expect(dc.satisfactionRate).toBeCloseTo((2 + 0.9) / 4, 12);
    expect(dc.score).toBeCloseTo(100 * (0.1 * (2 / 3) + 0.5 * (3 / 4) + 0.4 * (2.9 / 4)), 9);
    expect(dc.overdue).toBe(1);
    const xc = rowOf(a, ids.xicheng as number);
    // x1, x2 (its unreachable callback does not count), x3.
    expect(xc.validCallbacks).toBe(3);
    expect([xc.responseRate, xc.resolutionRate, xc.satisfactionRate]).toEqual([2 / 3, 2 / 3, 2 / 3]);
    expect(xc.score).toBeCloseTo(100 * (2 / 3), 9);
    const nh = rowOf(a, ids.nanhu as number);
    // n1, n2 (last evening of the period) and n4 (its latest callback); n3 is the next period's.
    expect(nh.validCallbacks).toBe(3);
    expect(nh.satisfactionRate).toBeCloseTo((2 + 0.9) / 3, 12);
    expect(nh.score).toBeCloseTo(100 * (0.1 + 0.5 + 0.4 * (2.9 / 3)), 9);
    expect([nh.rank, dc.rank, xc.rank]).toEqual([1, 2, 3]);
    // P2: 西城区 1, 东城区 2, 南湖区 none.
    expect([nh.rankChange, dc.rankChange, xc.rankChange]).toEqual([null, 0, -2]);
    // No appeal yet: adjusted = raw.
    for (const r of a.rows) {
      expect(r.appealsAccepted).toBe(0);
      expect(r.adjusted).toEqual({
        validCallbacks: r.validCallbacks,
        responseRate: r.responseRate,
        resolutionRate: r.resolutionRate,
        satisfactionRate: r.satisfactionRate,
        score: r.score,
        overdue: r.overdue,
        rank: r.rank,
        rankChange: r.rankChange,
      });
    }
  });

  it("puts the first minutes of the next period in it (the cut-off); without a period, the running one", async () => {
    const running = await admin.get<Assessment>(`/api/v1/stats/assessment?groupId=${groupId}`);
    expect(running.body.period.key).toBe(P0);
    const a = await assessment(P0, groupId);
    expect(a.period.frozen).toBe(false);
    const nh = rowOf(a, ids.nanhu as number);
    expect(nh.validCallbacks).toBe(1);
    expect(nh.score).toBe(0);
  });

  it("without a group lists every group's departments and the ungrouped ones, ranked apart", async () => {
    const a = await assessment(P1);
    const water = rowOf(a, ids.water as number);
    expect(water).toMatchObject({ groupId: null, validCallbacks: 1, score: 100, rank: 1 });
    expect(rowOf(a, ids.dongcheng as number).rank).toBe(2);
  });

  it("exports the ranking as CSV", async () => {
    const res = await admin.get<string>(
      `/api/v1/stats/assessment?period=${P1}&groupId=${groupId}&format=csv`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const lines = res.body
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines[0]).toContain("综合得分");
    expect(lines).toHaveLength(4);
    expect(lines[2]).toBe(
      [
        "区政府",
        2,
        0,
        ids.dongcheng,
        "东城区",
        4,
        "66.67%",
        "75.00%",
        "72.50%",
        "73.17",
        0,
        "66.67%",
        "75.00%",
        "72.50%",
        "73.17",
        2,
      ].join(","),
    );
  });

  it("drills down to the tickets behind the figures", async () => {
    const res = await admin.get<{ items: Array<{ ticketId: number; rating: string; excluded: string[] }> }>(
      `/api/v1/stats/assessment/tickets?period=${P1}&departmentId=${ids.dongcheng}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.items.map((i) => i.ticketId)).toEqual(
      ["d1", "d2", "d3", "d5"].map((r) => ticketIds.get(r)),
    );
  });

  it("files, refuses and decides appeals; an accepted one changes only the adjusted figures of its closed period", async () => {
    const d3 = ticketIds.get("d3") as number;
    const before = { p0: await assessment(P0), p1: await assessment(P1), p2: await assessment(P2) };
    const snapshot = async () =>
      (await sys.system.services.pool.query("SELECT * FROM assessment_snapshot ORDER BY period, ticket_id"))
        .rows;
    const frozenRows = await snapshot();

    const options = await handler.get<{ grounds: string[]; deadline: string }>(
      `/api/v1/tickets/${d3}/appeals`,
    );
    expect(options.body.grounds).toEqual(["rating", "resolved"]);
    // Not the handling department, not a handler, no cause, too late: refused.
    expect(
      (
        await (
          await sys.as("handler2")
        ).post(`/api/v1/tickets/${d3}/appeals`, { ground: "rating", reason: "x" })
      ).status,
    ).toBe(404);
    expect(
      (await agent.post(`/api/v1/tickets/${d3}/appeals`, { ground: "rating", reason: "x" })).status,
    ).toBe(403);
    expect(
      (await handler.post(`/api/v1/tickets/${d3}/appeals`, { ground: "contacted", reason: "x" })).status,
    ).toBe(422);
    const late = await handler.post(`/api/v1/tickets/${ticketIds.get("old")}/appeals`, {
      ground: "rating",
      reason: "x",
    });
    expect(late.status).toBe(422);

    const filed = await handler.post<{ id: number; status: string; period: string; departmentId: number }>(
      `/api/v1/tickets/${d3}/appeals`,
      { ground: "rating", reason: "市民诉求超出职权范围", evidence: "政策文件第3条" },
    );
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ status: "pending", period: P1, departmentId: ids.dongcheng });
    expect(
      (await handler.post(`/api/v1/tickets/${d3}/appeals`, { ground: "rating", reason: "再次" })).status,
    ).toBe(409);

    const queue = await reviewer.get<{ items: Array<{ id: number }> }>("/api/v1/appeals?status=pending");
    expect(queue.body.items.map((i) => i.id)).toEqual([filed.body.id]);
    // Pending: nothing moves.
    expect(await assessment(P1)).toEqual(before.p1);
    expect(
      (await handler.post(`/api/v1/appeals/${filed.body.id}/decision`, { decision: "accept", reason: "x" }))
        .status,
    ).toBe(403);
    const decided = await reviewer.post<{ status: string }>(`/api/v1/appeals/${filed.body.id}/decision`, {
      decision: "accept",
      reason: "经核实属实，予以核减",
    });
    expect(decided.status).toBe(200);
    expect(decided.body.status).toBe("accepted");
    expect(
      (await reviewer.post(`/api/v1/appeals/${filed.body.id}/decision`, { decision: "reject", reason: "x" }))
        .status,
    ).toBe(409);

    const after = await assessment(P1);
    const dcBefore = rowOf(before.p1, ids.dongcheng as number);
    const dcAfter = rowOf(after, ids.dongcheng as number);
    // d3 leaves 东城区's 满意率 only: (2 + 0.9) / 3.
    const satisfaction = (2 + 0.9) / 3;
    const score = 100 * (0.1 * (2 / 3) + 0.5 * (3 / 4) + 0.4 * satisfaction);
    expect(dcAfter.adjusted.satisfactionRate).toBeCloseTo(satisfaction, 12);
    expect(dcAfter.adjusted.score).toBeCloseTo(score, 9);
    // …and nothing else: every other figure, row and period is as before; the snapshot too.
    expect(after).toEqual({
      ...before.p1,
      rows: before.p1.rows.map((r) =>
        r.departmentId === ids.dongcheng
          ? {
              ...dcBefore,
              appealsAccepted: 1,
              adjusted: {
                ...dcBefore.adjusted,
                satisfactionRate: dcAfter.adjusted.satisfactionRate,
                score: dcAfter.adjusted.score,
              },
            }
          : r,
      ),
    });
    expect(await assessment(P0)).toEqual(before.p0);
    expect(await assessment(P2)).toEqual(before.p2);
    expect(await snapshot()).toEqual(frozenRows);

    const drill = await admin.get<{ items: Array<{ ticketId: number; excluded: string[] }> }>(
      `/api/v1/stats/assessment/tickets?period=${P1}&departmentId=${ids.dongcheng}`,
    );
    expect(drill.body.items.find((i) => i.ticketId === d3)?.excluded).toEqual(["rating"]);

    // The timeline and the audit log hold both steps.
    const timeline = await agent.get<{ items: Array<{ type: string; seq: number }> }>(
      `/api/v1/tickets/${d3}/events`,
    );
    expect(timeline.body.items.slice(-2).map((e) => e.type)).toEqual(["APPEAL_FILED", "APPEAL_DECIDED"]);
    const { rows: audit } = await sys.system.services.pool.query(
      "SELECT action FROM audit_log WHERE ticket_id = $1 AND action LIKE 'appeal.%' ORDER BY id",
      [d3],
    );
    expect(audit.map((r) => r.action)).toEqual(["appeal.filed", "appeal.decided"]);
  });

  it("a closed period stays frozen when a ticket of it gets a later callback; the live period takes it", async () => {
    const x3 = ticketIds.get("x3") as number;
    const before = await assessment(P1, groupId);
    const p0Before = rowOf(await assessment(P0, groupId), ids.xicheng as number);
    const handler2 = await sys.as("handler2");
    for (const [client, type, payload] of [
      [handler2, "REPLY", { result: "已重新处理", outcome: "resolved" }],
      [reviewer, "APPROVE_REPLY", {}],
      [agent, "CALLBACK", { rating: "satisfied", resolved: true, contacted: true }],
    ] as const) {
      const res = await client.event(x3, type, payload);
      expect(res.status, `${type}: ${JSON.stringify(res.body)}`).toBe(200);
    }
    expect(await assessment(P1, groupId)).toEqual(before);
    const p0After = rowOf(await assessment(P0, groupId), ids.xicheng as number);
    expect(p0After.validCallbacks).toBe(p0Before.validCallbacks + 1);
  });

  it("incremental stats still equal a full rebuild after all of this", async () => {
    await statsSettled(sys.system.services);
    const report = await sys.system.services.stats.rebuild();
    expect(report.changes).toEqual({ ticketFacts: 0, dispatchFacts: 0, daily: 0, dispatchDaily: 0, open: 0 });
  });

  it("admins manage groups; a department belongs to one group", async () => {
    const other = await admin.post<{ id: number }>("/api/v1/assessment-groups", {
      name: "公用事业",
      departmentIds: [ids.water, ids.nanhu],
    });
    expect(other.status).toBe(201);
    expect((await admin.post("/api/v1/assessment-groups", { name: "公用事业" })).status).toBe(409);
    expect(
      (await admin.post("/api/v1/assessment-groups", { name: "x", departmentIds: [999999] })).status,
    ).toBe(422);
    expect((await agent.post("/api/v1/assessment-groups", { name: "y" })).status).toBe(403);
    const groups = await agent.get<{ items: Array<{ id: number; departmentIds: number[] }> }>(
      "/api/v1/assessment-groups",
    );
    expect(groups.status, JSON.stringify(groups.body)).toBe(200);
    // 南湖区 moved from 区政府 to 公用事业.
    expect(groups.body.items.find((g) => g.id === groupId)?.departmentIds).toEqual(
      [ids.dongcheng, ids.xicheng].sort((a, b) => (a as number) - (b as number)),
    );
    const renamed = await admin.put<{ name: string }>(`/api/v1/assessment-groups/${other.body.id}`, {
      name: "公用企业",
      departmentIds: [ids.water],
    });
    expect(renamed.body).toMatchObject({ name: "公用企业", departmentIds: [ids.water] });
    expect((await admin.get(`/api/v1/stats/assessment?period=${P1}&groupId=999999`)).status).toBe(404);
  });
});
