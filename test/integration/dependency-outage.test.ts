import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD, seedDemo } from "../../prisma/seed.ts";
import { loadConfig } from "../../src/config.ts";
import { createServices, type RunningSystem, startSystem } from "../../src/system.ts";
import { createTestDatabase } from "../helpers/db.ts";
import { ADMIN_PASSWORD, ApiClient, type ApiResponse } from "../helpers/system.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";

/**
 * PostgreSQL and Redis lost and back while people work (issue "Sturdy under faults"). Each
 * dependency sits behind a TCP proxy the test cuts and restores. While the database is gone,
 * requests that need it answer 503 problem+json with Retry-After (never 500), /readyz says
 * which dependency is missing within 2 s, nothing crashes; when it is back everything works
 * again by itself, and every write that was acknowledged is there. "Nothing crashes" needs every
 * pg client to have an 'error' listener, also while checked out of the pool (a transaction in a
 * worker loop when the connection drops): src/db/pool.ts must attach one on the pool's 'connect'.
 */

const REDIS = process.env.TEST_REDIS_URL;

/** The whole system (workers included) with its database — and Redis, when given — behind proxies. */
async function startBehindProxies(opts: { db: TcpProxy; redis?: TcpProxy | undefined; directDbUrl: string }) {
  const suffix = randomBytes(4).toString("hex");
  const databaseUrl = opts.db.url(opts.directDbUrl);
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: databaseUrl,
    REDIS_URL: opts.redis && REDIS ? opts.redis.url(REDIS) : undefined,
    HOTLINE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    HOTLINE_WORKERS: "all",
    LOG_LEVEL: "silent",
  });
  const system = await startSystem(config, databaseUrl, {
    queueSchema: `bullmq_${suffix}`,
    queuePrefix: `test_${suffix}`,
  });
  return system;
}

async function login(url: string, username: string, password: string): Promise<ApiClient> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return new ApiClient(url, ((await res.json()) as { token: string }).token);
}

const ticketBody = (n: number) => ({
  channel: "phone",
  citizenName: "王先生",
  citizenPhone: "13812345678",
  categoryCode: "noise",
  urgency: "normal",
  title: `停电时登记 ${n}`,
  description: "小区旁工地每晚十一点后仍在施工，影响休息。",
  externalRef: `outage-${n}`,
});

function expectUnavailable(res: ApiResponse<unknown>) {
  expect(res.status, JSON.stringify(res.body)).toBe(503);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  expect(res.body).toMatchObject({ status: 503, type: expect.stringContaining("unavailable") });
  expect(JSON.stringify(res.body)).not.toMatch(/ECONN|\bat .*\.ts:\d+|node_modules/);
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const out = await f();
  return [out, Date.now() - started];
}

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Writes a ticket every `everyMs` until stopped; remembers every answer. 201 means acknowledged.
 */
