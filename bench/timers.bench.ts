import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { seedDemo } from "../prisma/seed.ts";
import { loadConfig } from "../src/config.ts";
import { TIMERS_QUEUE } from "../src/jobs/catalog.ts";
import { createServices, type Services } from "../src/system.ts";
import { initialContext } from "../src/tickets/ticket.machine.ts";
import { startTimerWorkers } from "../workers/timers.worker.ts";
import { arg, benchDatabase, fmt, freshDatabase, percentile, rawPgTransactionsPerSecond } from "./common.ts";

export interface TimerBenchOptions {
  adminUrl: string;
  /** Open tickets, each with a resolution deadline in the measured window (default 100,000). */
  tickets: number;
  backend: "postgres" | "redis";
  /** Redis for the redis backend (default REDIS_URL, else redis://127.0.0.1:6379). */
  redisUrl?: string;
  /** Deadlines are spread evenly over this many seconds (default 300). */
  spreadSeconds: number;
  /** Seconds between the end of the bulk insert and the first deadline, for scheduling (default 90). */
  leadSeconds: number;
  /** Due windows the timer worker applies in parallel (default: the worker's own, 4). */
  concurrency?: number;
  /** Tickets whose deadlines all fall on one instant after the window, to measure capacity (default 2,000). */
  burst: number;
}

export interface TimerBenchResult {
  backend: string;
  tickets: number;
  scheduled: number;
  scheduleSeconds: number;
  due: number;
  fired: number;
  missed: number;
  doubled: number;
  latenessMs: { p50: number; p99: number; max: number };
  burst: { tickets: number; drainSeconds: number; firesPerSecond: number; p99Ms: number };
  bytesPerPendingTimer: number;
  ledgerBytesPerTimer: number;
  baseline: { label: string; perSecond: number };
}

/**
 * SLA timers at volume. N open tickets (bulk SQL, status processing, warning already shown) get
 * resolution deadlines spread over the next few minutes; their timers are scheduled through the
 * real TimerScheduler.sync path (ledger rows + the BullMQ wake-up jobs of their due windows, as
 * the hooks do): per ticket the overdue inside the window and two escalations a working day
 * later, which stay pending. The timer worker (with its reconciliation) runs as in production.
 * Measured: lateness of each RESOLVE_OVERDUE (event time − due time), missed and doubled effects,
 * queue storage per pending timer, and the capacity to drain a burst of simultaneous deadlines,
 * next to a raw baseline measured in the same run.
 */
