import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addInto,
  type Counters,
  DISPATCH_COUNTERS,
  dispatchFacts,
  emptyCounters,
  type FactAssignment,
  figures,
  liveContribution,
  pickCounters,
  TICKET_COUNTERS,
  ticketFact,
} from "../../src/stats/metrics.ts";
import { snapshotRollups } from "../../src/stats/rollups.ts";
import type { Services } from "../../src/system.ts";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { statsSettled } from "../helpers/stats.ts";
import {
  type ApiClient,
  BACKENDS,
  backendMissing,
  startTestSystem,
  type TestSystem,
} from "../helpers/system.ts";

/** The expected figures straight from metrics.ts over the tickets as they are in the database. */
async function expectedFigures(
  s: Services,
  filter: { departmentIds?: number[]; categoryId?: number; channel?: string } = {},
) {
  const { rows: tickets } = await s.stats.pool.query(
    `SELECT id, created_at AS "createdAt", status::text AS status, department_id AS "departmentId",
            category_id AS "categoryId", channel, directly_answered AS "directlyAnswered",
            first_reply_on_time AS "firstReplyOnTime", due_at AS "dueAt", reopen_count AS "reopenCount",
            last_rating::text AS "lastRating", last_resolved AS "lastResolved", sign_by AS "signBy",
            signed_at AS "signedAt", callback_by AS "callbackBy", context->'flags' AS flags
       FROM tickets`,
  );
  const { rows: assignments } = await s.stats.pool.query<FactAssignment & { ticketId: number }>(
    `SELECT id, ticket_id AS "ticketId", department_id AS "departmentId", role::text AS role, sign_by AS "signBy",
            signed_at AS "signedAt", outcome::text AS outcome, ended_at AS "endedAt" FROM assignments`,
  );
  const now = new Date();
  const c: Counters = emptyCounters();
  const inDept = (d: number) => !filter.departmentIds || filter.departmentIds.includes(d);
  for (const t of tickets) {
    if (filter.categoryId !== undefined && t.categoryId !== filter.categoryId) continue;
    if (filter.channel !== undefined && t.channel !== filter.channel) continue;
    const fact = ticketFact(t, "Asia/Shanghai");
    if (!fact) continue;
    if (inDept(fact.departmentId)) {
      addInto(c, pickCounters(fact, TICKET_COUNTERS));
      addInto(c, liveContribution(t, now));
    }
    const mine = assignments.filter((a) => a.ticketId === t.id);
    for (const d of dispatchFacts(t, mine, "Asia/Shanghai"))
      if (inDept(d.departmentId)) addInto(c, pickCounters(d, DISPATCH_COUNTERS));
  }
  return figures(c);
}