function writer(agent: ApiClient, everyMs: number) {
  const answers: Array<{ n: number; status: number; id?: number }> = [];
  let n = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const i = n++;
      const res = await agent.post<{ id?: number }>("/api/v1/tickets", ticketBody(i)).catch(() => null);
      answers.push({ n: i, status: res?.status ?? -1, id: res?.body?.id });
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    answers,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * `npm start` in a child process on a database behind the proxy, so that a crash is the
 * child's exit (an assertion), not an error inside the test runner. Workers run in it too.
 */
async function spawnSystem(databaseUrl: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: {
      ...process.env,
      VITEST: "",
      DATABASE_URL: databaseUrl,
      REDIS_URL: "",
      PORT: "0",
      HOST: "127.0.0.1",
      HOTLINE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      HOTLINE_WORKERS: "all",
      HOTLINE_TIMER_RECONCILE_SECONDS: "1",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += String(d);
  });
  child.stderr?.on("data", (d) => {
    err += String(d);
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve();
    }),
  );
  const url = await until(
    async () => /listening on (http:\/\/\S+)/.exec(out)?.[1] ?? (exitCode !== undefined ? "exited" : null),
    (v) => v !== null,
    90_000,
  );
  if (!url || url === "exited") throw new Error(`the system did not start:\n${out}`);
  return {
    url,
    /** What the process wrote to stderr (an uncaught exception ends up there), else its last log lines. */
    output: () => `exit code ${exitCode}\n${err.slice(-3000) || out.slice(-3000)}`,
    alive: () => exitCode === undefined,
    async stop() {
      if (exitCode !== undefined) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** The demo organisation in a fresh database (users, departments, categories). */
async function seedDatabase(databaseUrl: string) {
  const config = loadConfig({ DATABASE_URL: databaseUrl, HOTLINE_WORKERS: "none", LOG_LEVEL: "silent" });
  const s = await createServices(config, databaseUrl);
  try {
    await s.auth.ensureAdmin(ADMIN_PASSWORD);
    await seedDemo(s);
  } finally {
    await s.stats.close();
    await s.queues.close();
    await s.db.$disconnect();
    await s.pool.end();
  }
}

describe("PostgreSQL lost and back", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let proxy: TcpProxy;
  let child: Awaited<ReturnType<typeof spawnSystem>>;
  let agent: ApiClient;
  let anon: ApiClient;

  /** Fails with the child's last output when it is gone (a crash), instead of a bare ECONNREFUSED. */
  const checkAlive = (err: unknown): never => {
    throw child.alive() ? err : new Error(`the system process exited:\n${child.output()}`);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDatabase(db.url);
    const u = new URL(db.url);
    proxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    child = await spawnSystem(proxy.url(db.url));
    agent = await login(child.url, "agent1", DEMO_PASSWORD);
    anon = new ApiClient(child.url, null);
  });
  afterAll(async () => {
    await proxy?.restore();
    await child?.stop();
    await proxy?.close();
    await db?.drop();
  });

  it("503 + Retry-After and /readyz 503 within 2 s while it is down; no crash; all back by itself; nothing acknowledged lost", async () => {
    expect((await anon.get("/readyz")).status).toBe(200);
    const w = writer(agent, 20);
    await until(
      async () => w.answers.length,
      (n) => n >= 5,
      10_000,
    );

    // A flapping link first: connections die mid-transaction in the API and in the workers' loops.
    for (let i = 0; i < 6; i++) {
      await proxy.cut();
      await new Promise((r) => setTimeout(r, 150));
      await proxy.restore();
      await new Promise((r) => setTimeout(r, 350));
    }
    expect(child.alive(), child.output()).toBe(true);

    await proxy.cut();
    // Requests in flight at the cut may fail either way; the next ones must be a clean 503.
    await new Promise((r) => setTimeout(r, 300));
    const [ready, readyMs] = await timed(() =>
      anon.get<{ checks: Record<string, string> }>("/readyz").catch(checkAlive),
    );
    expect(readyMs).toBeLessThan(2_000);
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database).not.toMatch(/^ok/);
    expect(ready.headers.get("retry-after")).toBeTruthy();
    expect((await anon.get("/healthz")).status).toBe(200);

    expectUnavailable(await agent.post("/api/v1/tickets", ticketBody(100_000)));
    expectUnavailable(await agent.get("/api/v1/tickets"));
    // A login needs the database too.
    expectUnavailable(await anon.post("/api/v1/auth/login", { username: "agent1", password: DEMO_PASSWORD }));
    // Let the workers' loops (stats drain, timer reconciliation) and the pool meet the outage.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(child.alive(), child.output()).toBe(true);

    await proxy.restore();
    const back = await until(
      () => agent.post("/api/v1/tickets", ticketBody(200_000)).catch(checkAlive),
      (r) => r.status === 201,
      20_000,
    );
    expect(back.status, JSON.stringify(back.body)).toBe(201);
    expect(
      (
        await until(
          () => anon.get("/readyz"),
          (r) => r.status === 200,
          10_000,
        )
      ).status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    await w.stop();
    expect(child.alive(), child.output()).toBe(true);

    const statuses = new Set(w.answers.map((a) => a.status));
    // 201 before and after; 503 during. Never a 500, never a dropped connection.
    expect(
      [...statuses].filter((s) => s !== 201 && s !== 503),
      JSON.stringify(w.answers.filter((a) => a.status !== 201)),
    ).toEqual([]);
    expect(w.answers.some((a) => a.status === 503)).toBe(true);
    const acknowledged = w.answers.filter((a) => a.status === 201);
    expect(acknowledged.length).toBeGreaterThan(5);
    // Every acknowledged write is in the database (read directly, not through the proxy).
    const direct = new pg.Client({ connectionString: db.url });
    await direct.connect();
    try {
      const { rows } = await direct.query<{ id: number }>(
        "SELECT id FROM tickets WHERE id = ANY($1::int[])",
        [acknowledged.map((a) => a.id)],
      );
      expect(rows.length).toBe(acknowledged.length);
    } finally {
      await direct.end();
    }
  }, 120_000);

  it("a database that hangs (connections accepted, never answered): /readyz still answers within 2 s", async () => {
    await proxy.cut("blackhole");
    try {
      const [ready, ms] = await timed(() =>
        anon.get<{ checks: Record<string, string> }>("/readyz").catch(checkAlive),
      );
      expect(ms).toBeLessThan(2_000);
      expect(ready.status).toBe(503);
      expect(ready.body.checks.database).not.toMatch(/^ok/);
    } finally {
      await proxy.restore();
    }
    expect(
      (
        await until(
          () => anon.get("/readyz"),
          (r) => r.status === 200,
          20_000,
        )
      ).status,
    ).toBe(200);
    const after = await until(
      () => agent.post("/api/v1/tickets", ticketBody(300_000)),
      (r) => r.status === 201,
      20_000,
    );
    expect(after.status).toBe(201);
    expect(child.alive(), child.output()).toBe(true);
  }, 60_000);
});