export async function runTimerBench(
  input: Pick<TimerBenchOptions, "adminUrl"> & Partial<TimerBenchOptions>,
): Promise<TimerBenchResult> {
  const opts: TimerBenchOptions = {
    tickets: 100_000,
    backend: "postgres",
    spreadSeconds: 300,
    leadSeconds: 90,
    burst: 2_000,
    ...input,
  };
  const url = await freshDatabase(opts.adminUrl, `hotline_bench_timers_${opts.backend}`);
  const redisUrl =
    opts.backend === "redis"
      ? (opts.redisUrl ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379")
      : undefined;
  const prefix = `bench_${randomBytes(3).toString("hex")}`;
  const config = loadConfig({
    DATABASE_URL: url,
    REDIS_URL: redisUrl,
    HOTLINE_WORKERS: "none",
    HOTLINE_ADMIN_PASSWORD: "bench-admin-pw",
    LOG_LEVEL: "silent",
  });
  const s = await createServices(config, url, { queuePrefix: prefix });
  await seedDemo(s);
  const category = await s.org.categoryByCode("noise");
  const department = await s.db.department.findUniqueOrThrow({ where: { code: "ecology" } });
  // Calendar clock, so the figures do not depend on the hour the bench runs at.
  await s.sla.putPolicy("noise", "normal", {
    signWithin: "PT4H",
    firstResponseWithin: "P1D",
    resolveWithin: "P5D",
    callbackWithin: "P2D",
    clock: "calendar",
  });
  const sql = new pg.Pool({ connectionString: url, max: 4 });
  const log = (msg: string) => console.log(`[timers:${opts.backend}] ${msg}`);

  // ---- tickets ------------------------------------------------------------------------------
  const t0 = Date.now();
  const insertStart = Date.now();
  const insert = async (count: number, firstDueMs: number, spreadMs: number) => {
    const ctx = { ...initialContext(), departmentId: department.id, dispatchCount: 1 };
    ctx.flags.resolveWarning = true; // shown long ago: only the overdue falls in the window
    const { rows } = await sql.query<{ id: number }>(
      `INSERT INTO tickets (channel, status, version, citizen_name, citizen_phone, category_id, urgency,
                            title, description, department_id, context, dispatch_count, deadline_version,
                            dispatched_at, sign_by, signed_at, due_at, created_by_id)
       SELECT 'phone', 'processing', 3, '市民', '13800000000', $1, 'normal', '基准工单 ' || g, '计时器基准',
              $2, $3::jsonb, 1, 1, now() - interval '2 days', now() - interval '47 hours',
              now() - interval '47 hours',
              to_timestamp(($4::bigint + (g - 1) * $5::float8 / $6) / 1000.0), 1
         FROM generate_series(1, $6) g
       RETURNING id`,
      [category?.id, department.id, JSON.stringify(ctx), firstDueMs, spreadMs, count],
    );
    return rows.map((r) => r.id);
  };
  // Deadlines start `lead` seconds after the insert; the insert itself takes a few seconds.
  const firstDue = Date.now() + opts.leadSeconds * 1000;
  const spreadMs = opts.spreadSeconds * 1000;
  const ids = await insert(opts.tickets, firstDue, spreadMs);
  log(`inserted ${ids.length} tickets in ${fmt((Date.now() - insertStart) / 1000)} s`);

  // ---- scheduling through the real path ----------------------------------------------------
  const storageBefore = await queueStorage(s, sql, redisUrl, prefix);
  const schedStart = Date.now();
  let scheduled = 0;
  for (let i = 0; i < ids.length; i += 1000) {
    scheduled += (await s.timers.sync(ids.slice(i, i + 1000))).pending;
  }
  const scheduleSeconds = (Date.now() - schedStart) / 1000;
  const storageAfter = await queueStorage(s, sql, redisUrl, prefix);
  const ledger = await sql.query<{ bytes: string; n: string }>(
    "SELECT pg_total_relation_size('timer_firings') AS bytes, (SELECT count(*) FROM timer_firings) AS n",
  );
  const bytesPerPendingTimer = (storageAfter - storageBefore) / Math.max(1, scheduled);
  const ledgerBytesPerTimer = Number(ledger.rows[0]?.bytes) / Math.max(1, Number(ledger.rows[0]?.n));
  log(
    `scheduled ${scheduled} pending timers in ${fmt(scheduleSeconds)} s (${fmt(scheduled / scheduleSeconds, 0)}/s); ` +
      `queue ${fmt(bytesPerPendingTimer, 0)} B/timer, ledger ${fmt(ledgerBytesPerTimer, 0)} B/row`,
  );
  if (Date.now() > firstDue)
    log(`WARNING: scheduling overran the lead time by ${fmt((Date.now() - firstDue) / 1000)} s`);
  // Workers start after the bulk scheduling (in production they run all along; here the startup
  // reconciliation would otherwise re-plan tickets the loop above has not reached yet).
  const replanStart = Date.now();
  await s.timers.reconcile({ replan: true });
  log(
    `a full reconciliation pass over ${ids.length} open tickets took ${fmt((Date.now() - replanStart) / 1000, 2)} s`,
  );
  const stopWorkers = await startTimerWorkers(
    s,
    opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {},
  );

  // ---- the window ---------------------------------------------------------------------------
  const fired = async (list: number[]) => {
    const { rows } = await sql.query<{ n: string }>(
      "SELECT count(*) AS n FROM ticket_events WHERE type = 'RESOLVE_OVERDUE' AND ticket_id = ANY($1::int[])",
      [list],
    );
    return Number(rows[0]?.n);
  };
  // Until every deadline of the window has its effect, however late (a backlog is reported as
  // lateness, not as missed); "missed" is what never arrives: nothing new for 60 s.
  let last = -1;
  let lastProgress = Date.now();
  for (;;) {
    await sleep(5_000);
    const done = await fired(ids);
    log(`t+${fmt((Date.now() - firstDue) / 1000, 0)} s: ${done}/${ids.length} overdue applied`);
    if (done !== last) lastProgress = Date.now();
    last = done;
    if (done >= ids.length || (Date.now() > firstDue + spreadMs && Date.now() - lastProgress > 60_000)) break;
  }
  // ---- the burst: capacity, once the window is drained --------------------------------------
  const burstAt = Date.now() + 20_000;
  const burstIds = opts.burst > 0 ? await insert(opts.burst, burstAt, 0) : [];
  for (let i = 0; i < burstIds.length; i += 1000) await s.timers.sync(burstIds.slice(i, i + 1000));
  const all = [...ids, ...burstIds];
  let burstDone = burstAt;
  if (burstIds.length) {
    for (;;) {
      await sleep(1_000);
      if ((await fired(burstIds)) >= burstIds.length || Date.now() > burstAt + 300_000) break;
    }
    const last = await sql.query<{ at: Date }>(
      "SELECT max(at) AS at FROM ticket_events WHERE type = 'RESOLVE_OVERDUE' AND ticket_id = ANY($1::int[])",
      [burstIds],
    );
    burstDone = last.rows[0]?.at?.getTime() ?? burstAt;
  }
  await sleep(2_000); // room for a duplicate to show

  // ---- figures ------------------------------------------------------------------------------
  const lateness = async (list: number[]) => {
    const { rows } = await sql.query<{ ms: number }>(
      `SELECT (extract(epoch FROM e.at - (e.payload->>'dueAt')::timestamptz) * 1000)::float8 AS ms
         FROM ticket_events e WHERE e.type = 'RESOLVE_OVERDUE' AND e.ticket_id = ANY($1::int[])`,
      [list],
    );
    return rows.map((r) => r.ms).sort((a, b) => a - b);
  };
  const late = await lateness(ids);
  const burstLate = await lateness(burstIds);
  const missed = await sql.query<{ n: string }>(
    `SELECT count(*) AS n FROM tickets t
      WHERE t.id = ANY($1::int[]) AND t.due_at <= now()
        AND NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.id AND e.type = 'RESOLVE_OVERDUE')`,
    [all],
  );
  const doubled = await sql.query<{ n: string }>(
    `SELECT count(*) AS n FROM (
       SELECT ticket_id, type, payload->>'kind' FROM ticket_events
        WHERE actor_role = 'system' AND ticket_id = ANY($1::int[])
        GROUP BY 1, 2, 3, payload->>'deadlineVersion' HAVING count(*) > 1) d`,
    [all],
  );
  await stopWorkers();

  const baseline =
    opts.backend === "postgres"
      ? {
          label: "raw PostgreSQL write tx/s",
          perSecond: await rawPgTransactionsPerSecond(url, BASELINE_CONNECTIONS),
        }
      : {
          label: "raw Redis ZADD+HSET round trips/s",
          perSecond: await rawRedisOpsPerSecond(redisUrl as string, BASELINE_CONNECTIONS),
        };
  const drainSeconds = (burstDone - burstAt) / 1000;
  const result: TimerBenchResult = {
    backend: opts.backend,
    tickets: opts.tickets,
    scheduled,
    scheduleSeconds,
    due: all.length,
    fired: late.length + burstLate.length,
    missed: Number(missed.rows[0]?.n),
    doubled: Number(doubled.rows[0]?.n),
    latenessMs: {
      p50: percentile(late, 50),
      p99: percentile(late, 99),
      max: late[late.length - 1] ?? Number.NaN,
    },
    burst: {
      tickets: burstIds.length,
      drainSeconds,
      firesPerSecond: burstIds.length / Math.max(0.001, drainSeconds),
      p99Ms: percentile(burstLate, 99),
    },
    bytesPerPendingTimer,
    ledgerBytesPerTimer,
    baseline,
  };
  print(result, (Date.now() - t0) / 1000);

  await sql.end();
  if (redisUrl) await dropRedisPrefix(redisUrl, prefix);
  await s.queues.close();
  await s.db.$disconnect();
  return result;
}

function print(r: TimerBenchResult, seconds: number) {
  const ok = r.latenessMs.p99 < 1000 && r.missed === 0 && r.doubled === 0;
  console.log(`
SLA timers, ${r.backend} queue backend (${fmt(seconds, 0)} s)
  open tickets ............ ${r.tickets.toLocaleString("en")} (+ ${r.burst.tickets} in the burst)
  pending timers scheduled  ${r.scheduled.toLocaleString("en")} in ${fmt(r.scheduleSeconds)} s (${fmt(r.scheduled / r.scheduleSeconds, 0)}/s)
  overdue applied ......... ${r.fired.toLocaleString("en")} of ${r.due.toLocaleString("en")} due
  lateness p50 / p99 / max  ${fmt(r.latenessMs.p50, 0)} / ${fmt(r.latenessMs.p99, 0)} / ${fmt(r.latenessMs.max, 0)} ms
  missed / doubled ........ ${r.missed} / ${r.doubled}
  burst of ${r.burst.tickets} at one instant: drained in ${fmt(r.burst.drainSeconds)} s = ${fmt(r.burst.firesPerSecond, 0)} timers/s (p99 ${fmt(r.burst.p99Ms, 0)} ms)
  queue storage ........... ${fmt(r.bytesPerPendingTimer, 0)} bytes per pending timer (+ ledger ${fmt(r.ledgerBytesPerTimer, 0)} bytes per row)
  baseline ................ ${fmt(r.baseline.perSecond, 0)} ${r.baseline.label}
  capacity / baseline ..... ${fmt(r.burst.firesPerSecond / r.baseline.perSecond, 3)}
  target (p99 < 1 s, none missed, none doubled): ${ok ? "met" : "NOT met"}
`);
}

/** Bytes the timers queue occupies: Redis keys under the prefix, or the BullMQ schema's tables. */
async function queueStorage(s: Services, sql: pg.Pool, redisUrl: string | undefined, prefix: string) {
  if (s.queues.kind === "redis" && redisUrl) {
    const r = new Redis(redisUrl);
    let bytes = 0;
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}:${TIMERS_QUEUE}:*`, "COUNT", 1000);
      cursor = next;
      const sizes = await Promise.all(keys.map((k) => r.memory("USAGE", k, "SAMPLES", 0)));
      for (const n of sizes) bytes += Number(n ?? 0);
    } while (cursor !== "0");
    r.disconnect();
    return bytes;
  }
  const { rows } = await sql.query<{ bytes: string }>(
    `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bytes
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'bullmq' AND c.relkind = 'r'`,
  );
  return Number(rows[0]?.bytes);
}

async function rawRedisOpsPerSecond(url: string, concurrency: number, seconds = 3): Promise<number> {
  const key = `bench_baseline_${randomBytes(3).toString("hex")}`;
  const until = Date.now() + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      const r = new Redis(url);
      let i = 0;
      while (Date.now() < until) {
        const id = `${w}:${i++}`;
        await r.multi().zadd(`${key}:z`, Date.now(), id).hset(`${key}:h:${id}`, "d", "x").exec();
        count++;
      }
      r.disconnect();
    }),
  );
  await dropRedisPrefix(url, key);
  return count / seconds;
}

async function dropRedisPrefix(url: string, prefix: string) {
  const r = new Redis(url);
  let cursor = "0";
  do {
    const [next, keys] = await r.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    if (keys.length) await r.unlink(...keys);
  } while (cursor !== "0");
  r.disconnect();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Connections of the raw baseline. */
const BASELINE_CONNECTIONS = 8;

// `npx tsx bench/timers.bench.ts [--tickets N] [--backend postgres|redis] [--spread s] [--lead s]`
if (import.meta.url === `file://${process.argv[1]}`) {
  const db = await benchDatabase();
  const backend = arg("backend", "postgres");
  if (backend !== "postgres" && backend !== "redis") throw new Error("--backend postgres|redis");
  await runTimerBench({
    adminUrl: db.adminUrl,
    backend,
    tickets: Number(arg("tickets", "100000")),
    spreadSeconds: Number(arg("spread", "300")),
    leadSeconds: Number(arg("lead", "90")),
    ...(arg("concurrency", "") ? { concurrency: Number(arg("concurrency", "")) } : {}),
    burst: Number(arg("burst", "2000")),
  });
  await db.stop();
  process.exit(0);
}
