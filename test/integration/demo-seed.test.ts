import { type ChildProcess, spawn } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../helpers/db.ts";

/**
 * `npm start` on a real database (DATABASE_URL) creates nothing demo — no users with the
 * published password demo12345 — unless the operator asks for it (HOTLINE_DEMO=1 or
 * `npm start -- --demo`). Only the embedded trial database loads the demo by default.
 */
function run(command: string, args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(command, args, {
    env: {
      ...process.env,
      VITEST: "",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      HOTLINE_ADMIN_PASSWORD: "admin-test-password",
      HOTLINE_DEMO: "",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: npm → sh → tsx → node all get the signal.
    detached: true,
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += String(d);
  });
  child.stderr?.on("data", (d) => {
    out += String(d);
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    output: () => out,
    exit,
    async listening(timeoutMs: number) {
      const until = Date.now() + timeoutMs;
      while (!out.includes("is listening on")) {
        if (Date.now() > until || child.exitCode !== null) throw new Error(`did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGTERM");
      return exit;
    },
  };
}

async function usernames(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ username: string }>("SELECT username FROM users ORDER BY username");
    return rows.map((r) => r.username);
  } finally {
    await c.end();
  }
}

describe("demo data on `npm start`", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let db2: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    [db, db2] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  });
  afterAll(async () => {
    await db?.drop();
    await db2?.drop();
  });

  it("with DATABASE_URL creates no demo users (only admin)", async () => {
    const p = run("npm", ["start", "--silent"], { DATABASE_URL: db.url });
    try {
      await p.listening(90_000);
    } finally {
      await p.stop();
    }
    const users = await usernames(db.url);
    expect(users).not.toContain("agent1");
    expect(users).toEqual(["admin"]);
    expect(p.output()).not.toContain("demo12345");
  }, 120_000);

  it("with DATABASE_URL and HOTLINE_DEMO=1 loads the demo", async () => {
    const p = run(process.execPath, ["--import", "tsx", "src/main.ts"], {
      DATABASE_URL: db2.url,
      HOTLINE_DEMO: "1",
      HOTLINE_WORKERS: "none",
    });
    try {
      await p.listening(180_000);
    } finally {
      await p.stop();
    }
    const users = await usernames(db2.url);
    expect(users).toContain("agent1");
    expect(p.output()).toContain("demo12345");
    // The start output names every demo user (and only those), each once.
    const demoUsers = users.filter((u) => u !== "admin");
    expect(demoUsers.length).toBeGreaterThanOrEqual(10);
    for (const u of demoUsers) expect(p.output(), u).toMatch(new RegExp(`\\b${u} \\(|\\b${u}$`, "m"));
  }, 200_000);
});
