import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../helpers/db.ts";

/**
 * `npm start` as an operator sees it: a fatal start error ends the process with a non-zero
 * code, SIGTERM with zero — also when the embedded PostgreSQL is loaded (its package installs
 * exit hooks that used to force code 0).
 */
function start(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: {
      ...process.env,
      VITEST: "",
      LOG_LEVEL: "info",
      HOTLINE_ADMIN_PASSWORD: "admin-test-password",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += String(d);
  });
  child.stderr?.on("data", (d) => {
    out += String(d);
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => out, exit };
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A TCP port nobody listens on, and one that is taken (by this test). */
async function takenPort(): Promise<{ port: number; close: () => void }> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  const addr = srv.address();
  if (!addr || typeof addr === "string") throw new Error("no port");
  return { port: addr.port, close: () => srv.close() };
}

/**
 * `npm start`'s command (tsx src/main.ts) as the leader of its own process group, as a terminal
 * runs it: Ctrl+C and `kill -TERM -<pgid>` signal every process in the group, the embedded
 * PostgreSQL included.
 */
function startGroup(env: Record<string, string>) {
  const child = spawn("node_modules/.bin/tsx", ["src/main.ts"], {
    env: {
      ...process.env,
      VITEST: "",
      LOG_LEVEL: "info",
      HOTLINE_ADMIN_PASSWORD: "admin-test-password",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += String(d);
  });
  child.stderr?.on("data", (d) => {
    err += String(d);
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

describe("npm start's exit code", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("is non-zero when the database cannot be reached", async () => {
    const p = start({ DATABASE_URL: "postgresql://postgres@127.0.0.1:1/none", PORT: "0" });
    expect(await p.exit).toBe(1);
    expect(p.output()).toContain("failed to start");
  }, 60_000);

  it("is zero after SIGTERM, and non-zero when the port is taken", async () => {
    const p = start({ DATABASE_URL: db.url, PORT: "0", HOST: "127.0.0.1" });
    await waitFor(() => p.output().includes("is listening on"), 60_000);
    p.child.kill("SIGTERM");
    expect(await p.exit).toBe(0);

    const taken = await takenPort();
    try {
      const q = start({ DATABASE_URL: db.url, PORT: String(taken.port), HOST: "127.0.0.1" });
      expect(await q.exit).toBe(1);
    } finally {
      taken.close();
    }
  }, 120_000);

  it("is non-zero on a fatal error after the embedded PostgreSQL started, zero on SIGTERM", async () => {
    // Under .data, not the 0700 tmpdir: as root, the embedded server runs as its own user.
    mkdirSync(".data", { recursive: true });
    const dir = mkdtempSync(join(".data", "exit-test-"));
    chmodSync(dir, 0o755);
    const taken = await takenPort();
    const pgPort = String(20_000 + Math.floor(Math.random() * 20_000));
    // No demo: loading 90 days of history is not what this test is about, and takes a while.
    const env = {
      DATABASE_URL: "",
      HOTLINE_DATA_DIR: dir,
      EMBEDDED_PG_PORT: pgPort,
      HOST: "127.0.0.1",
      HOTLINE_DEMO: "0",
    };
    try {
      const failing = start({ ...env, PORT: String(taken.port) });
      expect(await failing.exit).toBe(1);
      const ok = start({ ...env, PORT: "0" });
      await waitFor(() => ok.output().includes("is listening on"), 90_000);
      ok.child.kill("SIGTERM");
      expect(await ok.exit).toBe(0);
    } finally {
      taken.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("Ctrl+C and SIGTERM to the process group (embedded PostgreSQL included) stop quietly with 0", async () => {
    mkdirSync(".data", { recursive: true });
    const dir = mkdtempSync(join(".data", "exit-group-"));
    chmodSync(dir, 0o755);
    const env = {
      DATABASE_URL: "",
      HOTLINE_DATA_DIR: dir,
      EMBEDDED_PG_PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
      HOST: "127.0.0.1",
      PORT: "0",
      HOTLINE_DEMO: "0",
    };
    try {
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        const p = startGroup(env);
        await waitFor(() => p.stdout().includes("is listening on"), 90_000);
        // Let the workers, their queue connections and LISTENs settle, as in a running centre.
        await new Promise((r) => setTimeout(r, 2_000));
        const before = p.stdout().length;
        process.kill(-(p.child.pid as number), signal);
        expect(await p.exit, signal).toBe(0);
        const after = p.stdout().slice(before).trim().split("\n").filter(Boolean);
        expect(after, signal).toEqual([`stopped (${signal})`]);
        expect(p.stderr(), signal).not.toMatch(/Unhandled|\n\s+at /);
        expect(p.stderr().trim(), signal).toBe("");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
