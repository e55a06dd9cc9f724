import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../helpers/db.ts";

/** Runs a script with tsx against `databaseUrl`; resolves with its exit code and output. */
function run(args: string[], databaseUrl: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], {
    env: {
      ...process.env,
      VITEST: "",
      DATABASE_URL: databaseUrl,
      REDIS_URL: "",
      HOTLINE_ADMIN_PASSWORD: "admin-test-password",
      LOG_LEVEL: "silent",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += String(d);
  });
  child.stderr.on("data", (d) => {
    out += String(d);
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out })));
}

/**
 * `npm run generate -- --import` loads a generated year that refers to the demo organisation's
 * categories and departments. Without them every line would be rejected: the script must say so
 * and fail, never print "true figures" for data it did not load.
 */
describe("npm run generate -- --import", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it("on a database without the demo organisation: exits 1, says what to do, no true figures", async () => {
    const { code, out } = await run(
      ["scripts/generate.ts", "--tickets", "20", "--year", "2025", "--import"],
      db.url,
    );
    expect(code, out).toBe(1);
    expect(out).toMatch(/demo organisation/);
    expect(out).toMatch(/npm run seed:demo/);
    expect(out).not.toMatch(/true figures/);
    expect(out).not.toMatch(/imported \d+/);
  }, 120_000);

  it("once the demo organisation is there: imports every line and prints the true figures", async () => {
    const seeded = await run(["prisma/seed.ts"], db.url);
    expect(seeded.code, seeded.out).toBe(0);
    const { code, out } = await run(
      ["scripts/generate.ts", "--tickets", "20", "--year", "2025", "--import"],
      db.url,
    );
    expect(code, out).toBe(0);
    expect(out).toMatch(/imported 20, rejected 0/);
    expect(out).toMatch(/true figures for 2025/);
  }, 180_000);
});
