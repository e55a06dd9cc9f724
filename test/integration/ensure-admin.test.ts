import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../src/auth/auth.service.ts";
import { verifyPassword } from "../../src/auth/password.ts";
import { createDb, type Db } from "../../src/db/client.ts";
import { createPool } from "../../src/db/pool.ts";
import { createTestDatabase } from "../helpers/db.ts";

/** Several processes starting together on one fresh database, each with its own pool and client. */
const PROCESSES = 4;

let fresh: { url: string; drop: () => Promise<void> };
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  fresh = await createTestDatabase();
});
afterAll(async () => {
  for (const close of closers) await close();
  await fresh?.drop();
});

function processes(n: number): Array<{ db: Db; auth: AuthService }> {
  return Array.from({ length: n }, () => {
    const pool = createPool(fresh.url, 2);
    const db = createDb(pool);
    closers.push(async () => {
      await db.$disconnect();
      await pool.end();
    });
    return { db, auth: new AuthService(db, 12) };
  });
}

describe("first start of several processes at once", () => {
  it("they agree on one signing secret and only the one that created admin reports a password", {
    timeout: 120_000,
  }, async () => {
    const ps = processes(PROCESSES);
    await Promise.all(ps.map((p) => p.auth.init()));
    const reported = await Promise.all(ps.map((p) => p.auth.ensureAdmin(undefined)));
    const passwords = reported.filter((p): p is string => p !== null);
    expect(passwords).toHaveLength(1);
    const db = ps[0]?.db as Db;
    const admins = await db.user.findMany({ where: { username: "admin" } });
    expect(admins).toHaveLength(1);
    expect(await verifyPassword(passwords[0] as string, admins[0]?.passwordHash as string)).toBe(true);
    // Every process signs with the same secret: a token one issues, another accepts.
    const { token } = await (ps[1] as { auth: AuthService }).auth.login("admin", passwords[0] as string);
    expect((await (ps[2] as { auth: AuthService }).auth.authenticate(`Bearer ${token}`)).username).toBe(
      "admin",
    );
    // A later start reports nothing.
    expect(await (ps[3] as { auth: AuthService }).auth.ensureAdmin(undefined)).toBeNull();
  });
});
