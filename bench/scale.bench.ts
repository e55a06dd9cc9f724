import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { appliesIn, isTimerKind, TIMER_KINDS, type TimerKind } from "../src/sla/timer-plan.ts";
import { rebuildAll } from "../src/stats/rollups.ts";
import type { TicketState } from "../src/tickets/ticket.machine.ts";
import {
  backendCpu,
  cpuTimes,
  dropRedisKeys,
  emptyRedisDb,
  gitState,
  machineBusy,
  type PgbenchResult,
  rssMiB,
  runPgbench,
} from "./api.bench.ts";
import {
  BENCH_ADMIN_PASSWORD,
  eachLine,
  fmt,
  freshDatabase,
  machineInfo,
  parseLogLine,
  percentile,
} from "./common.ts";
import type { LoadResult } from "./load-client.ts";

/**
 * Scale out, measured: `apis` API processes (`HOTLINE_WORKERS=none node --import tsx
 * src/main.ts`, each on its own port) and one worker process (`node --import tsx
 * workers/main.ts`) on ONE fresh database, driven by `bench/load-client.ts` in its own process
 * (clients spread over every API URL), with SLA timers short enough to fire during the run
 * (a calendar-clock policy of a few seconds for the load's category, escalation PT2S,
 * reconciliation every 2 s) and some lives left lying after DISPATCH, SIGN or APPROVE_REPLY so
 * warnings, overdues and escalations really come due. Midway the worker is killed with SIGKILL
 * and restarted `downSeconds` later while the load goes on.
 *
 * After the load it waits until the timer ledger holds nothing pending and the stats outbox is
 * empty, stops the processes, and checks from the database:
 * - timers once: no system effect twice per (ticket, kind, deadline version); every ledger row
 *   that is due is fired, or deferred because the ticket's status refuses it;
 * - 0 lost: replaying each ticket's user events against the policy gives every timer effect
 *   that came due before its stage ended (SIGN ends the sign timers, APPROVE_REPLY the
 *   resolution ones, CALLBACK the callback one); each must be in the timeline;
 * - rollups exact: the full rebuild (`rebuildAll`) changes nothing.
 * Prints the figures beside a same-run pgbench and writes `bench/results/scale-<timestamp>.json`.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS_DIR = resolve(ROOT, "bench/results");

/** Where the bench database is created when DATABASE_URL is not set. */
export const SCALE_DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test";

/** The policy set for the category and urgency the load client uses (calendar clock, seconds). */
export const SCALE_POLICY = {
  categoryCode: "noise",
  urgency: "normal",
  signWithin: "PT4S",
  firstResponseWithin: "PT6S",
  resolveWithin: "PT8S",
  callbackWithin: "PT4S",
  clock: "calendar",
} as const;
const ESCALATION_AFTER = "PT2S";
const RECONCILE_SECONDS = 2;
/** How long a policy stays cached in a process (sla.service.ts CACHE_MS), plus a margin. */
const POLICY_CACHE_WAIT_MS = 5_500;
const TIME_ZONE = "Asia/Shanghai";

export interface ScaleBenchOptions {
  adminUrl: string;
  backend: "postgres" | "redis";
  /** API processes (default 2). */
  apis: number;
  clients: number;
  /** Recorded load window, seconds (after the warm-up). */
  seconds: number;
  warmupSeconds: number;
  /** The worker is killed this many seconds into the recorded window … */
  killAtSeconds: number;
  /** … and started again this many seconds later. */
  downSeconds: number;
  /** The load client's `--linger` (which lives pause after which step, how long). */
  linger: string;
  /** Redis for the redis backend: REDIS_URL, else redis://127.0.0.1:6379 (an empty db index is used). */
  redisUrl?: string;
  /** Keep the bench database afterwards (it is also kept when a check fails). */
  keep: boolean;
  pgbench: { scale: number; clients: number; threads: number; seconds: number };
}

