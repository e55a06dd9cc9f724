import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";
import { BENCH_ADMIN_PASSWORD, eachLine, fmt, freshDatabase, machineInfo, parseLogLine } from "./common.ts";
import type { LoadResult } from "./load-client.ts";

/**
 * The API as users load it: the server started as its own process exactly as `npm start` runs it
 * (`node --import tsx src/main.ts --demo`, workers in process) on a fresh database, and
 * `bench/load-client.ts` in another process driving whole ticket lives from `clients`
 * concurrent loops. Right before, `pgbench` (TPC-B-like) on the same PostgreSQL server gives
 * the baseline the ratio is taken against. Prints the figures against the targets and writes
 * them to `bench/results/api-<timestamp>.json`.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS_DIR = resolve(ROOT, "bench/results");

export const API_TARGETS = { ratio: 0.2, eventP99Ms: 100, getP99Ms: 20 } as const;
/** A life in bench/load-client.ts: create + 8 events, then one GET. */
const WRITES_PER_LIFE = 9;

export interface ApiBenchOptions {
  adminUrl: string;
  backend: "postgres" | "redis";
  clients: number;
  seconds: number;
  warmupSeconds: number;
  /** Redis for the redis backend: REDIS_URL, else redis://127.0.0.1:6379 (an empty db index is used). */
  redisUrl?: string;
  pgbench: { scale: number; clients: number; threads: number; seconds: number };
}

