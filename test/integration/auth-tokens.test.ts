import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { DEMO_PASSWORD } from "../../prisma/seed.ts";
import { AuthService, PRINCIPAL_CACHE_MS } from "../../src/auth/auth.service.ts";
import { createDb } from "../../src/db/client.ts";
import { createPool } from "../../src/db/pool.ts";
import { ADMIN_PASSWORD, ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { forgeToken, login, tokenSecret, userId } from "./auth-fixtures.ts";

let sys: TestSystem;
let secret: string;
beforeAll(async () => {
  sys = await startTestSystem({ workers: false });
  secret = await tokenSecret(sys);
});
afterAll(async () => sys?.stop());

const me = (token: string) => new ApiClient(sys.url, token).get("/api/v1/auth/me");

describe("token claims", () => {
  it("a well-formed token signed with the secret is accepted (the control for the refusals below)", {
    timeout: 120_000,
  }, async () => {
    const res = await me(await forgeToken(secret, { sub: String(await userId(sys, "admin")) }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: "admin" });
  });

  it("401 for a signed token without exp", { timeout: 120_000 }, async () => {
    const res = await me(
      await forgeToken(secret, { sub: String(await userId(sys, "admin")), exp: undefined }),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
  });

  it("401 for a signed token whose exp lies beyond the configured lifetime", {
    timeout: 120_000,
  }, async () => {
    const sub = String(await userId(sys, "admin"));
    const tenYears = await forgeToken(secret, { sub }, { ttlSeconds: 10 * 365 * 86400 });
    expect((await me(tenYears)).status).toBe(401);
    // The default lifetime is 12 hours; a token just inside it (plus clock skew) passes.
    expect((await me(await forgeToken(secret, { sub }, { ttlSeconds: 12 * 3600 }))).status).toBe(200);
    expect((await me(await forgeToken(secret, { sub }, { ttlSeconds: 13 * 3600 }))).status).toBe(401);
  });

  it("401 for an expired token and for exp that is not a number", { timeout: 120_000 }, async () => {
    const sub = String(await userId(sys, "admin"));
    expect((await me(await forgeToken(secret, { sub }, { ttlSeconds: -10 }))).status).toBe(401);
    expect((await me(await forgeToken(secret, { sub, exp: "9999999999" }))).status).toBe(401);
  });

  it("401, not 500, for a sub that is not a user id", { timeout: 120_000 }, async () => {
    for (const sub of ["abc", "", "1.5", "-1", "99999999999999999999", "0x10", undefined]) {
      const res = await me(await forgeToken(secret, { sub }));
      expect(res.status, `sub ${JSON.stringify(sub)}`).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    expect((await me(await forgeToken(secret, { sub: 12345 }))).status).toBe(401);
    expect((await me(await forgeToken(secret, { sub: "999999" }))).status).toBe(401);
  });

  it("401 for a token signed with another key or with alg none", { timeout: 120_000 }, async () => {
    const sub = String(await userId(sys, "admin"));
    expect((await me(await forgeToken("not-the-secret", { sub }))).status).toBe(401);
    const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const body = Buffer.from(
      JSON.stringify({ sub, exp: Math.floor(Date.now() / 1000) + 60, ver: 0, jti: "x" }),
    ).toString("base64url");
    expect((await me(`${header}.${body}.`)).status).toBe(401);
  });

  it("the tokens login issues carry exp within the lifetime", { timeout: 120_000 }, async () => {
    const res = await fetch(`${sys.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: ADMIN_PASSWORD }),
    });
    const { token } = (await res.json()) as { token: string };
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as {
      exp: number;
    };
    const now = Date.now() / 1000;
    expect(claims.exp).toBeGreaterThan(now + 11.9 * 3600);
    expect(claims.exp).toBeLessThanOrEqual(now + 12 * 3600 + 1);
  });
});

describe("revocation", () => {
  const fresh = async (username: string, password: string) => {
    const res = await login(sys.url, username, password);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return new ApiClient(sys.url, res.body.token as string);
  };

  it("logout revokes the presented token at once, and only that one", { timeout: 120_000 }, async () => {
    const a = await fresh("agent1", DEMO_PASSWORD);
    const b = await fresh("agent1", DEMO_PASSWORD);
    expect((await a.get("/api/v1/auth/me")).status).toBe(200);
    const out = await a.post("/api/v1/auth/logout");
    expect(out.status).toBe(204);
    const after = await a.get("/api/v1/auth/me");
    expect(after.status).toBe(401);
    expect(after.headers.get("content-type")).toContain("application/problem+json");
    expect((await a.post("/api/v1/auth/logout")).status).toBe(401);
    expect((await b.get("/api/v1/auth/me")).status).toBe(200);
    expect((await new ApiClient(sys.url, null).post("/api/v1/auth/logout")).status).toBe(401);
  });

  it("a logout reaches another process within the principal cache's lifetime", {
    timeout: 120_000,
  }, async () => {
    // Another process: its own pool and client, so no in-process announcement reaches it.
    const pool = createPool(sys.system.services.databaseUrl, 2);
    const db = createDb(pool);
    onTestFinished(async () => {
      await db.$disconnect();
      await pool.end();
    });
    const other = new AuthService(db, 12);
    await other.init();
    const client = await fresh("agent2", DEMO_PASSWORD);
    const header = `Bearer ${client.token}`;
    expect((await other.authenticate(header)).username).toBe("agent2");
    const at = Date.now();
    expect((await client.post("/api/v1/auth/logout")).status).toBe(204);
    let refusedAfter = -1;
    while (Date.now() - at < 10_000) {
      const ok = await other.authenticate(header).then(
        () => true,
        () => false,
      );
      if (!ok) {
        refusedAfter = Date.now() - at;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(refusedAfter).toBeGreaterThanOrEqual(0);
    // The cache lifetime, plus the poll interval and a loaded machine's slack.
    expect(refusedAfter).toBeLessThan(PRINCIPAL_CACHE_MS + 2_000);
    console.info(`logout reached the other process after ${refusedAfter} ms`);
  });

  it("changing one's password revokes every token of the user and answers a new one", {
    timeout: 120_000,
  }, async () => {
    const a = await fresh("reviewer1", DEMO_PASSWORD);
    const b = await fresh("reviewer1", DEMO_PASSWORD);
    const res = await a.post("/api/v1/auth/password", {
      currentPassword: DEMO_PASSWORD,
      newPassword: "a-new-secret-1",
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await a.get("/api/v1/auth/me")).status).toBe(401);
    expect((await b.get("/api/v1/auth/me")).status).toBe(401);
    const renewed = new ApiClient(sys.url, res.body.token as string);
    expect((await renewed.get("/api/v1/auth/me")).body).toMatchObject({ username: "reviewer1" });
    expect((await login(sys.url, "reviewer1", DEMO_PASSWORD)).status).toBe(401);
    expect((await login(sys.url, "reviewer1", "a-new-secret-1")).status).toBe(200);
  });
});
