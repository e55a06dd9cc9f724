import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../prisma/seed.ts";
import { registerLoginRoute } from "../../src/auth/auth.routes.ts";
import { AuthService } from "../../src/auth/auth.service.ts";
import { DEFAULT_THROTTLE_POLICY, LoginThrottle } from "../../src/auth/login-throttle.ts";
import { createBaseApp } from "../../src/http/app.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import { cookieFrom, loginFrom } from "./auth-fixtures.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem({ workers: false });
});
afterAll(async () => sys?.stop());

const DEVICE = "hotline_device";

function expectThrottled(res: {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}) {
  expect(res.status).toBe(429);
  expect(String(res.headers["content-type"])).toContain("application/problem+json");
  const wait = Number(res.headers["retry-after"]);
  expect(wait).toBeGreaterThan(0);
  expect(wait).toBeLessThanOrEqual(15 * 60);
  expect(res.body).toMatchObject({ status: 429, retryAfter: wait });
  expect(String(res.body.detail)).toMatch(/\d+ s/);
  return wait;
}

describe("login throttling in the running system", () => {
  it("spraying one address across usernames is refused after 30 failures, with Retry-After", {
    timeout: 240_000,
  }, async () => {
    const from = "127.0.0.2";
    for (let i = 0; i < 30; i++) {
      const res = await loginFrom(sys.url, from, `nobody-${i}`, "guess-guess");
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    expectThrottled(await loginFrom(sys.url, from, "nobody-30", "guess-guess"));
    expectThrottled(await loginFrom(sys.url, from, "agent1", DEMO_PASSWORD));
    // Another address is unaffected.
    expect((await loginFrom(sys.url, "127.0.0.3", "agent1", DEMO_PASSWORD)).status).toBe(200);
  });

  it("guessing one username from another address slows unknown clients; the user's known browser still gets in", {
    timeout: 120_000,
  }, async () => {
    const known = await loginFrom(sys.url, "127.0.0.5", "handler2", DEMO_PASSWORD);
    expect(known.status).toBe(200);
    const cookie = cookieFrom(known.headers, DEVICE);
    expect(cookie).toBeDefined();
    const setCookie = String([known.headers["set-cookie"]].flat().find((c) => String(c).startsWith(DEVICE)));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    for (let i = 0; i < 10; i++)
      expect((await loginFrom(sys.url, "127.0.0.6", "handler2", `guess-${i}`)).status).toBe(401);
    // (The attacker's own address and username are also refused by src/http's older limiter.)
    expect((await loginFrom(sys.url, "127.0.0.6", "handler2", DEMO_PASSWORD)).status).toBe(429);
    // From the user's own address but without the cookie, the username's backoff applies …
    const wait = expectThrottled(await loginFrom(sys.url, "127.0.0.5", "handler2", DEMO_PASSWORD));
    expect(wait).toBeLessThanOrEqual(15);
    // … with it, the user gets in. That does not lift the backoff for unknown clients, which
    // would hand the attacker ten more free guesses.
    expect((await loginFrom(sys.url, "127.0.0.5", "handler2", DEMO_PASSWORD, cookie)).status).toBe(200);
    expectThrottled(await loginFrom(sys.url, "127.0.0.7", "handler2", DEMO_PASSWORD));
  });

  it("a forged or foreign device cookie earns no trust", { timeout: 120_000 }, async () => {
    const own = await loginFrom(sys.url, "127.0.0.8", "agent2", DEMO_PASSWORD);
    const cookie = cookieFrom(own.headers, DEVICE) as string;
    for (let i = 0; i < 10; i++) await loginFrom(sys.url, "127.0.0.9", "manager1", `guess-${i}`);
    expect((await loginFrom(sys.url, "127.0.0.8", "manager1", DEMO_PASSWORD, cookie)).status).toBe(429);
    const [name, value = ""] = cookie.split("=");
    const tampered = `${name}=${value.slice(0, -2)}${value.endsWith("AA") ? "BB" : "AA"}`;
    expect((await loginFrom(sys.url, "127.0.0.8", "manager1", DEMO_PASSWORD, tampered)).status).toBe(429);
    expect(
      (await loginFrom(sys.url, "127.0.0.8", "manager1", DEMO_PASSWORD, `${DEVICE}=garbage`)).status,
    ).toBe(429);
  });
});

/** The login route alone (without src/http's older per-address-and-username limiter). */
async function loginOnly(
  policy: Partial<typeof DEFAULT_THROTTLE_POLICY>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const auth = new AuthService(sys.system.services.db, 12, {
    throttle: new LoginThrottle({ ...DEFAULT_THROTTLE_POLICY, ...policy }),
  });
  await auth.init();
  const app = createBaseApp();
  registerLoginRoute(app, auth);
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("the throttle on its own", () => {
  it("gives what api-errors.test.ts expects of the system: 10 failures, then 429 even for the right password; other users unaffected", {
    timeout: 120_000,
  }, async () => {
    const only = await loginOnly({});
    try {
      const statuses = [];
      for (let i = 0; i < 12; i++)
        statuses.push((await loginFrom(only.url, "127.0.0.1", "agent2", `guess-${i}`)).status);
      expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
      expectThrottled(await loginFrom(only.url, "127.0.0.1", "agent2", DEMO_PASSWORD));
      expect((await loginFrom(only.url, "127.0.0.1", "handler3", DEMO_PASSWORD)).status).toBe(200);
    } finally {
      await only.close();
    }
  });
});

describe("login throttling behind one shared address (a proxy)", () => {
  /** A small policy, so the shared-address case is quick to play: attacker and user both come from 127.0.0.1. */
  let only: { url: string; close: () => Promise<void> };
  let url: string;
  beforeAll(async () => {
    only = await loginOnly({ addressFailures: 6, usernameFreeFailures: 3 });
    url = only.url;
  });
  afterAll(async () => only?.close());

  it("an attacker sharing the user's address cannot lock the user out of a browser they used before", {
    timeout: 120_000,
  }, async () => {
    const from = "127.0.0.1";
    const first = await loginFrom(url, from, "reviewer1", DEMO_PASSWORD);
    expect(first.status).toBe(200);
    const cookie = cookieFrom(first.headers, DEVICE);
    // The attacker, same address: the user's username, then others.
    for (let i = 0; i < 3; i++)
      expect((await loginFrom(url, from, "reviewer1", `guess-${i}`)).status).toBe(401);
    expectThrottled(await loginFrom(url, from, "reviewer1", `guess-x`));
    for (let i = 0; i < 3; i++) expect((await loginFrom(url, from, `spray-${i}`, "guess")).status).toBe(401);
    expectThrottled(await loginFrom(url, from, "agent1", DEMO_PASSWORD));
    // The user, from the same address, on the browser they used: in.
    expect((await loginFrom(url, from, "reviewer1", DEMO_PASSWORD, cookie)).status).toBe(200);
    // Wrong passwords on that browser count against the browser: after 10 it is unknown again.
    for (let i = 0; i < 10; i++)
      expect((await loginFrom(url, from, "reviewer1", `typo-${i}`, cookie)).status).toBe(401);
    expectThrottled(await loginFrom(url, from, "reviewer1", DEMO_PASSWORD, cookie));
  });
});
