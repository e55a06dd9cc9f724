import { describe, expect, it } from "vitest";
import {
  DEFAULT_THROTTLE_POLICY,
  type LoginAttempt,
  LoginThrottle,
  type ThrottlePolicy,
} from "./login-throttle.ts";

const MIN = 60_000;

function setup(policy: Partial<ThrottlePolicy> = {}) {
  let now = 1_000_000;
  const throttle = new LoginThrottle({ ...DEFAULT_THROTTLE_POLICY, ...policy }, () => now);
  const attempt = (a: Partial<LoginAttempt>, ok = false): number => {
    const d = throttle.begin({ address: "10.0.0.1", username: "alice", device: null, ...a });
    if ("done" in d) d.done(ok);
    return d.waitMs;
  };
  return {
    throttle,
    attempt,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("LoginThrottle", () => {
  it("a username gets 10 free failures, then waits 15 s, doubling per failure up to 15 minutes", () => {
    const t = setup();
    for (let i = 0; i < 10; i++) expect(t.attempt({ address: `10.0.1.${i}` })).toBe(0);
    expect(t.attempt({ address: "10.0.2.1" })).toBe(15_000);
    t.advance(15_000);
    expect(t.attempt({ address: "10.0.2.2" })).toBe(0); // the 11th failure
    expect(t.attempt({ address: "10.0.2.3" })).toBe(30_000);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const w = t.attempt({ address: `10.0.3.${i}` });
      waits.push(w);
      t.advance(w);
      expect(t.attempt({ address: `10.0.3.${i}` })).toBe(0);
    }
    expect(waits).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
    // Other usernames are not slowed by it.
    expect(t.attempt({ username: "bob", address: "10.0.4.1" })).toBe(0);
  });

  it("the correct password, once the wait is over, gets in and clears the username's backoff", () => {
    const t = setup();
    for (let i = 0; i < 12; i++) {
      t.advance(t.attempt({ address: `10.0.1.${i}` }) ? 60 * MIN : 0);
    }
    t.advance(DEFAULT_THROTTLE_POLICY.usernameMaxDelayMs);
    expect(t.attempt({ address: "10.9.9.9" }, true)).toBe(0);
    expect(t.attempt({ address: "10.9.9.8" })).toBe(0);
  });

  it("a username's failures are forgotten after an hour without one", () => {
    const t = setup();
    for (let i = 0; i < 10; i++) t.attempt({ address: `10.0.1.${i}` });
    expect(t.attempt({})).toBeGreaterThan(0);
    t.advance(59 * MIN);
    expect(t.attempt({ address: "10.0.5.99" })).toBe(0);
    expect(t.attempt({ address: "10.0.5.98" })).toBe(30_000);
    t.advance(60 * MIN);
    for (let i = 0; i < 10; i++) expect(t.attempt({ address: `10.0.5.${i}` })).toBe(0);
  });

  it("an address gets 30 failures in 15 minutes across usernames, then waits for the oldest to age out", () => {
    const t = setup();
    for (let i = 0; i < 30; i++) {
      expect(t.attempt({ username: `user${i}` })).toBe(0);
      t.advance(10_000);
    }
    // The first failure was 300 s ago; it leaves the window in 600 s.
    expect(t.attempt({ username: "fresh" })).toBe(15 * MIN - 300_000);
    expect(t.attempt({ username: "fresh", address: "10.0.0.2" })).toBe(0);
    t.advance(15 * MIN - 300_000);
    expect(t.attempt({ username: "fresh" })).toBe(0); // one slot free again …
    expect(t.attempt({ username: "fresh2" })).toBe(10_000); // … and used
  });

  it("successful logins do not count against the address", () => {
    const t = setup();
    for (let i = 0; i < 100; i++) expect(t.attempt({ username: `user${i}` }, true)).toBe(0);
    for (let i = 0; i < 30; i++) expect(t.attempt({ username: `x${i}` })).toBe(0);
    expect(t.attempt({ username: "y" })).toBeGreaterThan(0);
  });

  it("a known device skips the address and username counters, so others cannot lock its user out", () => {
    const t = setup();
    // An attacker behind the same address exhausts both.
    for (let i = 0; i < 40; i++) t.attempt({ username: i % 2 ? "alice" : `spray${i}` });
    expect(t.attempt({})).toBeGreaterThan(0);
    expect(t.attempt({ device: "dev-1" }, true)).toBe(0);
    expect(t.attempt({ device: "dev-1" })).toBe(0);
  });

  it("a known device has 10 failures of its own, then counts as unknown", () => {
    const t = setup();
    for (let i = 0; i < 10; i++) expect(t.attempt({ device: "dev-1" })).toBe(0);
    // Unknown now: the username's own counter is untouched, so the attempt is admitted as unknown …
    expect(t.attempt({ device: "dev-1" })).toBe(0);
    // … and counted there.
    for (let i = 0; i < 9; i++) t.attempt({ device: "dev-1", address: `10.0.7.${i}` });
    expect(t.attempt({ device: "dev-1" })).toBeGreaterThan(0);
    // Another device of the user is unaffected.
    expect(t.attempt({ device: "dev-2" }, true)).toBe(0);
  });

  it("attempts in flight count, so parallel guesses cannot outrun the limit", () => {
    const t = setup();
    const pending = [];
    for (let i = 0; i < 20; i++)
      pending.push(t.throttle.begin({ address: `10.0.8.${i}`, username: "alice", device: null }));
    expect(pending.filter((d) => d.waitMs === 0)).toHaveLength(10);
  });

  it("keeps at most maxEntries per counter", () => {
    const t = setup({ maxEntries: 100 });
    for (let i = 0; i < 1000; i++) t.attempt({ username: `u${i}`, address: `a${i}` });
    const inner = t.throttle as unknown as {
      addresses: Map<string, unknown>;
      usernames: Map<string, unknown>;
    };
    expect(inner.addresses.size).toBeLessThanOrEqual(100);
    expect(inner.usernames.size).toBeLessThanOrEqual(100);
  });
});