export async function runApiBench(opts: ApiBenchOptions) {
  const suffix = randomBytes(3).toString("hex");
  const appDb = `hotline_bench_api_${suffix}`;
  const pgbenchDb = `hotline_bench_pgbench_${suffix}`;
  const admin = new pg.Client({ connectionString: opts.adminUrl });
  await admin.connect();
  const cleanups: Array<() => Promise<unknown>> = [];
  let api: ApiProcess | undefined;
  try {
    const log = (msg: string) => console.log(`[api] ${msg}`);
    const busyBefore = await machineBusy(2000);
    if (busyBefore > 0.25)
      log(`WARNING: the machine is ${fmt(busyBefore * 100, 0)}% busy before the run: figures will be low`);
    const serverVersion = ((await admin.query("SHOW server_version")).rows[0] as { server_version: string })
      .server_version;

    const redis =
      opts.backend === "redis"
        ? await emptyRedisDb(opts.redisUrl ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379")
        : undefined;
    if (redis) cleanups.push(() => dropRedisKeys(redis.url, "hotline:*"));

    const appUrl = await freshDatabase(opts.adminUrl, appDb);
    cleanups.push(() => admin.query(`DROP DATABASE IF EXISTS "${appDb}" WITH (FORCE)`));
    const t0 = performance.now();
    api = await startApi({
      DATABASE_URL: appUrl,
      REDIS_URL: redis?.url ?? "", // empty is unset: the PostgreSQL queue backend
      PORT: "0",
      HOST: "127.0.0.1",
      HOTLINE_WORKERS: "all",
      HOTLINE_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    });
    log(`server pid ${api.pid} listening on ${api.url} after ${fmt((performance.now() - t0) / 1000)} s`);

    const pgbenchUrl = await freshDatabase(opts.adminUrl, pgbenchDb);
    cleanups.push(() => admin.query(`DROP DATABASE IF EXISTS "${pgbenchDb}" WITH (FORCE)`));
    const { scale, clients, threads, seconds } = opts.pgbench;
    log(`pgbench -i -s ${scale}, then -c ${clients} -j ${threads} -T ${seconds} …`);
    const baseline = await runPgbench(pgbenchUrl, opts.pgbench);
    if (baseline)
      log(`pgbench: ${fmt(baseline.tps, 0)} tps, latency average ${fmt(baseline.latencyMs, 2)} ms`);
    await admin.query("CHECKPOINT").catch(() => {}); // pgbench's dirty pages are not the API's to write
    await admin.query(`DROP DATABASE IF EXISTS "${pgbenchDb}" WITH (FORCE)`);

    // Two runs on the same server. Paced: the clients offer the target rate (writes at
    // API_TARGETS.ratio × pgbench tps, plus each life's closing GET) with think time, as a
    // room of desk users does; latency targets are judged here. Flat out: every client fires
    // its next request the moment the last answered; that measures capacity (and there
    // latency is only clients ÷ throughput, Little's law).
    const targetWrites = baseline ? API_TARGETS.ratio * baseline.tps : 100;
    const offered = Math.round((targetWrites * (WRITES_PER_LIFE + 1)) / WRITES_PER_LIFE);
    log(
      `paced: ${opts.clients} clients offering ${offered} requests/s (${fmt(targetWrites, 0)} writes/s), ${opts.warmupSeconds} s warm-up + ${opts.seconds} s recorded …`,
    );
    const pacedWatch = watchDuringWindow(admin, appDb, api.pid, opts.warmupSeconds, opts.seconds);
    const paced = await runLoadClient(api.url, opts, offered);
    const pacedWindow = await pacedWatch.stop();
    log(`flat out: ${opts.clients} clients, ${opts.warmupSeconds} s warm-up + ${opts.seconds} s recorded …`);
    const during = watchDuringWindow(admin, appDb, api.pid, opts.warmupSeconds, opts.seconds);
    const load = await runLoadClient(api.url, opts);
    const window = await during.stop();
    const exitCode = await api.stop();
    const serverLog = api.problems();
    api = undefined;

    const ratio = baseline ? load.eventsPerSecond / baseline.tps : Number.NaN;
    const pacedRatio = baseline ? paced.eventsPerSecond / baseline.tps : Number.NaN;
    const targets = {
      ratio: { target: `>= ${API_TARGETS.ratio}`, value: ratio, pass: ratio >= API_TARGETS.ratio },
      pacedKeptUp: {
        target: `>= ${fmt(0.97 * API_TARGETS.ratio, 3)} (the offered rate served, 3% edge allowance)`,
        value: pacedRatio,
        pass: pacedRatio >= 0.97 * API_TARGETS.ratio,
      },
      eventP99Ms: {
        target: `< ${API_TARGETS.eventP99Ms} (paced)`,
        value: paced.event.p99,
        pass: paced.event.p99 < API_TARGETS.eventP99Ms,
      },
      getP99Ms: {
        target: `< ${API_TARGETS.getP99Ms} (paced)`,
        value: paced.get.p99,
        pass: paced.get.p99 < API_TARGETS.getP99Ms,
      },
      errors: {
        target: "= 0",
        value: load.errors + paced.errors,
        pass: load.errors === 0 && paced.errors === 0,
      },
    };
    const commits = window.commits;
    const result = {
      benchmark: "api",
      timestamp: new Date().toISOString(),
      git: gitState(),
      machine: machineInfo(serverVersion),
      options: {
        backend: opts.backend,
        redisDb: redis?.db ?? null,
        clients: opts.clients,
        seconds: opts.seconds,
        warmupSeconds: opts.warmupSeconds,
        server: "node --import tsx src/main.ts --demo (workers in process)",
        pgbench: opts.pgbench,
      },
      api: load,
      paced: {
        load: paced,
        ratio: pacedRatio,
        serverCpuCores: pacedWindow.serverCpuCores,
        postgresCpuCores: pacedWindow.postgresCpuCores,
        machineCpuBusy: pacedWindow.machineCpuBusy,
      },
      baseline: baseline ?? { error: "pgbench not available" },
      ratio,
      targets,
      server: {
        cpuCores: window.serverCpuCores,
        maxRssMiB: window.maxRssMiB,
        exitCode,
        logWarnings: serverLog.warnings,
        logErrors: serverLog.errors,
        logSamples: serverLog.samples,
      },
      machineCpuBusy: window.machineCpuBusy,
      machineCpuBusyBefore: busyBefore,
      postgres: {
        /** CPU of the backends serving the API's database (local server only). */
        cpuCores: window.postgresCpuCores,
        connections: window.connections,
        transactionsPerSecond: commits ? commits.committed / opts.seconds : null,
        committedPerWrite: commits
          ? commits.committed / Math.max(1, load.eventsPerSecond * opts.seconds)
          : null,
        rolledBack: commits?.rolledBack ?? null,
        deadlocks: commits?.deadlocks ?? null,
      },
    };
    printTable(result, load, paced, baseline, opts);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = resolve(RESULTS_DIR, `api-${result.timestamp.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`results: ${relative(process.cwd(), file)}`);
    return result;
  } finally {
    if (api) await api.stop().catch(() => {});
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((err) => console.error(`cleanup: ${err}`));
    await admin.end();
  }
}

type Row = [label: string, value: string, target?: string, pass?: boolean];

function printTable(
  r: {
    targets: Record<string, { pass: boolean }>;
    ratio: number;
    server: { cpuCores: number; maxRssMiB: number; logWarnings: number; logErrors: number };
    machineCpuBusy: number;
    machineCpuBusyBefore: number;
    postgres: {
      cpuCores: number;
      connections: { max: number; mean: number; maxActive: number; maxIdleInTransaction: number };
      transactionsPerSecond: number | null;
      committedPerWrite: number | null;
    };
  },
  load: LoadResult,
  paced: LoadResult,
  baseline: PgbenchResult | null,
  opts: ApiBenchOptions,
) {
  const t = r.targets as Record<
    "ratio" | "pacedKeptUp" | "eventP99Ms" | "getP99Ms" | "errors",
    { pass: boolean }
  >;
  const c = r.postgres.connections;
  const slowest = Object.entries(load.byStep).sort((a, b) => b[1].p99 - a[1].p99)[0];
  const { scale, clients, threads, seconds } = opts.pgbench;
  const pacedRatio = baseline ? paced.eventsPerSecond / baseline.tps : Number.NaN;
  const rows: Row[] = [
    [`paced: offered requests/s`, `${paced.offeredRate}`],
    [
      "paced: events/s (÷ pgbench tps)",
      `${fmt(paced.eventsPerSecond)} (${fmt(pacedRatio, 3)})`,
      `>= ${fmt(0.97 * API_TARGETS.ratio, 3)}`,
      t.pacedKeptUp.pass,
    ],
    [
      "paced: event p50 / p99 (max)",
      `${fmt(paced.event.p50)} / ${fmt(paced.event.p99)} ms (${fmt(paced.event.max, 0)})`,
      `p99 < ${API_TARGETS.eventP99Ms} ms`,
      t.eventP99Ms.pass,
    ],
    [
      "paced: GET p50 / p99 (max)",
      `${fmt(paced.get.p50)} / ${fmt(paced.get.p99)} ms (${fmt(paced.get.max, 0)})`,
      `p99 < ${API_TARGETS.getP99Ms} ms`,
      t.getP99Ms.pass,
    ],
    ["flat out: events/s (writes: create + 8 events)", fmt(load.eventsPerSecond)],
    ["flat out: ticket lives completed", `${load.livesCompleted} (${fmt(load.livesPerSecond, 2)}/s)`],
    [
      "flat out: event / GET p99",
      `${fmt(load.event.p99)} / ${fmt(load.get.p99)} ms (= ${opts.clients} clients ÷ throughput, roughly)`,
    ],
    [
      "errors paced / flat out (warm-up)",
      `${paced.errors} / ${load.errors} (${paced.warmupErrors + load.warmupErrors})${load.errors + paced.errors ? ` ${JSON.stringify({ ...paced.errorsByStatus, ...load.errorsByStatus })}` : ""}`,
      "0",
      t.errors.pass,
    ],
    [
      `pgbench tps (-c ${clients} -j ${threads} -T ${seconds}, -s ${scale})`,
      baseline ? fmt(baseline.tps, 0) : "n/a",
    ],
    ["flat out: events/s ÷ pgbench tps", fmt(r.ratio, 3), `>= ${API_TARGETS.ratio}`, t.ratio.pass],
    [
      "PG connections held by the API",
      `max ${c.max}, mean ${fmt(c.mean)} (active max ${c.maxActive}, idle in tx max ${c.maxIdleInTransaction})`,
    ],
    [
      "PG commits/s (per write)",
      r.postgres.transactionsPerSecond === null
        ? "n/a"
        : `${fmt(r.postgres.transactionsPerSecond, 0)} (${fmt(r.postgres.committedPerWrite ?? Number.NaN, 1)})`,
    ],
    [
      "flat out CPU: server / its PG backends / client",
      `${fmt(r.server.cpuCores, 2)} / ${fmt(r.postgres.cpuCores, 2)} / ${fmt(load.clientCpuCores, 2)} cores`,
    ],
    [
      "machine CPU busy: during / before",
      `${fmt(r.machineCpuBusy * 100, 0)}% / ${fmt(r.machineCpuBusyBefore * 100, 0)}% of ${os.cpus().length} cores`,
    ],
    [
      "server RSS max, log warnings / errors",
      `${fmt(r.server.maxRssMiB, 0)} MiB, ${r.server.logWarnings} / ${r.server.logErrors}`,
    ],
    [
      "slowest step by p99",
      slowest ? `${slowest[0]} p50 ${fmt(slowest[1].p50)} / p99 ${fmt(slowest[1].p99)} ms` : "n/a",
    ],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  const w2 = Math.max(...rows.map((x) => (x[2] ?? "").length));
  console.log(
    `\n== API under load: ${opts.clients} clients in a separate process, ${opts.seconds} s, ${opts.backend} queues ==`,
  );
  for (const [label, value, target, pass] of rows) {
    const mark = pass === undefined ? "" : pass ? "PASS" : "FAIL";
    console.log(
      `  ${label.padEnd(w0)}  ${value.padEnd(w1)}  ${(target ?? "").padEnd(w2)}  ${mark}`.trimEnd(),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The server process

export interface ApiProcess {
  pid: number;
  url: string;
  /** SIGTERM, then SIGKILL after 30 s; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** Warnings and errors the server logged. */
  problems(): { warnings: number; errors: number; samples: Record<string, string> };
}

/**
 * `node --import tsx src/main.ts` as its own process, as `npm start` runs it; resolves once it
 * listens. `demo` adds `--demo` (the demo organisation on a fresh database).
 */
export async function startApi(
  env: Record<string, string>,
  opts: { demo?: boolean; timeoutMs?: number } = {},
): Promise<ApiProcess> {
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const args = ["--import", "tsx", "src/main.ts", ...(opts.demo === false ? [] : ["--demo"])];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  const tail: string[] = [];
  let warnings = 0;
  let errors = 0;
  const samples: Record<string, string> = {};
  let onListening: (url: string) => void = () => {};
  const listening = new Promise<string>((res) => {
    onListening = res;
  });
  const onLine = (line: string) => {
    const m = /is listening on (http:\/\/\S+)/.exec(line);
    if (m) onListening(m[1] as string);
    tail.push(line);
    if (tail.length > 30) tail.shift();
    const { level } = parseLogLine(line);
    if (level >= 50) errors++;
    else if (level >= 40) warnings++;
    const n = Object.keys(samples).length;
    if (level >= 40 && n < 5) samples[String(n + 1)] = line.slice(0, 500);
  };
  eachLine(child, onLine);
  const url = await Promise.race([
    listening,
    exited.then((code) => {
      throw new Error(`server exited with ${code} before listening:\n${tail.join("\n")}`);
    }),
    new Promise<never>((_, rej) =>
      setTimeout(() => rej(new Error(`server did not listen within ${timeoutMs} ms`)), timeoutMs).unref(),
    ),
  ]).catch((err) => {
    child.kill("SIGKILL");
    process.removeListener("exit", killOnExit);
    throw err;
  });
  return {
    pid: child.pid as number,
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const code = await exited;
      clearTimeout(timer);
      process.removeListener("exit", killOnExit);
      return code;
    },
    problems: () => ({ warnings, errors, samples }),
  };
}

// ---------------------------------------------------------------------------------------------
// The load client process

async function runLoadClient(url: string, opts: ApiBenchOptions, rate?: number): Promise<LoadResult> {
  const args = [
    "--import",
    "tsx",
    "bench/load-client.ts",
    ...(rate ? ["--rate", String(rate)] : []),
    "--url",
    url,
    "--clients",
    String(opts.clients),
    "--seconds",
    String(opts.seconds),
    "--warmup",
    String(opts.warmupSeconds),
  ];
  const { code, stdout } = await run(process.execPath, args, { inheritStderr: true });
  const last = stdout.trim().split("\n").pop() ?? "";
  if (code !== 0 || !last.startsWith("{")) throw new Error(`load client exited with ${code}: ${stdout}`);
  return JSON.parse(last) as LoadResult;
}

// ---------------------------------------------------------------------------------------------
// pgbench

export interface PgbenchResult {
  tps: number;
  latencyMs: number;
  transactions: number;
}

export async function runPgbench(url: string, o: ApiBenchOptions["pgbench"]): Promise<PgbenchResult | null> {
  const init = await run("pgbench", ["-i", "-q", "-s", String(o.scale), url]).catch((err) => {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  });
  if (!init) {
    console.log("[api] pgbench is not installed: no baseline, no ratio");
    return null;
  }
  if (init.code !== 0) throw new Error(`pgbench -i failed: ${init.stdout}${init.stderr}`);
  const r = await run("pgbench", [
    "-c",
    String(o.clients),
    "-j",
    String(o.threads),
    "-T",
    String(o.seconds),
    url,
  ]);
  const out = r.stdout + r.stderr;
  const tps =
    /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/.exec(out);
  if (r.code !== 0 || !tps) throw new Error(`pgbench failed (${r.code}): ${out}`);
  return {
    tps: Number(tps[1]),
    latencyMs: Number(/latency average = ([\d.]+) ms/.exec(out)?.[1] ?? Number.NaN),
    transactions: Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1] ?? Number.NaN),
  };
}

function run(
  cmd: string,
  args: string[],
  o: { inheritStderr?: boolean } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", o.inheritStderr ? "inherit" : "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr?.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    child.once("error", rej);
    child.once("close", (code) => res({ code, stdout, stderr }));
  });
}

// ---------------------------------------------------------------------------------------------
// What the server and PostgreSQL do during the recorded window

function watchDuringWindow(admin: pg.Client, datname: string, pid: number, warmupS: number, seconds: number) {
  const samples: Array<{ total: number; active: number; idleInTx: number }> = [];
  let maxRss = 0;
  let cpuStart: { server: number; busy: number; total: number } | undefined;
  let cpuEnd: typeof cpuStart;
  let statsStart: DbStats | undefined;
  let statsEnd: DbStats | undefined;
  const reading = async () => ({
    ...cpuTimes(pid),
    stats: await dbStats(admin, datname),
    backends: await backendCpu(admin, datname),
  });
  let backendsStart = new Map<number, number>();
  let backendsEnd = new Map<number, number>();
  let sampling: NodeJS.Timeout | undefined;
  const pending: Array<Promise<unknown>> = [];
  const begin = setTimeout(() => {
    pending.push(
      reading().then((r) => {
        cpuStart = r;
        statsStart = r.stats;
        backendsStart = r.backends;
      }),
    );
    const sample = async () => {
      const { rows } = await admin.query(
        `SELECT count(*)::int AS total,
                count(*) FILTER (WHERE state = 'active')::int AS active,
                count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int AS "idleInTx"
           FROM pg_stat_activity WHERE datname = $1`,
        [datname],
      );
      samples.push(rows[0] as { total: number; active: number; idleInTx: number });
      maxRss = Math.max(maxRss, rssMiB(pid));
    };
    sampling = setInterval(() => pending.push(sample().catch(() => {})), 1000);
  }, warmupS * 1000);
  const end = setTimeout(
    () => {
      clearInterval(sampling);
      pending.push(
        reading().then((r) => {
          cpuEnd = r;
          statsEnd = r.stats;
          backendsEnd = r.backends;
        }),
      );
    },
    (warmupS + seconds) * 1000,
  );
  return {
    async stop() {
      clearTimeout(begin);
      clearTimeout(end);
      clearInterval(sampling);
      await Promise.all(pending);
      const span = seconds;
      const n = Math.max(1, samples.length);
      return {
        connections: {
          max: Math.max(0, ...samples.map((s) => s.total)),
          mean: samples.reduce((a, s) => a + s.total, 0) / n,
          maxActive: Math.max(0, ...samples.map((s) => s.active)),
          maxIdleInTransaction: Math.max(0, ...samples.map((s) => s.idleInTx)),
          samples: samples.length,
        },
        serverCpuCores: cpuStart && cpuEnd ? (cpuEnd.server - cpuStart.server) / span : Number.NaN,
        postgresCpuCores:
          backendsEnd.size > 0
            ? [...backendsEnd].reduce((a, [p, t]) => a + t - (backendsStart.get(p) ?? 0), 0) / span
            : Number.NaN,
        machineCpuBusy:
          cpuStart && cpuEnd ? (cpuEnd.busy - cpuStart.busy) / (cpuEnd.total - cpuStart.total) : Number.NaN,
        maxRssMiB: maxRss,
        commits:
          statsStart && statsEnd
            ? {
                committed: statsEnd.committed - statsStart.committed,
                rolledBack: statsEnd.rolledBack - statsStart.rolledBack,
                deadlocks: statsEnd.deadlocks - statsStart.deadlocks,
              }
            : null,
      };
    },
  };
}

interface DbStats {
  committed: number;
  rolledBack: number;
  deadlocks: number;
}

async function dbStats(admin: pg.Client, datname: string): Promise<DbStats> {
  const { rows } = await admin.query(
    `SELECT xact_commit::float8 AS committed, xact_rollback::float8 AS "rolledBack", deadlocks::float8 AS deadlocks
       FROM pg_stat_database WHERE datname = $1`,
    [datname],
  );
  return rows[0] as DbStats;
}

/**
 * CPU seconds used so far by each PostgreSQL backend serving `datname`, by pid (only when the
 * server runs on this machine: pids whose /proc entry is not a postgres process are left out).
 */
export async function backendCpu(admin: pg.Client, datname: string): Promise<Map<number, number>> {
  const { rows } = await admin.query("SELECT pid FROM pg_stat_activity WHERE datname = $1", [datname]);
  const out = new Map<number, number>();
  for (const { pid } of rows as Array<{ pid: number }>) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (!stat.includes("(postgres)")) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(pid, (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS);
    } catch {}
  }
  return out;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Seconds of CPU the process has used, and the machine's busy/total jiffies (Linux; else NaN). */
export function cpuTimes(pid: number): { server: number; busy: number; total: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const server = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    const cpu = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    return { server, busy: total - idle, total };
  } catch {
    return { server: Number.NaN, busy: Number.NaN, total: Number.NaN };
  }
}

/** The machine's CPU busy fraction over `ms`, before anything of ours runs (shared machines). */
export async function machineBusy(ms: number): Promise<number> {
  const a = cpuTimes(process.pid);
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes(process.pid);
  return (b.busy - a.busy) / (b.total - a.total);
}

export function rssMiB(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Redis: the app's key prefix is fixed ("hotline"), so the bench gets an empty logical database

export async function emptyRedisDb(base: string): Promise<{ url: string; db: number }> {
  for (let db = 15; db >= 1; db--) {
    const u = new URL(base);
    u.pathname = `/${db}`;
    const r = new Redis(u.toString(), { lazyConnect: true, maxRetriesPerRequest: 1 });
    await r.connect();
    const size = await r.dbsize();
    r.disconnect();
    if (size === 0) return { url: u.toString(), db };
  }
  throw new Error(`no empty database on ${base} for the redis backend`);
}

export async function dropRedisKeys(url: string, pattern: string) {
  const r = new Redis(url);
  let cursor = "0";
  do {
    const [next, keys] = await r.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length) await r.unlink(...keys);
  } while (cursor !== "0");
  r.disconnect();
}

/** The commit measured, and whether the code it runs (src, prisma, workers, packages) differs from it. */
export function gitState(): { commit: string; dirty: boolean } {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const commit = git("rev-parse", "HEAD");
    const dirty = git("status", "--porcelain", "--", "src", "prisma", "workers", "package.json") !== "";
    return { commit, dirty };
  } catch {
    return { commit: "unknown", dirty: false };
  }
}

// `npx tsx bench/api.bench.ts [--clients 50] [--seconds 30] [--warmup 5] [--backend postgres|redis]`
if (import.meta.url === `file://${process.argv[1]}`) {
  const { arg, benchDatabase } = await import("./common.ts");
  const backend = arg("backend", "postgres");
  if (backend !== "postgres" && backend !== "redis") throw new Error("--backend postgres|redis");
  const db = await benchDatabase();
  await runApiBench({
    adminUrl: db.adminUrl,
    backend,
    clients: Number(arg("clients", "50")),
    seconds: Number(arg("seconds", "30")),
    warmupSeconds: Number(arg("warmup", "5")),
    pgbench: { scale: 10, clients: 16, threads: 2, seconds: Number(arg("pgbench-seconds", "15")) },
  });
  await db.stop();
  process.exit(0);
}