async function run(client: ApiClient, id: number, type: string, payload: Record<string, unknown> = {}) {
  const res = await client.event(id, type, payload);
  expect(res.status, `${type}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body as Record<string, unknown>;
}

for (const backend of BACKENDS) {
  describe.skipIf(backendMissing(backend))(`stats on the ${backend} queue backend`, () => {
    let sys: TestSystem;
    let s: Services;
    const ids: Record<string, number> = {};

    beforeAll(async () => {
      sys = await startTestSystem({ backend });
      s = sys.system.services;
      const [agent, reviewer, manager] = await Promise.all([
        sys.as("agent1"),
        sys.as("reviewer1"),
        sys.as("manager1"),
      ]);
      const [h1, h2, h3, hWater, hHousing] = await Promise.all([
        sys.as("handler1"),
        sys.as("handler2"),
        sys.as("handler3"),
        sys.as("handler-water"),
        sys.as("handler-housing"),
      ]);
      const dongcheng = await deptId(agent, "dongcheng");
      const xicheng = await deptId(agent, "xicheng");
      const hepingli = await deptId(agent, "dc-hepingli");
      const water = await deptId(agent, "water");
      const housing = await deptId(agent, "housing");
      const replyAndApprove = async (handler: ApiClient, id: number) => {
        await run(handler, id, "REPLY", { result: "已处理", outcome: "resolved" });
        await run(reviewer, id, "APPROVE_REPLY");
      };

      // Answered on the call (two channels, two categories).
      ids.direct = (await createTicket(agent, { categoryCode: "policy-consult" })).id;
      await run(agent, ids.direct, "ANSWER_DIRECTLY", { answer: "已解答" });
      ids.directWeb = (await createTicket(agent, { categoryCode: "water-supply", channel: "web" })).id;
      await run(agent, ids.directWeb, "ANSWER_DIRECTLY", { answer: "已解答" });

      // Straight through.
      ids.normal = (await createTicket(agent)).id;
      await run(agent, ids.normal, "DISPATCH", { departmentId: dongcheng });
      await run(h1, ids.normal, "SIGN");
      await run(h1, ids.normal, "FIRST_RESPONSE", { note: "已联系" });
      await replyAndApprove(h1, ids.normal);
      await run(agent, ids.normal, "CALLBACK", { rating: "satisfied", resolved: true });

      // Returned by the wrong unit, re-dispatched, redone after a dissatisfied callback.
      ids.returned = (await createTicket(agent)).id;
      await run(agent, ids.returned, "DISPATCH", { departmentId: water });
      await run(hWater, ids.returned, "REQUEST_RETURN", { reason: "非本单位" });
      await run(agent, ids.returned, "APPROVE_RETURN", { departmentId: dongcheng });
      await run(h1, ids.returned, "SIGN");
      await replyAndApprove(h1, ids.returned);
      await run(agent, ids.returned, "CALLBACK", { rating: "dissatisfied", resolved: false });
      await replyAndApprove(h1, ids.returned);
      await run(agent, ids.returned, "CALLBACK", { rating: "basically_satisfied", resolved: true });

      // Co-handling; the citizen never answers.
      ids.co = (await createTicket(agent, { categoryCode: "sanitation" })).id;
      await run(agent, ids.co, "DISPATCH", { departmentId: dongcheng, coDepartmentIds: [xicheng] });
      await run(h1, ids.co, "SIGN");
      await run(h2, ids.co, "ASSIST_REPLY", { note: "已配合" });
      await replyAndApprove(h1, ids.co);
      for (let i = 0; i < 3; i++) await run(agent, ids.co, "CALLBACK", { rating: "unreachable" });

      // Extended, closed, reopened, closed again.
      ids.extended = (await createTicket(agent, { categoryCode: "property-mgmt" })).id;
      const ext = await run(agent, ids.extended, "DISPATCH", { departmentId: housing });
      await run(hHousing, ids.extended, "SIGN");
      const until = new Date(Date.parse(String(ext.dueAt)) + 3 * 86_400_000).toISOString();
      await run(hHousing, ids.extended, "REQUEST_EXTENSION", { until, reason: "需现场勘查" });
      await run(reviewer, ids.extended, "APPROVE_EXTENSION");
      await replyAndApprove(hHousing, ids.extended);
      await run(agent, ids.extended, "CALLBACK", { rating: "satisfied", resolved: true });
      await run(agent, ids.extended, "REOPEN", { reason: "问题复发" });
      await replyAndApprove(hHousing, ids.extended);
      await run(agent, ids.extended, "CALLBACK", { rating: "satisfied", resolved: false });

      // A duplicate, merged.
      const target = (await createTicket(agent)).id;
      ids.mergeTarget = target;
      ids.merged = (await createTicket(agent)).id;
      await run(agent, ids.merged, "MERGE", { intoTicketId: target });

      // Open: unsigned (and supervised), being handled with a warning, sub-dispatched, recalled and re-sent.
      ids.unsigned = (await createTicket(agent, { categoryCode: "water-supply" })).id;
      await run(agent, ids.unsigned, "DISPATCH", { departmentId: water });
      await run(manager, ids.unsigned, "SUPERVISE", { level: 2, note: "尽快签收" });
      ids.warned = (await createTicket(agent)).id;
      await run(agent, ids.warned, "DISPATCH", { departmentId: dongcheng });
      await run(h1, ids.warned, "SIGN");
      await run(h1, ids.warned, "FIRST_RESPONSE", { note: "已联系" }); // no first-response timers left
      // Its resolution warning fires (just before the deadline: the overdue is not due yet).
      const warned = await s.db.ticket.findUniqueOrThrow({ where: { id: ids.warned } });
      const fired = await s.timers.fire(
        { ticketId: warned.id, deadlineVersion: warned.deadlineVersion, kind: "resolve-warning" },
        new Date((warned.dueAt as Date).getTime() - 1),
      );
      expect(fired.applied).toEqual(["resolve-warning"]);
      ids.sub = (await createTicket(agent)).id;
      await run(agent, ids.sub, "DISPATCH", { departmentId: dongcheng });
      await run(h1, ids.sub, "SIGN");
      await run(h1, ids.sub, "SUB_DISPATCH", { departmentId: hepingli });
      await run(h3, ids.sub, "FIRST_RESPONSE", { note: "街道已上门" });
      ids.recalled = (await createTicket(agent, { channel: "web" })).id;
      await run(agent, ids.recalled, "DISPATCH", { departmentId: xicheng });
      await run(agent, ids.recalled, "RECALL", { reason: "派错" });
      await run(agent, ids.recalled, "DISPATCH", { departmentId: water });
      await run(hWater, ids.recalled, "SIGN");
      await statsSettled(s);
    }, 120_000);
    afterAll(async () => sys?.stop());

    describe("incremental rollups", () => {
      it("equal a full rebuild exactly, and the rebuild finds nothing to correct", async () => {
        const before = await snapshotRollups(s.stats.pool);
        expect(before.ticketFacts?.length).toBeGreaterThan(10);
        const report = await s.stats.rebuild();
        expect(report.changes).toEqual({
          ticketFacts: 0,
          dispatchFacts: 0,
          daily: 0,
          dispatchDaily: 0,
          open: 0,
        });
        expect(await snapshotRollups(s.stats.pool)).toEqual(before);
      });

      it("the API returns metrics.ts over the tickets as stored", async () => {
        const agent = await sys.as("agent1");
        const summary = await agent.get("/api/v1/stats/summary");
        expect(summary.status).toBe(200);
        expect(summary.body).toEqual(await expectedFigures(s));
        expect(summary.body).toMatchObject({
          received: 11, // 12 created, one merged
          closed: 6,
          returnRate: 1 / 10, // ten lead dispatches, one returned (the co-handling unit's is not counted)
          overdueOpen: 0,
          warnings: 1,
        });
      });

      it("processing a change twice (or all at once, concurrently) counts it once", async () => {
        const before = await snapshotRollups(s.stats.pool);
        const all = Object.values(ids);
        const results = await Promise.all(
          [...all, ...all].map((ticketId) => s.stats.processTicket(ticketId)),
        );
        expect(results.every((r) => !r.changed)).toBe(true);
        // The outbox again for the same tickets, twice each: draining it changes nothing.
        await s.stats.pool.query(
          "INSERT INTO stats_outbox (ticket_id, bump) SELECT id, true FROM unnest($1::int[]) AS id, generate_series(1, 2)",
          [all],
        );
        await statsSettled(s);
        expect(await snapshotRollups(s.stats.pool)).toEqual(before);
      });

      it("a rebuild repairs rollups that drifted", async () => {
        const before = await snapshotRollups(s.stats.pool);
        await s.stats.pool.query("UPDATE stats_daily SET received = received + 5 WHERE category_id = 0");
        await s.stats.pool.query("DELETE FROM ticket_facts WHERE ticket_id = $1", [ids.normal]);
        await s.stats.pool.query("UPDATE stats_open_tickets SET due_at = now() - interval '1 day'");
        const report = await s.stats.rebuild();
        expect(report.changes.daily).toBeGreaterThan(0);
        expect(report.changes.ticketFacts).toBe(1);
        expect(report.changes.open).toBe(5); // every open ticket (the merge target is still registered)
        expect(await snapshotRollups(s.stats.pool)).toEqual(before);
      });
    });

    describe("stats API", () => {
      it("is for manager, admin, reviewer and agent; handlers get 403, no token 401", async () => {
        for (const user of ["manager1", "admin", "reviewer1", "agent1"]) {
          expect((await (await sys.as(user)).get("/api/v1/stats/summary")).status, user).toBe(200);
        }
        const handler = await sys.as("handler1");
        for (const path of ["summary", "departments", "trend", "categories", "overdue", "stream"]) {
          const res = await handler.get(`/api/v1/stats/${path}`);
          expect(res.status, path).toBe(403);
          expect(res.headers.get("content-type")).toContain("application/problem+json");
        }
        expect((await fetch(`${sys.url}/api/v1/stats/summary`)).status).toBe(401);
        expect((await (await sys.as("agent1")).post("/api/v1/import/tickets", "")).status).toBe(403);
      });

      it("filters by department subtree, category, channel and period", async () => {
        const agent = await sys.as("agent1");
        const dongcheng = await deptId(agent, "dongcheng");
        const byDept = await agent.get(`/api/v1/stats/summary?departmentId=${dongcheng}`);
        const subtree = (await s.org.tree()).subtreeIds(dongcheng);
        expect(byDept.body).toEqual(await expectedFigures(s, { departmentIds: subtree }));
        expect(byDept.body).toMatchObject({ received: 5, returnRate: 0 });

        const noise = await s.org.categoryByCode("noise");
        const byCat = await agent.get("/api/v1/stats/summary?categoryCode=noise");
        expect(byCat.body).toEqual(await expectedFigures(s, { categoryId: noise?.id }));
        const byChannel = await agent.get("/api/v1/stats/summary?channel=web");
        expect(byChannel.body).toEqual(await expectedFigures(s, { channel: "web" }));
        expect(byChannel.body).toMatchObject({ received: 2 });

        const tomorrow = new Date(Date.now() + 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
        const future = await agent.get(`/api/v1/stats/summary?from=${tomorrow}`);
        expect(future.status).toBe(422);
        const empty = await agent.get(`/api/v1/stats/summary?from=2020-01-01&to=2020-02-01`);
        expect(empty.body).toMatchObject({ received: 0, onTimeRate: null, satisfactionScore: null });
        const bad = await agent.get("/api/v1/stats/summary?departmentId=99999&from=2025-13-01");
        expect(bad.status).toBe(422);
        expect((bad.body as { errors: Record<string, string> }).errors).toHaveProperty("from");
        expect((await agent.get("/api/v1/stats/summary?categoryCode=nope")).status).toBe(422);
      });

      it("ranks departments, and exports the ranking as CSV for Excel", async () => {
        const admin = await sys.as("admin");
        const res = await admin.get<{ items: Array<Record<string, unknown>> }>("/api/v1/stats/departments");
        expect(res.status).toBe(200);
        const dongcheng = await deptId(admin, "dongcheng");
        const water = await deptId(admin, "water");
        const row = res.body.items.find((d) => d.departmentId === dongcheng);
        expect(row).toEqual({
          departmentId: dongcheng,
          departmentName: "东城区",
          ...(await expectedFigures(s, { departmentIds: [dongcheng] })),
          warnings: undefined,
        });
        // water: one returned dispatch, one unsigned dispatch, one recalled ticket it signed
        expect(res.body.items.find((d) => d.departmentId === water)).toMatchObject({ returnRate: 1 / 3 });
        expect(res.body.items.map((d) => d.received)).toEqual(
          [...res.body.items.map((d) => d.received as number)].sort((a, b) => b - a),
        );

        const csv = await fetch(`${sys.url}/api/v1/stats/departments?format=csv`, {
          headers: { authorization: `Bearer ${admin.token}` },
        });
        expect(csv.status).toBe(200);
        expect(csv.headers.get("content-type")).toContain("text/csv");
        expect(csv.headers.get("content-disposition")).toMatch(/attachment; filename="departments_.*\.csv"/);
        const bytes = new Uint8Array(await csv.arrayBuffer());
        expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM, for Excel
        const text = new TextDecoder().decode(bytes); // strips the BOM
        const lines = text.trimEnd().split("\r\n");
        expect(lines[0]).toBe(
          "部门ID,部门,受理量,办结量,办结率,按时办结率,按时签收率,满意率,满意度,解决率,重办率,退单率,超期未办结",
        );
        expect(lines).toHaveLength(res.body.items.length + 1);
        expect(lines.find((l) => l.startsWith(`${dongcheng},东城区,`))).toBeTruthy();
        const viaAccept = await admin.request<string>("GET", "/api/v1/stats/departments", undefined, {
          accept: "text/csv",
        });
        expect(viaAccept.body).toBe(text);
      });

      it("trend, categories and the overdue list", async () => {
        const agent = await sys.as("agent1");
        const trend = await agent.get<{ items: Array<{ period: string; received: number }> }>(
          "/api/v1/stats/trend?granularity=day",
        );
        expect(trend.body.items).toHaveLength(30);
        expect(trend.body.items.reduce((n, p) => n + p.received, 0)).toBe(11);
        const month = await agent.get<{ items: Array<{ period: string }> }>(
          "/api/v1/stats/trend?granularity=month",
        );
        // The first bucket starts with the period (see dashboard-drill.test.ts), the others on the 1st.
        expect(month.body.items.slice(1).every((p) => p.period.endsWith("-01"))).toBe(true);

        const cats = await agent.get<{ items: Array<Record<string, unknown>> }>(
          "/api/v1/stats/categories?limit=2",
        );
        expect(cats.body.items).toEqual([
          { categoryCode: "noise", categoryName: "噪声扰民", received: 6, previousReceived: 0, change: null },
          {
            categoryCode: "water-supply",
            categoryName: "供水问题",
            received: 2,
            previousReceived: 0,
            change: null,
          },
        ]);

        const overdue = await agent.get<{ items: Array<Record<string, unknown>> }>("/api/v1/stats/overdue");
        expect(overdue.body.items).toEqual([
          expect.objectContaining({
            id: ids.unsigned,
            supervisionLevel: 2,
            status: "dispatched",
            departmentName: "市水务集团",
          }),
        ]);
      });

      it("streams summary-changed when the rollups change", async () => {
        const agent = await sys.as("agent1");
        const ctrl = new AbortController();
        const res = await fetch(`${sys.url}/api/v1/stats/stream`, {
          headers: { authorization: `Bearer ${agent.token}` },
          signal: ctrl.signal,
        });
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toContain("text/event-stream");
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        const decoder = new TextDecoder();
        let text = "";
        const until = async (needle: string, ms: number) => {
          const deadline = Date.now() + ms;
          while (!text.includes(needle)) {
            if (Date.now() > deadline) throw new Error(`no ${needle} in ${text}`);
            const { value, done } = await reader.read();
            if (done) throw new Error("stream ended");
            text += decoder.decode(value);
          }
        };
        await until("event: ready", 5000);
        const started = Date.now();
        const t = await createTicket(agent);
        await run(agent, t.id, "ANSWER_DIRECTLY", { answer: "已解答" });
        await until("event: summary-changed", 5000);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(text).toMatch(/data: \{"version":"\d+","at":"[^"]+"\}/);
        ctrl.abort();
      });
    });
  });
}