describe.skipIf(!REDIS)("Redis lost and back", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dbProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let system: RunningSystem;
  let agent: ApiClient;

  beforeAll(async () => {
    db = await createTestDatabase();
    const u = new URL(db.url);
    const r = new URL(REDIS as string);
    dbProxy = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    redisProxy = await startTcpProxy({ host: r.hostname, port: Number(r.port || 6379) });
    system = await startBehindProxies({ db: dbProxy, redis: redisProxy, directDbUrl: db.url });
    await system.services.auth.ensureAdmin(ADMIN_PASSWORD);
    await seedDemo(system.services);
    agent = await login(system.url, "agent1", DEMO_PASSWORD);
  });
  afterAll(async () => {
    await redisProxy?.restore();
    await system?.stop();
    await redisProxy?.close();
    await dbProxy?.close();
    await db?.drop();
  });

  for (const mode of ["refuse", "blackhole"] as const) {
    it(`/readyz names the queue within 2 s (${mode}); tickets are still taken; all back by itself`, async () => {
      const anon = new ApiClient(system.url, null);
      expect((await anon.get("/readyz")).status).toBe(200);
      await redisProxy.cut(mode);
      try {
        await new Promise((r) => setTimeout(r, 300));
        const [ready, ms] = await timed(() => anon.get<{ checks: Record<string, string> }>("/readyz"));
        expect(ms).toBeLessThan(2_000);
        expect(ready.status).toBe(503);
        expect(ready.body.checks.database).toMatch(/^ok/);
        expect(ready.body.checks.queue).not.toMatch(/^ok/);
        const created = await agent.post(
          "/api/v1/tickets",
          ticketBody(400_000 + (mode === "refuse" ? 0 : 1)),
        );
        expect(created.status).toBe(201);
      } finally {
        await redisProxy.restore();
      }
      expect(
        (
          await until(
            () => anon.get("/readyz"),
            (r) => r.status === 200,
            20_000,
          )
        ).status,
      ).toBe(200);
    }, 60_000);
  }

  it("the server starts and serves with Redis unreachable from the start", async () => {
    const db2 = await createTestDatabase();
    await seedDatabase(db2.url); // with Redis down every seeded write would wait out the queue
    const u = new URL(db2.url);
    const r = new URL(REDIS as string);
    const p2 = await startTcpProxy({ host: u.hostname, port: Number(u.port || 5432) });
    const deadRedis = await startTcpProxy({ host: r.hostname, port: Number(r.port || 6379) });
    await deadRedis.cut();
    let sys2: RunningSystem | undefined;
    try {
      const [started, ms] = await timed(() =>
        startBehindProxies({ db: p2, redis: deadRedis, directDbUrl: db2.url }),
      );
      sys2 = started;
      expect(ms).toBeLessThan(15_000);
      const anon = new ApiClient(sys2.url, null);
      expect((await anon.get("/healthz")).status).toBe(200);
      const [ready, readyMs] = await timed(() => anon.get<{ checks: Record<string, string> }>("/readyz"));
      expect(readyMs).toBeLessThan(2_000);
      expect(ready.status).toBe(503);
      const a = await login(sys2.url, "agent1", DEMO_PASSWORD);
      expect((await a.post("/api/v1/tickets", ticketBody(500_000))).status).toBe(201);
      await deadRedis.restore();
      expect(
        (
          await until(
            () => anon.get("/readyz"),
            (x) => x.status === 200,
            20_000,
          )
        ).status,
      ).toBe(200);
    } finally {
      await deadRedis.restore();
      await sys2?.stop();
      await deadRedis.close();
      await p2.close();
      await db2.drop();
    }
  }, 90_000);
});
