import { randomBytes, scryptSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../src/auth/auth.service.ts";
import { hashPassword, verifyPassword } from "../../src/auth/password.ts";
import { createDb, type Db } from "../../src/db/client.ts";
import { createPool } from "../../src/db/pool.ts";
import { createTestDatabase } from "../helpers/db.ts";

let fresh: { url: string; drop: () => Promise<void> };
let pool: ReturnType<typeof createPool>;
let db: Db;
let auth: AuthService;
beforeAll(async () => {
  fresh = await createTestDatabase();
  pool = createPool(fresh.url, 2);
  db = createDb(pool);
  auth = new AuthService(db, 12);
  await auth.init();
});
afterAll(async () => {
  await db?.$disconnect();
  await pool?.end();
  await fresh?.drop();
});

/** A hash as the product wrote them before: scrypt N=2^14, r=8, p=1. */
function legacyHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return ["scrypt", 16384, 8, 1, salt.toString("base64"), key.toString("base64")].join("$");
}

describe("password hashing", () => {
  it("new hashes use scrypt N=2^17, r=8, p=1 (OWASP)", { timeout: 120_000 }, async () => {
    const stored = await hashPassword("correct horse");
    expect(stored.split("$").slice(0, 4)).toEqual(["scrypt", "131072", "8", "1"]);
    expect(await verifyPassword("correct horse", stored)).toBe(true);
    expect(await verifyPassword("wrong horse", stored)).toBe(false);
  });

  it("hashes of the old cost still verify and are rehashed on the first successful login", {
    timeout: 120_000,
  }, async () => {
    const old = legacyHash("old-password-1");
    const user = await db.user.create({
      data: { username: "legacy", passwordHash: old, displayName: "Legacy", role: "agent" },
    });
    await expect(auth.login("legacy", "not-it")).rejects.toMatchObject({ code: "unauthenticated" });
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash).toBe(old);
    expect((await auth.login("legacy", "old-password-1")).user.username).toBe("legacy");
    const now = (await db.user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash;
    expect(now.split("$").slice(0, 4)).toEqual(["scrypt", "131072", "8", "1"]);
    expect(await verifyPassword("old-password-1", now)).toBe(true);
    expect((await auth.login("legacy", "old-password-1")).user.username).toBe("legacy");
  });

  it("a stored hash with absurd parameters is refused, not run", { timeout: 120_000 }, async () => {
    const salt = Buffer.alloc(16).toString("base64");
    const key = Buffer.alloc(32).toString("base64");
    for (const params of ["4194304$8$1", "131072$8$64", "100000$8$1", "0$8$1", "131072$x$1"]) {
      const started = Date.now();
      expect(await verifyPassword("x", `scrypt$${params}$${salt}$${key}`)).toBe(false);
      expect(Date.now() - started).toBeLessThan(2_000);
    }
    expect(await verifyPassword("x", "bcrypt$whatever")).toBe(false);
    expect(await verifyPassword("x", "")).toBe(false);
  });
});
