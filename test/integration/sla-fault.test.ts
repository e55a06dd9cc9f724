import { Redis } from "ioredis";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { JOBS, TIMERS_QUEUE } from "../../src/jobs/catalog.ts";
import { startTimerWorkers } from "../../workers/timers.worker.ts";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import {
  type ApiClient,
  BACKENDS,
  type Backend,
  backendMissing,
  startTestSystem,
  type TestSystem,
} from "../helpers/system.ts";

/**
 * Faults the timers must survive: every queued job deleted while tickets are open (PostgreSQL:
 * the BullMQ schema's tables truncated; Redis: FLUSHDB of a database of its own), and workers
 * that were down while timers came due, then race their own queue on restart. Either way each
 * ticket ends with every timer exactly once, in order. Waits are on conditions read from the
 * database (every timer due, every ledger row settled), never on guessed durations.
 */
const redisBase = process.env.TEST_REDIS_URL;

type Ev = { type: string; actorRole: string; payload: Record<string, unknown> };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const LADDER = [
  "RESOLVE_WARNING:resolve-warning",
  "RESOLVE_OVERDUE:resolve-overdue",
  "SUPERVISE:resolve-escalate-1",
  "SUPERVISE:resolve-escalate-2",
];

/** Each Redis test runs on a database of its own (11, 12), which it may flush; no other file uses them. */
function redisUrlFor(backend: Backend, db: number): string | undefined {
  if (backend !== "redis" || !redisBase) return undefined;
  const u = new URL(redisBase);
  u.pathname = `/${db}`;
  return u.toString();
}

async function flushRedis(backend: Backend, db: number): Promise<void> {
  const url = redisUrlFor(backend, db);
  if (!url) return;
  const r = new Redis(url);
  await r.flushdb();
  r.disconnect();
}

async function timerTimeline(client: ApiClient, id: number): Promise<string[]> {
  const res = await client.get<{ items: Ev[] }>(`/api/v1/tickets/${id}/events`);
  expect(res.status).toBe(200);
  return res.body.items
    .filter((e) => e.actorRole === "system")
    .map((e) => `${e.type}:${String(e.payload.kind)}`);
}

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * Resolves once every resolution timer of these tickets in the ledger is due (by the wall clock).
 * The ladder under test is the resolution deadline's; the first response's timers are an hour away.
 */
async function untilAllDue(sys: TestSystem, ids: number[]): Promise<void> {
  const rows = await sys.system.services.db.$queryRaw<Array<{ last: Date | null }>>`
    SELECT max(due_at) AS last FROM timer_firings WHERE ticket_id = ANY(${ids}) AND kind LIKE 'resolve-%'`;
  const last = rows[0]?.last?.getTime();
  expect(last, "the tickets have timers").toBeDefined();
  await until(async () => Date.now() > (last ?? 0), 30_000, "every timer to be due");
}

/**
 * Resolves once no resolution timer of these tickets is pending and no due-window job that is already due
 * is left in the queue: a duplicate, if the code made one, is written by then. (Jobs of later
 * windows may stay: superseded timers keep their wake-up, which then finds nothing.)
 */
async function untilSettled(sys: TestSystem, ids: number[]): Promise<void> {
  const s = sys.system.services;
  await until(
    async () => {
      const rows = await s.db.$queryRaw<Array<{ n: bigint }>>`
        SELECT count(*) AS n FROM timer_firings
         WHERE ticket_id = ANY(${ids}) AND state = 'pending' AND kind LIKE 'resolve-%'`;
      const jobs = await s.queues.queue(TIMERS_QUEUE).getJobs(["wait", "delayed", "active", "prioritized"]);
      const dueJobs = jobs.filter(
        (j) => j?.name === JOBS.timerDue.name && j.timestamp + (j.opts.delay ?? 0) <= Date.now(),
      );
      return Number(rows[0]?.n) === 0 && dueJobs.length === 0;
    },
    30_000,
    "the timer ledger to settle",
  );
}

async function waitForLadders(client: ApiClient, ids: number[], timeoutMs: number): Promise<string[][]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const all = await Promise.all(ids.map((id) => timerTimeline(client, id)));
    if (all.every((t) => t.length >= LADDER.length) || Date.now() > until) return all;
    await sleep(250);
  }
}