export async function runScaleBench(opts: ScaleBenchOptions) {
  const suffix = randomBytes(3).toString("hex");
  const appDb = `hotline_bench_scale_${suffix}`;
  const pgbenchDb = `hotline_bench_scale_pgbench_${suffix}`;
  const log = (msg: string) => console.log(`[scale] ${msg}`);
  const admin = new pg.Client({ connectionString: opts.adminUrl });
  await admin.connect();
  const cleanups: Array<() => Promise<unknown>> = [];
  const procs = new Set<NodeProcess>();
  const spawned: NodeProcess[] = [];
  let keepDb = opts.keep;
  try {
    const busyBefore = await machineBusy(2000);
    const loadBefore = os.loadavg();
    log(
      `machine: ${os.cpus().length} cores, ${fmt(busyBefore * 100, 0)}% busy before the run, load average ${loadBefore.map((l) => fmt(l, 2)).join(" ")}`,
    );
    if (busyBefore > 0.25)
      log("WARNING: the machine is busy before the run: throughput and latency will be low");
    const serverVersion = ((await admin.query("SHOW server_version")).rows[0] as { server_version: string })
      .server_version;

    const redis =
      opts.backend === "redis"
        ? await emptyRedisDb(opts.redisUrl ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379")
        : undefined;
    if (redis) {
      log(`redis backend on db ${redis.db}`);
      cleanups.push(() => dropRedisKeys(redis.url, "hotline:*"));
    }

    // The same-run baseline first, while none of our processes runs.
    const pgbenchUrl = await freshDatabase(opts.adminUrl, pgbenchDb);
    cleanups.push(() => admin.query(`DROP DATABASE IF EXISTS "${pgbenchDb}" WITH (FORCE)`));
    const { scale, clients, threads, seconds } = opts.pgbench;
    log(`pgbench -i -s ${scale}, then -c ${clients} -j ${threads} -T ${seconds} …`);
    const baseline = await runPgbench(pgbenchUrl, opts.pgbench);
    if (baseline)
      log(`pgbench: ${fmt(baseline.tps, 0)} tps, latency average ${fmt(baseline.latencyMs, 2)} ms`);
    await admin.query("CHECKPOINT").catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS "${pgbenchDb}" WITH (FORCE)`);

    // One database: migrated and loaded with the demo organisation once, by prisma/seed.ts.
    const appUrl = await freshDatabase(opts.adminUrl, appDb);
    cleanups.push(async () => {
      if (keepDb) log(`kept database ${appDb} for inspection (DROP DATABASE "${appDb}" WITH (FORCE))`);
      else await admin.query(`DROP DATABASE IF EXISTS "${appDb}" WITH (FORCE)`);
    });
    const env: Record<string, string> = {
      DATABASE_URL: appUrl,
      REDIS_URL: redis?.url ?? "", // empty is unset: the PostgreSQL queue backend
      HOTLINE_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
      HOTLINE_ESCALATION_AFTER: ESCALATION_AFTER,
      HOTLINE_ESCALATION_CLOCK: "calendar",
      HOTLINE_TIMER_RECONCILE_SECONDS: String(RECONCILE_SECONDS),
      HOTLINE_TIME_ZONE: TIME_ZONE,
      LOG_LEVEL: "info",
    };
    let t = performance.now();
    const seed = startNode("seed", ["prisma/seed.ts"], { ...env, PGAPPNAME: "hotline-seed" }, procs, spawned);
    const seeded = await seed.exited;
    if (seeded.code !== 0) throw new Error(`prisma/seed.ts exited with ${seeded.code}:\n${seed.tail()}`);
    log(`database ${appDb} migrated and seeded in ${fmt((performance.now() - t) / 1000)} s`);

    // N API processes and the worker, started together.
    t = performance.now();
    const apis = Array.from({ length: opts.apis }, (_, i) =>
      startNode(
        `api-${i + 1}`,
        ["src/main.ts"],
        { ...env, HOTLINE_WORKERS: "none", PORT: "0", HOST: "127.0.0.1", PGAPPNAME: `hotline-api-${i + 1}` },
        procs,
        spawned,
      ),
    );
    const workerEnv = { ...env, PGAPPNAME: "hotline-worker" };
    const workers: NodeProcess[] = [startNode("worker", ["workers/main.ts"], workerEnv, procs, spawned)];
    const urls = await Promise.all(
      apis.map(async (a) => {
        const url = (await a.waitFor(/is listening on (http:\/\/\S+)/, 180_000))[1] as string;
        a.ready = true;
        return url;
      }),
    );
    await (workers[0] as NodeProcess).waitFor(/"msg":"workers running"/, 180_000);
    (workers[0] as NodeProcess).ready = true;
    log(
      `${opts.apis} API processes (${urls.join(", ")}) and 1 worker started in ${fmt((performance.now() - t) / 1000)} s`,
    );

    // The short policy, set as admin through one API; every process sees it once its cache expires.
    const policy = await putPolicy(urls[0] as string);
    await sleep(POLICY_CACHE_WAIT_MS);
    log(
      `policy ${SCALE_POLICY.categoryCode}/${SCALE_POLICY.urgency}: sign ${policy.signWithin}, resolve ${policy.resolveWithin}, callback ${policy.callbackWithin} (${policy.clock}); escalation ${ESCALATION_AFTER}; reconcile every ${RECONCILE_SECONDS} s`,
    );

    // The load, and the worker killed and restarted under it.
    log(
      `load client: ${opts.clients} clients over ${urls.length} URLs, ${opts.warmupSeconds} s warm-up + ${opts.seconds} s recorded, linger ${opts.linger}; worker SIGKILL at ${opts.killAtSeconds} s, restart ${opts.downSeconds} s later …`,
    );
    const outage: {
      killedAt: number;
      restartedAt: number;
      readyAt: number;
      killedPid: number;
      newPid: number;
    } = { killedAt: Number.NaN, restartedAt: Number.NaN, readyAt: Number.NaN, killedPid: 0, newPid: 0 };
    let windowStart = Number.NaN;
    let sampler: Sampler | undefined;
    const currentWorker = () => workers[workers.length - 1] as NodeProcess;
    let loadStarted: (at: number) => void = () => {};
    let loadFailed: (err: unknown) => void = () => {};
    const started = new Promise<number>((res, rej) => {
      loadStarted = res;
      loadFailed = rej;
    });
    const chaos = (async () => {
      const loopsAt = await started;
      windowStart = loopsAt + opts.warmupSeconds * 1000;
      await sleep(windowStart - Date.now());
      sampler = startSampler(admin, appDb, () => [...apis, currentWorker()]);
      await sleep(windowStart + opts.killAtSeconds * 1000 - Date.now());
      const victim = currentWorker();
      outage.killedPid = victim.pid;
      sampler.mark(victim); // its CPU up to now
      victim.kill("SIGKILL");
      outage.killedAt = Date.now();
      await victim.exited;
      log(`worker pid ${victim.pid} killed (SIGKILL) at ${fmt((outage.killedAt - windowStart) / 1000)} s`);
      await sleep(outage.killedAt + opts.downSeconds * 1000 - Date.now());
      outage.restartedAt = Date.now();
      const next = startNode("worker", ["workers/main.ts"], workerEnv, procs, spawned);
      workers.push(next);
      outage.newPid = next.pid;
      await next.waitFor(/"msg":"workers running"/, 180_000);
      next.ready = true;
      outage.readyAt = Date.now();
      log(
        `worker restarted (pid ${next.pid}) at ${fmt((outage.restartedAt - windowStart) / 1000)} s, running after ${fmt((outage.readyAt - outage.restartedAt) / 1000)} s`,
      );
    })();
    const loadRun = runLoadClient(urls, opts, () => loadStarted(Date.now())).catch((err) => {
      loadFailed(err);
      throw err;
    });
    const [load] = await Promise.all([loadRun, chaos]);
    await (sampler as Sampler).loadEnded();
    const loadEnd = Date.now();

    // Drain: nothing pending in the ledger (every timer came due and was applied), outbox empty.
    log("waiting for the timer ledger and the stats outbox to drain …");
    const drain = await waitForDrain(appUrl, 240_000);
    log(
      drain.drained
        ? `drained ${fmt((drain.at - loadEnd) / 1000)} s after the load ended`
        : `NOT drained after ${fmt((drain.at - loadEnd) / 1000)} s: ${JSON.stringify(drain.last)}`,
    );

    const during = await (sampler as Sampler).stop();
    const exits: Record<string, { code: number | null; signal: string | null }> = {};
    await Promise.all(
      [...apis, currentWorker()].map(async (p) => {
        exits[`${p.name}:${p.pid}`] = await p.stop();
      }),
    );
    const checkedAt = Date.now();

    // Verification, on the database alone.
    const pool = new pg.Pool({ connectionString: appUrl, max: 2 });
    // pool.end() resolves before its sockets are closed: the DROP DATABASE … WITH (FORCE) of the
    // cleanup may still reach one, which must not crash the bench.
    pool.on("error", () => {});
    let verification: Verification;
    let rebuild: Awaited<ReturnType<typeof rebuildAll>>;
    try {
      verification = await verifyTimers(pool, checkedAt, outage);
      rebuild = await rebuildAll(pool, TIME_ZONE);
    } finally {
      await pool.end();
    }
    const rollupsExact = Object.values(rebuild.changes).every((n) => n === 0);
    const verdicts = {
      timersOnce:
        verification.duplicates.length === 0 &&
        verification.ledger.pendingDue.length === 0 &&
        verification.ledger.deferredWithoutReason.length === 0 &&
        drain.drained,
      // The replay must match what the database stored, else its expectations are not to be trusted.
      zeroLost:
        verification.lostCount === 0 &&
        verification.unmodelledTickets.length === 0 &&
        verification.consistency.versionMismatches.length === 0 &&
        verification.consistency.signByMismatches.length === 0 &&
        verification.consistency.dueAtMismatches.length === 0,
      rollupsExact,
    };
    const allPass = Object.values(verdicts).every(Boolean);
    if (!allPass) keepDb = true;

    const problems = Object.fromEntries(
      spawned.filter((p) => p.name !== "seed").map((p) => [`${p.name}:${p.pid}`, p.problems()]),
    );
    const result = {
      benchmark: "scale",
      timestamp: new Date().toISOString(),
      git: gitState(),
      machine: {
        ...machineInfo(serverVersion),
        cpuBusyBefore: busyBefore,
        cpuBusyDuring: during.machineCpuBusy,
        loadAverageBefore: loadBefore,
        loadAverageAfter: os.loadavg(),
      },
      options: {
        ...opts,
        adminUrl: undefined,
        redisDb: redis?.db ?? null,
        policy: SCALE_POLICY,
        escalationAfter: ESCALATION_AFTER,
        reconcileSeconds: RECONCILE_SECONDS,
        processes: {
          api: "HOTLINE_WORKERS=none node --import tsx src/main.ts",
          worker: "node --import tsx workers/main.ts",
          seed: "node --import tsx prisma/seed.ts",
        },
      },
      load,
      baseline: baseline ?? { error: "pgbench not available" },
      ratio: baseline ? load.eventsPerSecond / baseline.tps : null,
      phases: phaseThroughput(load, windowStart, outage),
      outage: {
        windowStart: iso(windowStart),
        killedAt: iso(outage.killedAt),
        restartedAt: iso(outage.restartedAt),
        runningAt: iso(outage.readyAt),
        killedAtSecond: (outage.killedAt - windowStart) / 1000,
        restartedAtSecond: (outage.restartedAt - windowStart) / 1000,
        workerDownSeconds: (outage.readyAt - outage.killedAt) / 1000,
        restartToRunningSeconds: (outage.readyAt - outage.restartedAt) / 1000,
        killedPid: outage.killedPid,
        newPid: outage.newPid,
      },
      processes: during.processes,
      postgresCpuCores: during.postgresCpuCores,
      drain: { drained: drain.drained, secondsAfterLoad: (drain.at - loadEnd) / 1000, last: drain.last },
      exits,
      logs: problems,
      reconciliation: workers.map((w) => ({ pid: w.pid, ...w.reconciliation() })),
      timers: verification,
      rollups: rebuild,
      verdicts,
    };
    printReport(result, opts, baseline);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = resolve(RESULTS_DIR, `scale-${result.timestamp.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`results: ${relative(process.cwd(), file)}`);
    return result;
  } finally {
    await Promise.all([...procs].map((p) => p.stop().catch(() => {})));
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((err) => console.error(`cleanup: ${err}`));
    await admin.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Policy

async function putPolicy(url: string) {
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: BENCH_ADMIN_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  const { categoryCode, urgency, ...body } = SCALE_POLICY;
  const res = await fetch(`${url}/api/v1/sla-policies/${categoryCode}/${urgency}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`PUT sla policy: ${res.status} ${await res.text()}`);
  return (await res.json()) as typeof body;
}

/** "PT4S" → 4000 (the policy here is seconds only). */
function ms(duration: string): number {
  const m = /^PT(\d+)S$/.exec(duration);
  if (!m) throw new Error(`not PTnS: ${duration}`);
  return Number(m[1]) * 1000;
}

// ---------------------------------------------------------------------------------------------
// Processes

interface NodeProcess {
  name: string;
  pid: number;
  /** Set once it logged that it serves (listening, workers running): sampled from then on. */
  ready: boolean;
  exited: Promise<{ code: number | null; signal: string | null }>;
  running(): boolean;
  /** Resolves with the first log line (so far or from now on) matching `re`; rejects when the process exits first. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, SIGKILL after 30 s. */
  stop(): Promise<{ code: number | null; signal: string | null }>;
  tail(): string;
  problems(): { warnings: number; errors: number; samples: string[] };
  /** Totals of the worker's "timer reconciliation" log lines. */
  reconciliation(): { runs: number; applied: number; caughtUp: number; replanned: number };
}

function startNode(
  name: string,
  script: string[],
  env: Record<string, string>,
  registry: Set<NodeProcess>,
  all: NodeProcess[],
): NodeProcess {
  const child = spawn(process.execPath, ["--import", "tsx", ...script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<{ code: number | null; signal: string | null }>((res) =>
    child.once("exit", (code, signal) => {
      process.removeListener("exit", killOnExit);
      res({ code, signal });
    }),
  );
  const tail: string[] = [];
  /** The first lines, kept for `waitFor` (a ready line may come before anyone waits for it). */
  const early: string[] = [];
  const listeners = new Set<(line: string) => void>();
  let warnings = 0;
  let errors = 0;
  const samples: string[] = [];
  const recon = { runs: 0, applied: 0, caughtUp: 0, replanned: 0 };
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (early.length < 2000) early.push(line);
    const { level, json: j } = parseLogLine(line);
    if (j?.msg === "timer reconciliation") {
      recon.runs++;
      recon.applied += Number(j.applied ?? 0);
      recon.caughtUp += Number(j.caughtUp ?? 0);
      recon.replanned += Number(j.replanned ?? 0);
    }
    if (level >= 50) errors++;
    else if (level >= 40) warnings++;
    if (level >= 40 && samples.length < 5) samples.push(line.slice(0, 500));
    for (const l of listeners) l(line);
  };
  eachLine(child, onLine);
  const p: NodeProcess = {
    name,
    pid: child.pid as number,
    ready: false,
    exited,
    running: () => child.exitCode === null && child.signalCode === null,
    waitFor(re, timeoutMs) {
      for (const line of early) {
        const m = re.exec(line);
        if (m) return Promise.resolve(m);
      }
      return new Promise((res, rej) => {
        const timer = setTimeout(() => {
          listeners.delete(l);
          rej(new Error(`${name} did not log ${re} within ${timeoutMs} ms:\n${tail.join("\n")}`));
        }, timeoutMs);
        const l = (line: string) => {
          const m = re.exec(line);
          if (!m) return;
          listeners.delete(l);
          clearTimeout(timer);
          res(m);
        };
        listeners.add(l);
        exited.then(({ code, signal }) => {
          if (!listeners.has(l)) return;
          listeners.delete(l);
          clearTimeout(timer);
          rej(new Error(`${name} exited (${code ?? signal}) before logging ${re}:\n${tail.join("\n")}`));
        });
      });
    },
    kill: (signal) => {
      child.kill(signal);
    },
    async stop() {
      if (p.running()) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const out = await exited;
      clearTimeout(timer);
      registry.delete(p);
      return out;
    },
    tail: () => tail.join("\n"),
    problems: () => ({ warnings, errors, samples }),
    reconciliation: () => ({ ...recon }),
  };
  registry.add(p);
  all.push(p);
  return p;
}

async function runLoadClient(
  urls: string[],
  opts: ScaleBenchOptions,
  onStart: () => void,
): Promise<LoadResult> {
  const args = [
    "--import",
    "tsx",
    "bench/load-client.ts",
    "--url",
    urls.join(","),
    "--clients",
    String(opts.clients),
    "--seconds",
    String(opts.seconds),
    "--warmup",
    String(opts.warmupSeconds),
    "--linger",
    opts.linger,
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let buffered = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    buffered += c;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "load: loops started") onStart();
      else console.error(`[load] ${line}`);
    }
  });
  const code = await new Promise<number | null>((res, rej) => {
    child.once("error", rej);
    child.once("close", res);
  });
  const last = stdout.trim().split("\n").pop() ?? "";
  if (code !== 0 || !last.startsWith("{")) throw new Error(`load client exited with ${code}: ${stdout}`);
  return JSON.parse(last) as LoadResult;
}

// ---------------------------------------------------------------------------------------------
// What each process holds during the window

interface ProcessFigures {
  /** PostgreSQL connections with the process's application_name, sampled each second while it served. */
  connections: { max: number; mean: number; maxActive: number; samples: number };
  /** CPU used during the load window, in cores. */
  cpuCores: number;
  maxRssMiB: number;
}

interface Sampler {
  /** Takes a process's CPU reading now (before it is killed). */
  mark(p: NodeProcess): void;
  /** The load window ended: CPU figures are taken now; connections are sampled on until stop(). */
  loadEnded(): Promise<void>;
  stop(): Promise<{
    /** By `name:pid`. */
    processes: Record<string, ProcessFigures>;
    machineCpuBusy: number;
    /** CPU of the PostgreSQL backends serving the bench database, in cores (local server only). */
    postgresCpuCores: number;
  }>;
}

/** From the window's start: each process's PG connections (until stop), CPU and RSS (until loadEnded). */
function startSampler(admin: pg.Client, datname: string, current: () => NodeProcess[]): Sampler {
  const started = Date.now();
  const machine0 = cpuTimes(process.pid);
  let machine1 = machine0;
  let span = Number.NaN;
  let cpuFrozen = false;
  const backends0 = backendCpu(admin, datname);
  let backends1 = new Map<number, number>();
  const byKey = new Map<
    string,
    { conns: number[]; active: number[]; rss: number; cpu: [number, number] | undefined }
  >();
  const entry = (p: NodeProcess) => {
    const key = `${p.name}:${p.pid}`;
    let e = byKey.get(key);
    if (!e) {
      e = { conns: [], active: [], rss: 0, cpu: undefined };
      byKey.set(key, e);
    }
    return e;
  };
  const readCpu = (p: NodeProcess) => {
    if (cpuFrozen) return;
    const s = cpuTimes(p.pid).server;
    if (!Number.isFinite(s)) return;
    const e = entry(p);
    e.cpu = [e.cpu ? e.cpu[0] : s, s];
    e.rss = Math.max(e.rss, rssMiB(p.pid));
  };
  for (const p of current()) if (p.ready) readCpu(p);
  const sample = async () => {
    const procs = current().filter((p) => p.running() && p.ready);
    for (const p of procs) readCpu(p);
    const { rows } = await admin.query<{ app: string; total: number; active: number }>(
      `SELECT application_name AS app, count(*)::int AS total,
              count(*) FILTER (WHERE state = 'active')::int AS active
         FROM pg_stat_activity WHERE datname = $1 GROUP BY 1`,
      [datname],
    );
    for (const p of procs) {
      const row = rows.find((r) => r.app === `hotline-${p.name}`);
      const e = entry(p);
      e.conns.push(row?.total ?? 0);
      e.active.push(row?.active ?? 0);
    }
  };
  const pending: Array<Promise<unknown>> = [];
  const timer = setInterval(() => pending.push(sample().catch(() => {})), 1000);
  return {
    mark: readCpu,
    async loadEnded() {
      for (const p of current()) if (p.running() && p.ready) readCpu(p);
      cpuFrozen = true;
      span = (Date.now() - started) / 1000;
      machine1 = cpuTimes(process.pid);
      backends1 = await backendCpu(admin, datname).catch(() => new Map());
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      const processes: Record<string, ProcessFigures> = {};
      for (const [key, e] of byKey) {
        processes[key] = {
          connections: {
            max: Math.max(0, ...e.conns),
            mean: e.conns.reduce((a, b) => a + b, 0) / Math.max(1, e.conns.length),
            maxActive: Math.max(0, ...e.active),
            samples: e.conns.length,
          },
          cpuCores: e.cpu ? (e.cpu[1] - e.cpu[0]) / span : 0,
          maxRssMiB: e.rss,
        };
      }
      const b0 = await backends0.catch(() => new Map<number, number>());
      return {
        processes,
        machineCpuBusy: (machine1.busy - machine0.busy) / (machine1.total - machine0.total),
        postgresCpuCores:
          backends1.size > 0
            ? [...backends1].reduce((a, [pid, t]) => a + t - (b0.get(pid) ?? 0), 0) / span
            : Number.NaN,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Drain

async function waitForDrain(appUrl: string, timeoutMs: number) {
  const c = new pg.Client({ connectionString: appUrl });
  c.on("error", () => {});
  await c.connect();
  const until = Date.now() + timeoutMs;
  let last = { pending: -1, pendingDue: -1, outbox: -1 };
  let lastLog = Date.now();
  try {
    for (;;) {
      const { rows } = await c.query<typeof last>(
        `SELECT (SELECT count(*) FROM timer_firings WHERE state = 'pending')::int AS pending,
                (SELECT count(*) FROM timer_firings WHERE state = 'pending' AND due_at <= now())::int AS "pendingDue",
                (SELECT count(*) FROM stats_outbox)::int AS outbox`,
      );
      last = rows[0] as typeof last;
      if (last.pending === 0 && last.outbox === 0) return { drained: true, at: Date.now(), last };
      if (Date.now() > until) return { drained: false, at: Date.now(), last };
      if (Date.now() - lastLog > 5000) {
        console.log(
          `[scale]   pending timers ${last.pending} (due ${last.pendingDue}), stats outbox ${last.outbox}`,
        );
        lastLog = Date.now();
      }
      await sleep(500);
    }
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Verification

interface Expectation {
  ticketId: number;
  kind: TimerKind;
  deadlineVersion: number;
  dueAt: number;
  /** When the stage the timer belongs to ended (the user event), or the check time if still open. */
  stageEnd: number;
  stageEndedBy: string;
}

interface TimerLine {
  expected: number;
  found: number;
  lost: number;
  /** Effects recorded for a timer whose stage ended before it came due. */
  unexpected: number;
}

type Verification = Awaited<ReturnType<typeof verifyTimers>>;

/** The timer checks, on the database alone (exported for checking the checker on a kept database). */
export async function verifyTimers(
  pool: pg.Pool,
  checkedAt: number,
  outage: { killedAt: number; restartedAt: number; readyAt: number },
) {
  const SIGN = ms(SCALE_POLICY.signWithin);
  const FIRST = ms(SCALE_POLICY.firstResponseWithin);
  const RESOLVE = ms(SCALE_POLICY.resolveWithin);
  const CALLBACK = ms(SCALE_POLICY.callbackWithin);
  const ESC = ms(ESCALATION_AFTER);
  const warning = (start: number, deadline: number) => start + Math.floor((deadline - start) * 0.75);

  // 1. No effect twice.
  const duplicates = (
    await pool.query<{
      ticket_id: number;
      kind: string;
      deadline_version: string;
      n: number;
      seqs: number[];
    }>(
      `SELECT ticket_id, payload->>'kind' AS kind, payload->>'deadlineVersion' AS deadline_version,
              count(*)::int AS n, array_agg(seq ORDER BY seq) AS seqs
         FROM ticket_events WHERE actor_role = 'system'
        GROUP BY 1, 2, 3 HAVING count(*) > 1 ORDER BY 1`,
    )
  ).rows;

  // 2. The ledger: nothing due is left pending; a deferred row is one the ticket's status refuses.
  const ledgerRows = (
    await pool.query<{
      ticket_id: number;
      deadline_version: number;
      kind: string;
      state: string;
      due_at: Date;
      ticket_status: TicketState;
      ticket_version: number;
    }>(
      `SELECT f.ticket_id, f.deadline_version, f.kind, f.state, f.due_at,
              t.status::text AS ticket_status, t.deadline_version AS ticket_version
         FROM timer_firings f JOIN tickets t ON t.id = f.ticket_id
        WHERE f.due_at <= now()`,
    )
  ).rows;
  const byState: Record<string, number> = {};
  const deferredReasons: Record<string, number> = {};
  const pendingDue: unknown[] = [];
  const deferredWithoutReason: unknown[] = [];
  let superseded = 0;
  for (const r of ledgerRows) {
    byState[r.state] = (byState[r.state] ?? 0) + 1;
    if (r.deadline_version !== r.ticket_version) superseded++;
    if (r.state === "pending") pendingDue.push(r);
    if (r.state === "deferred") {
      if (isTimerKind(r.kind) && !appliesIn(r.kind, r.ticket_status)) {
        const reason = `${r.kind} waits: not applied while ${r.ticket_status}`;
        deferredReasons[reason] = (deferredReasons[reason] ?? 0) + 1;
      } else deferredWithoutReason.push(r);
    }
  }

  // 3. Replay each ticket's user events against the policy: every timer that came due before
  //    its stage ended is expected in the timeline, exactly once.
  const events = (
    await pool.query<{
      ticket_id: number;
      seq: number;
      type: string;
      to_status: string;
      actor_role: string;
      payload: Record<string, unknown>;
      at: Date;
    }>(
      `SELECT ticket_id, seq, type, to_status::text AS to_status, actor_role, payload, at
         FROM ticket_events ORDER BY ticket_id, seq`,
    )
  ).rows;
  const tickets = new Map(
    (
      await pool.query<{ id: number; status: string; deadline_version: number }>(
        "SELECT id, status::text AS status, deadline_version FROM tickets",
      )
    ).rows.map((r) => [r.id, r]),
  );
  const leadSignBy = new Map<string, number>();
  for (const a of (
    await pool.query<{ ticket_id: number; dispatched_at: Date; sign_by: Date | null }>(
      "SELECT ticket_id, dispatched_at, sign_by FROM assignments WHERE role = 'lead'",
    )
  ).rows)
    leadSignBy.set(`${a.ticket_id}:${a.dispatched_at.getTime()}`, a.sign_by?.getTime() ?? Number.NaN);

  const expected: Expectation[] = [];
  const notDue = new Map<string, Expectation>();
  const found = new Map<string, { at: number; dueAt: number; seq: number }>();
  const unmodelledTickets: Array<{ ticketId: number; type: string }> = [];
  const versionMismatches: Array<{ ticketId: number; replayed: number; stored: number }> = [];
  const signByMismatches: Array<{ ticketId: number; dispatchedAt: string; signBy: string | null }> = [];
  const dueAtMismatches: Array<{ ticketId: number; kind: string; recorded: unknown; replayed: string }> = [];

  type Stage = { v: number; start: number; deadline: number };
  const byTicket = new Map<number, typeof events>();
  for (const e of events) {
    const list = byTicket.get(e.ticket_id) ?? [];
    list.push(e);
    byTicket.set(e.ticket_id, list);
  }
  for (const [ticketId, list] of byTicket) {
    let v = 0;
    let sign: Stage | null = null;
    let first: Stage | null = null;
    let resolve: Stage | null = null;
    let callback: Stage | null = null;
    const plan = (kind: TimerKind, s: Stage, dueAt: number, end: number, endedBy: string) => {
      const x = {
        ticketId,
        kind,
        deadlineVersion: s.v,
        dueAt,
        stageEnd: end,
        stageEndedBy: endedBy,
      };
      if (dueAt <= end) expected.push(x);
      else notDue.set(`${ticketId}:${kind}:${s.v}`, x);
    };
    const closeSign = (s: Stage, end: number, by: string) => {
      plan("sign-warning", s, warning(s.start, s.deadline), end, by);
      plan("sign-overdue", s, s.deadline, end, by);
      plan("sign-escalate-1", s, s.deadline + ESC, end, by);
      plan("sign-escalate-2", s, s.deadline + 2 * ESC, end, by);
    };
    // The first response runs from dispatch until the unit answers (here: its REPLY).
    const closeFirst = (s: Stage, end: number, by: string) => {
      plan("first-response-warning", s, warning(s.start, s.deadline), end, by);
      plan("first-response-overdue", s, s.deadline, end, by);
      plan("first-response-escalate-1", s, s.deadline + ESC, end, by);
      plan("first-response-escalate-2", s, s.deadline + 2 * ESC, end, by);
    };
    // The resolution deadline runs from dispatch, signed or not.
    const closeResolve = (s: Stage, end: number, by: string) => {
      plan("resolve-warning", s, warning(s.start, s.deadline), end, by);
      plan("resolve-overdue", s, s.deadline, end, by);
      plan("resolve-escalate-1", s, s.deadline + ESC, end, by);
      plan("resolve-escalate-2", s, s.deadline + 2 * ESC, end, by);
    };
    const closeCallback = (s: Stage, end: number, by: string) => {
      plan("callback-overdue", s, s.deadline, end, by);
      plan("callback-escalate-1", s, s.deadline + ESC, end, by);
      plan("callback-escalate-2", s, s.deadline + 2 * ESC, end, by);
    };
    for (const e of list) {
      const at = e.at.getTime();
      if (e.actor_role === "system") {
        const kind = String(e.payload.kind ?? "");
        const key = `${ticketId}:${kind}:${String(e.payload.deadlineVersion)}`;
        if (!found.has(key)) found.set(key, { at, dueAt: Date.parse(String(e.payload.dueAt)), seq: e.seq });
        continue;
      }
      switch (e.type) {
        case "CREATE":
          break;
        case "REPLY":
          if (first) closeFirst(first, at, "REPLY");
          first = null;
          break;
        case "DISPATCH": {
          v++;
          sign = { v, start: at, deadline: at + SIGN };
          first = { v, start: at, deadline: at + FIRST };
          resolve = { v, start: at, deadline: at + RESOLVE };
          const stored = leadSignBy.get(`${ticketId}:${at}`);
          if (stored !== at + SIGN)
            signByMismatches.push({
              ticketId,
              dispatchedAt: e.at.toISOString(),
              signBy: stored === undefined || Number.isNaN(stored) ? null : new Date(stored).toISOString(),
            });
          break;
        }
        case "SIGN":
          if (sign) closeSign(sign, at, "SIGN");
          sign = null;
          break;
        case "APPROVE_REPLY":
          if (resolve) closeResolve(resolve, at, "APPROVE_REPLY");
          resolve = null;
          v++;
          callback = { v, start: at, deadline: at + CALLBACK };
          break;
        case "CALLBACK":
          if (callback) closeCallback(callback, at, "CALLBACK");
          callback = null;
          v++;
          if (e.to_status === "processing") resolve = { v, start: at, deadline: at + RESOLVE }; // 重办
          break;
        default:
          unmodelledTickets.push({ ticketId, type: e.type });
      }
    }
    if (sign) closeSign(sign, checkedAt, "(open)");
    if (first) closeFirst(first, checkedAt, "(open)");
    if (resolve) closeResolve(resolve, checkedAt, "(open)");
    if (callback) closeCallback(callback, checkedAt, "(open)");
    const stored = tickets.get(ticketId)?.deadline_version;
    if (stored !== v) versionMismatches.push({ ticketId, replayed: v, stored: stored ?? -1 });
  }

  const perKind: Record<string, TimerLine> = Object.fromEntries(
    TIMER_KINDS.map((k) => [k, { expected: 0, found: 0, lost: 0, unexpected: 0 }]),
  );
  const expectedKeys = new Set<string>();
  const lost: Array<Expectation & { stageEndAfterDueMs: number; dueWhileWorkerDown: boolean }> = [];
  const inOutage = (t: number) => t >= outage.killedAt && t <= outage.readyAt;
  for (const x of expected) {
    const key = `${x.ticketId}:${x.kind}:${x.deadlineVersion}`;
    expectedKeys.add(key);
    const line = perKind[x.kind] as TimerLine;
    line.expected++;
    const f = found.get(key);
    if (f) {
      line.found++;
      if (f.dueAt !== x.dueAt)
        dueAtMismatches.push({
          ticketId: x.ticketId,
          kind: x.kind,
          recorded: Number.isFinite(f.dueAt) ? new Date(f.dueAt).toISOString() : null,
          replayed: new Date(x.dueAt).toISOString(),
        });
    } else {
      line.lost++;
      lost.push({ ...x, stageEndAfterDueMs: x.stageEnd - x.dueAt, dueWhileWorkerDown: inOutage(x.dueAt) });
    }
  }
  const unexpected: Array<{ ticketId: number; kind: string; deadlineVersion: string; detail: unknown }> = [];
  for (const [key, f] of found) {
    if (expectedKeys.has(key)) continue;
    const [ticketId, kind, deadlineVersion] = key.split(":") as [string, string, string];
    const line = perKind[kind];
    if (line) line.unexpected++;
    const plannedButNotDue = notDue.get(key);
    unexpected.push({
      ticketId: Number(ticketId),
      kind,
      deadlineVersion,
      detail: plannedButNotDue
        ? {
            dueAt: new Date(plannedButNotDue.dueAt).toISOString(),
            stageEnd: new Date(plannedButNotDue.stageEnd).toISOString(),
            stageEndedBy: plannedButNotDue.stageEndedBy,
            dueAfterStageEndMs: plannedButNotDue.dueAt - plannedButNotDue.stageEnd,
            firedAt: new Date(f.at).toISOString(),
          }
        : { firedAt: new Date(f.at).toISOString(), note: "no such timer in the replayed plan" },
    });
  }

  // 4. How late effects were recorded after they came due, and who could have applied them.
  const late = { beforeKill: [] as number[], workerDown: [] as number[], afterRestart: [] as number[] };
  const latest: Array<{ ticketId: number; kind: string; dueAt: string; lateMs: number }> = [];
  let appliedDuringOutage = 0;
  let dueInOutageAppliedAfterRestart = 0;
  for (const x of expected) {
    const f = found.get(`${x.ticketId}:${x.kind}:${x.deadlineVersion}`);
    if (!f) continue;
    // Every timer applies from its due time (the resolution deadline runs while unsigned too).
    const from = x.dueAt;
    const ms = f.at - from;
    if (from < outage.killedAt) late.beforeKill.push(ms);
    else if (from <= outage.readyAt) late.workerDown.push(ms);
    else late.afterRestart.push(ms);
    if (!inOutage(from))
      latest.push({ ticketId: x.ticketId, kind: x.kind, dueAt: new Date(from).toISOString(), lateMs: ms });
    // No worker process existed then: only the API processes' catch-up can have applied it.
    if (f.at > outage.killedAt && f.at < outage.restartedAt) appliedDuringOutage++;
    else if (inOutage(from) && f.at >= outage.readyAt) dueInOutageAppliedAfterRestart++;
  }
  const lateness = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { count: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? null };
  };

  const systemEvents = events.filter((e) => e.actor_role === "system").length;
  return {
    tickets: tickets.size,
    userEvents: events.length - systemEvents,
    systemEvents,
    perKind,
    duplicates,
    lost: lost.slice(0, 200),
    lostCount: lost.length,
    unexpected: unexpected.slice(0, 200),
    unexpectedCount: unexpected.length,
    ledger: {
      dueRowsByState: byState,
      deferredReasons,
      pendingDue: pendingDue.slice(0, 50),
      deferredWithoutReason: deferredWithoutReason.slice(0, 50),
      supersededVersionRows: superseded,
    },
    /** Effect recorded − due, by when it came due: before the kill, kill → restarted worker running, after. */
    latenessMs: {
      dueBeforeKill: lateness(late.beforeKill),
      dueWhileWorkerDown: lateness(late.workerDown),
      dueAfterRestart: lateness(late.afterRestart),
      latestWithWorkerUp: latest.sort((a, b) => b.lateMs - a.lateMs).slice(0, 10),
    },
    outage: { appliedDuringOutage, dueInOutageAppliedAfterRestart },
    consistency: {
      unmodelledTickets,
      versionMismatches: versionMismatches.slice(0, 50),
      signByMismatches: signByMismatches.slice(0, 50),
      dueAtMismatches: dueAtMismatches.slice(0, 50),
    },
    unmodelledTickets,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

function phaseThroughput(
  load: LoadResult,
  windowStart: number,
  outage: { killedAt: number; readyAt: number },
) {
  const per = load.throughput.perSecond;
  const kill = Math.floor((outage.killedAt - windowStart) / 1000);
  const ready = Math.ceil((outage.readyAt - windowStart) / 1000);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  return {
    beforeKillPerSecond: mean(per.slice(0, Math.max(0, kill))),
    workerDownPerSecond: mean(per.slice(Math.max(0, kill), Math.max(0, ready))),
    afterRestartPerSecond: mean(per.slice(Math.max(0, ready))),
  };
}

function printReport(
  r: {
    load: LoadResult;
    ratio: number | null;
    phases: ReturnType<typeof phaseThroughput>;
    outage: { killedAtSecond: number; workerDownSeconds: number; restartToRunningSeconds: number };
    processes: Record<string, ProcessFigures>;
    postgresCpuCores: number;
    machine: { cpuBusyBefore: number; cpuBusyDuring: number; loadAverageBefore: number[]; cores: number };
    drain: { drained: boolean; secondsAfterLoad: number };
    timers: Verification;
    rollups: { changes: Record<string, number>; ms: number; tickets: number };
    verdicts: { timersOnce: boolean; zeroLost: boolean; rollupsExact: boolean };
    logs: Record<string, { warnings: number; errors: number }>;
    reconciliation: Array<{ pid: number; runs: number; applied: number }>;
  },
  opts: ScaleBenchOptions,
  baseline: PgbenchResult | null,
) {
  const { load, timers } = r;
  const mark = (ok: boolean) => (ok ? "PASS" : "FAIL");
  console.log(
    `\n== Scale out: ${opts.apis} API processes + 1 worker (SIGKILL at ${fmt(r.outage.killedAtSecond)} s, down ${fmt(r.outage.workerDownSeconds)} s), ${opts.clients} clients, ${opts.seconds} s, ${opts.backend} queues ==`,
  );
  const rows: Array<[string, string]> = [
    [
      "events/s (writes)",
      `${fmt(load.eventsPerSecond)}  (before kill ${fmt(r.phases.beforeKillPerSecond)}, worker down ${fmt(r.phases.workerDownPerSecond)}, after restart ${fmt(r.phases.afterRestartPerSecond)})`,
    ],
    [
      "event p50 / p99 (max)",
      `${fmt(load.event.p50)} / ${fmt(load.event.p99)} ms (${fmt(load.event.max, 0)})`,
    ],
    ["GET p50 / p99 (max)", `${fmt(load.get.p50)} / ${fmt(load.get.p99)} ms (${fmt(load.get.max, 0)})`],
    [
      "errors (warm-up)",
      `${load.errors} (${load.warmupErrors})${load.errors ? ` ${JSON.stringify(load.errorsByStatus)}` : ""}`,
    ],
    ["lives completed / lingered", `${load.livesCompleted} / ${JSON.stringify(load.lingered)}`],
    [
      `pgbench tps (-c ${opts.pgbench.clients} -j ${opts.pgbench.threads} -T ${opts.pgbench.seconds}, -s ${opts.pgbench.scale})`,
      baseline ? fmt(baseline.tps, 0) : "n/a",
    ],
    ["events/s ÷ pgbench tps", r.ratio === null ? "n/a" : fmt(r.ratio, 3)],
    ...Object.entries(r.processes).map(([name, p]): [string, string] => [
      `${name} PG connections, CPU`,
      `max ${p.connections.max}, mean ${fmt(p.connections.mean)} (active max ${p.connections.maxActive}); ${fmt(p.cpuCores, 2)} cores, RSS ${fmt(p.maxRssMiB, 0)} MiB`,
    ]),
    ["PG backends of the bench database, CPU", `${fmt(r.postgresCpuCores, 2)} cores`],
    [
      "machine CPU busy: before / during",
      `${fmt(r.machine.cpuBusyBefore * 100, 0)}% / ${fmt(r.machine.cpuBusyDuring * 100, 0)}% of ${r.machine.cores} cores (load avg before ${r.machine.loadAverageBefore.map((l) => fmt(l, 1)).join(" ")})`,
    ],
    ["worker restart → running", `${fmt(r.outage.restartToRunningSeconds)} s`],
    ["drained after the load", r.drain.drained ? `${fmt(r.drain.secondsAfterLoad)} s` : "NO"],
    ["tickets, user / system events", `${timers.tickets}, ${timers.userEvents} / ${timers.systemEvents}`],
    ...(
      [
        ["due before the kill", timers.latenessMs.dueBeforeKill],
        ["due with the worker down", timers.latenessMs.dueWhileWorkerDown],
        ["due after the restart", timers.latenessMs.dueAfterRestart],
      ] as const
    ).map(([label, l]): [string, string] => [
      `effect lateness, ${label}`,
      `p50 ${fmt(l.p50, 0)} / p99 ${fmt(l.p99, 0)} / max ${fmt(l.max ?? Number.NaN, 0)} ms (${l.count})`,
    ]),
    [
      "applied with no worker process (API catch-up)",
      `${timers.outage.appliedDuringOutage}; due in the outage, applied after restart: ${timers.outage.dueInOutageAppliedAfterRestart}`,
    ],
    [
      "reconciliation (worker logs)",
      r.reconciliation.map((x) => `pid ${x.pid}: ${x.runs} runs applied ${x.applied}`).join("; "),
    ],
    [
      "due ledger rows by state",
      `${JSON.stringify(timers.ledger.dueRowsByState)} deferred: ${JSON.stringify(timers.ledger.deferredReasons)}`,
    ],
    [
      "log warnings / errors",
      Object.entries(r.logs)
        .map(([n, l]) => `${n} ${l.warnings}/${l.errors}`)
        .join(", "),
    ],
    [
      "rebuild changes",
      `${JSON.stringify(r.rollups.changes)} (${r.rollups.tickets} tickets, ${r.rollups.ms} ms)`,
    ],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  for (const [label, value] of rows) console.log(`  ${label.padEnd(w0)}  ${value}`);
  console.log("\n  timer effects           expected   found    lost  unexpected");
  for (const [kind, l] of Object.entries(timers.perKind))
    console.log(
      `  ${kind.padEnd(22)}  ${String(l.expected).padStart(8)}  ${String(l.found).padStart(6)}  ${String(l.lost).padStart(6)}  ${String(l.unexpected).padStart(10)}`,
    );
  const c = timers.consistency;
  if (c.versionMismatches.length || c.signByMismatches.length || c.dueAtMismatches.length)
    console.log(
      `  replay consistency: ${c.versionMismatches.length} deadline-version, ${c.signByMismatches.length} signBy, ${c.dueAtMismatches.length} dueAt mismatches (see JSON)`,
    );
  for (const d of timers.duplicates.slice(0, 10))
    console.log(
      `  DUPLICATE ticket ${d.ticket_id} ${d.kind} v${d.deadline_version} ×${d.n} (seq ${d.seqs.join(",")})`,
    );
  for (const x of timers.lost.slice(0, 20))
    console.log(
      `  LOST ticket ${x.ticketId} ${x.kind} v${x.deadlineVersion} due ${new Date(x.dueAt).toISOString()}, stage ended by ${x.stageEndedBy} ${x.stageEndAfterDueMs} ms later${x.dueWhileWorkerDown ? " (due while the worker was down)" : ""}`,
    );
  for (const x of timers.unexpected.slice(0, 10))
    console.log(
      `  UNEXPECTED ticket ${x.ticketId} ${x.kind} v${x.deadlineVersion} ${JSON.stringify(x.detail)}`,
    );
  console.log(
    `\n  timers once     ${mark(r.verdicts.timersOnce)}  (${timers.duplicates.length} duplicates, ${timers.ledger.pendingDue.length} due rows pending, ${timers.ledger.deferredWithoutReason.length} deferred without reason${r.drain.drained ? "" : ", ledger not drained"})`,
  );
  console.log(
    `  0 lost          ${mark(r.verdicts.zeroLost)}  (${timers.lostCount} of ${Object.values(timers.perKind).reduce((a, l) => a + l.expected, 0)} expected effects missing; ${timers.unexpectedCount} recorded after their stage ended)`,
  );
  console.log(
    `  rollups exact   ${mark(r.verdicts.rollupsExact)}  (full rebuild changed ${Object.values(r.rollups.changes).reduce((a, b) => a + b, 0)} rows)`,
  );
}

function iso(t: number): string | null {
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

function sleep(msToWait: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, msToWait)));
}
