import type { ChildProcess } from "node:child_process";
import os from "node:os";
import pg from "pg";
import { DEMO_PASSWORD, seedDemo } from "../prisma/seed.ts";
import { loadConfig } from "../src/config.ts";
import { startEmbeddedPostgres } from "../src/db/embedded.ts";
import { type RunningSystem, startSystem } from "../src/system.ts";

export const BENCH_ADMIN_PASSWORD = "bench-admin-pw";

/** Calls `onLine` for every line a child process prints, on stdout and stderr. */
export function eachLine(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    let buffered = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    });
  }
}

/**
 * A server output line: a pino JSON line's level and fields; a plain line that speaks of an
 * error or a warning counts as a warning (40).
 */
export function parseLogLine(line: string): { level: number; json: Record<string, unknown> | null } {
  if (line.startsWith("{")) {
    try {
      const json = JSON.parse(line) as Record<string, unknown>;
      return { level: Number(json.level ?? 0), json };
    } catch {}
  }
  return { level: /error|warn/i.test(line) ? 40 : 0, json: null };
}

/** What a result file says of the machine it was measured on. */
export function machineInfo(postgresVersion: string) {
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres: postgresVersion,
  };
}

/** Benchmarks use DATABASE_URL when set, else the embedded PostgreSQL under .data/bench. */
export async function benchDatabase(): Promise<{ adminUrl: string; stop: () => Promise<void> }> {
  const config = loadConfig();
  if (config.databaseUrl) return { adminUrl: config.databaseUrl, stop: async () => {} };
  const embedded = await startEmbeddedPostgres(".data/bench", 54331);
  return { adminUrl: embedded.url, stop: embedded.stop };
}

/** A fresh database for one benchmark, so runs do not see each other's rows. */
export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * The whole system (API and workers, as `npm start` runs it) on a fresh database `name` with the
 * demo organisation; `login` returns a bearer token (demo users by default, or `admin`).
 */
export async function startBenchSystem(
  adminUrl: string,
  name: string,
): Promise<{ system: RunningSystem; login: (username: string) => Promise<string> }> {
  const url = await freshDatabase(adminUrl, name);
  const config = loadConfig({
    ...process.env,
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: url,
    HOTLINE_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    LOG_LEVEL: "silent",
  });
  const system = await startSystem(config, url);
  await system.services.auth.ensureAdmin(BENCH_ADMIN_PASSWORD);
  await seedDemo(system.services);
  const login = async (username: string) => {
    const res = await fetch(`${system.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        username,
        password: username === "admin" ? BENCH_ADMIN_PASSWORD : DEMO_PASSWORD,
      }),
    });
    return ((await res.json()) as { token: string }).token;
  };
  return { system, login };
}

/** Defined in the load client, which runs on its own and imports nothing of the system. */
export { percentile } from "./load-client.ts";

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

/**
 * Baseline: raw PostgreSQL write transactions per second (BEGIN; UPDATE one row; INSERT one
 * row; COMMIT) from `concurrency` connections — what the hardware gives before our code.
 */
export async function rawPgTransactionsPerSecond(
  url: string,
  concurrency: number,
  seconds = 3,
): Promise<number> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(
    "DROP TABLE IF EXISTS bench_baseline; CREATE TABLE bench_baseline (id int primary key, n int); DROP TABLE IF EXISTS bench_baseline_log; CREATE TABLE bench_baseline_log (id bigserial primary key, row_id int, at timestamptz default now())",
  );
  await setup.query("INSERT INTO bench_baseline SELECT g, 0 FROM generate_series(1, $1) g", [
    concurrency * 10,
  ]);
  await setup.end();
  const until = Date.now() + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      let i = 0;
      while (Date.now() < until) {
        const id = w * 10 + (i++ % 10) + 1;
        await c.query("BEGIN");
        await c.query("UPDATE bench_baseline SET n = n + 1 WHERE id = $1", [id]);
        await c.query("INSERT INTO bench_baseline_log (row_id) VALUES ($1)", [id]);
        await c.query("COMMIT");
        count++;
      }
      await c.end();
    }),
  );
  const cleanup = new pg.Client({ connectionString: url });
  await cleanup.connect();
  await cleanup.query("DROP TABLE bench_baseline; DROP TABLE bench_baseline_log");
  await cleanup.end();
  return count / seconds;
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