/** Deletes every queued job (and the reconciliation scheduler) behind the workers' backs. */
async function wipeQueue(sys: TestSystem, backend: Backend, redisDb: number): Promise<number> {
  const s = sys.system.services;
  if (backend === "redis") {
    const r = new Redis(redisUrlFor(backend, redisDb) as string);
    const keys = await r.dbsize();
    await r.flushdb();
    r.disconnect();
    return keys;
  }
  const c = new pg.Client({ connectionString: s.databaseUrl });
  await c.connect();
  const { rows: schemas } = await c.query<{ nspname: string }>(
    "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bullmq%'",
  );
  let deleted = 0;
  for (const { nspname } of schemas) {
    const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM "${nspname}".job`);
    deleted += Number(rows[0]?.n ?? 0);
    const { rows: tables } = await c.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename NOT LIKE '%migration%'",
      [nspname],
    );
    // Row deletes beside the running workers (TRUNCATE's table locks can deadlock with them).
    for (const { tablename } of tables) {
      for (let attempt = 0; ; attempt++) {
        try {
          await c.query(`DELETE FROM "${nspname}"."${tablename}"`);
          break;
        } catch (err) {
          if (attempt >= 5 || (err as { code?: string }).code !== "40P01") throw err;
        }
      }
    }
  }
  await c.end();
  return deleted;
}

async function setPolicy(sys: TestSystem, resolveWithin: string) {
  const admin = await sys.as("admin");
  const res = await admin.put("/api/v1/sla-policies/noise/normal", {
    signWithin: "PT1H",
    firstResponseWithin: "PT1H",
    resolveWithin,
    callbackWithin: "PT1H",
    clock: "calendar",
  });
  expect(res.status).toBe(200);
}

async function openSignedTickets(sys: TestSystem, n: number): Promise<number[]> {
  const agent = await sys.as("agent1");
  const handler = await sys.as("handler1");
  const dongcheng = await deptId(agent, "dongcheng");
  return Promise.all(
    Array.from({ length: n }, async () => {
      const t = await createTicket(agent);
      expect((await agent.event(t.id, "DISPATCH", { departmentId: dongcheng })).status).toBe(200);
      expect((await handler.event(t.id, "SIGN")).status).toBe(200);
      return t.id;
    }),
  );
}

const ENV = {
  HOTLINE_ESCALATION_AFTER: "PT2S",
  HOTLINE_ESCALATION_CLOCK: "calendar",
  HOTLINE_TIMER_RECONCILE_SECONDS: "1",
};

for (const backend of BACKENDS)
  describe.skipIf(backendMissing(backend))(`timer faults on the ${backend} queue backend`, () => {
    it.concurrent("a queue wiped while tickets are open loses no escalation and doubles none", async () => {
      const sys = await startTestSystem({ backend, env: ENV, redisUrl: redisUrlFor(backend, 11) });
      try {
        await setPolicy(sys, "PT6S"); // warning 4.5 s, overdue 6 s, escalations 8 s and 10 s
        const ids = await openSignedTickets(sys, 8);
        expect(await wipeQueue(sys, backend, 11)).toBeGreaterThan(0);
        // Half the tickets also lose their timer ledger (as if their scheduling hook never ran):
        // the periodic re-plan finds them from the tickets table alone.
        await sys.system.services.db
          .$executeRaw`DELETE FROM timer_firings WHERE ticket_id = ANY(${ids.slice(0, 4)})`;
        const agent = await sys.as("agent1");
        const ladders = await waitForLadders(agent, ids, 25_000);
        await untilSettled(sys, ids);
        const final = await Promise.all(ids.map((id) => timerTimeline(agent, id)));
        expect(ladders).toEqual(ids.map(() => LADDER));
        expect(final).toEqual(ids.map(() => LADDER));
        for (const id of ids) {
          const t = await agent.get<Record<string, unknown>>(`/api/v1/tickets/${id}`);
          expect(t.body.supervisionLevel).toBe(3);
        }
      } finally {
        await sys.stop();
        await flushRedis(backend, 11);
      }
    }, 90_000);

    it.concurrent("workers down while timers come due catch up exactly once, in order, racing their own queue", async () => {
      const sys = await startTestSystem({
        backend,
        env: ENV,
        workers: false,
        redisUrl: redisUrlFor(backend, 12),
      });
      try {
        // Warning 4.5 s, overdue 6 s, escalations 8 s and 10 s: the tickets are signed long before
        // (a SIGN after a resolution timer came due would apply it: the deadline runs from dispatch).
        await setPolicy(sys, "PT6S");
        const s = sys.system.services;
        const ids = await openSignedTickets(sys, 8);
        await untilAllDue(sys, ids); // nothing has run: no workers
        const agent = await sys.as("agent1");
        expect(await Promise.all(ids.map((id) => timerTimeline(agent, id)))).toEqual(ids.map(() => []));

        const stop = await startTimerWorkers(s, { reconcileMs: 1_000 });
        try {
          const ladders = await waitForLadders(agent, ids, 15_000);
          expect(ladders).toEqual(ids.map(() => LADDER));
          // Replays: every job again, twice at once, and reconciliation again — no effect.
          const kinds = [
            "resolve-warning",
            "resolve-overdue",
            "resolve-escalate-1",
            "resolve-escalate-2",
          ] as const;
          const again = await Promise.all(
            ids.flatMap((ticketId) =>
              kinds.flatMap((kind) =>
                [1, 2].map(() => s.timers.fire({ ticketId, deadlineVersion: 1, kind })),
              ),
            ),
          );
          expect(again.flatMap((r) => r.applied)).toEqual([]);
          const report = await s.timers.reconcile({ replan: true });
          expect(report.applied).toBe(0);
          await untilSettled(sys, ids);
          expect(await Promise.all(ids.map((id) => timerTimeline(agent, id)))).toEqual(ids.map(() => LADDER));
        } finally {
          await stop();
        }
      } finally {
        await sys.stop();
        await flushRedis(backend, 12);
      }
    }, 90_000);
  });
