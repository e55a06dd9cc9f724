import { describe, expect, it } from "vitest";
import { CLOCK_SKEW_SECONDS, parseClaims } from "./token.ts";

const NOW = 1_800_000_000;
const TTL = 12 * 3600;
const ok = { sub: "42", exp: NOW + 600 };

describe("parseClaims", () => {
  it("accepts a user id and an expiry within the lifetime", () => {
    expect(parseClaims(ok, NOW, TTL)).toEqual({ userId: 42, exp: NOW + 600 });
    expect(parseClaims({ ...ok, exp: NOW + TTL + CLOCK_SKEW_SECONDS }, NOW, TTL)).not.toBeNull();
  });

  it.each([
    ["no exp", { sub: "42" }],
    ["exp as a string", { sub: "42", exp: String(NOW + 60) }],
    ["exp in the past", { sub: "42", exp: NOW - 1 }],
    ["exp now", { sub: "42", exp: NOW }],
    ["exp beyond the lifetime", { sub: "42", exp: NOW + TTL + CLOCK_SKEW_SECONDS + 1 }],
    ["exp infinite", { sub: "42", exp: Number.POSITIVE_INFINITY }],
    ["no sub", { exp: NOW + 60 }],
    ["sub a number", { sub: 42, exp: NOW + 60 }],
    ["sub text", { sub: "abc", exp: NOW + 60 }],
    ["sub empty", { sub: "", exp: NOW + 60 }],
    ["sub zero", { sub: "0", exp: NOW + 60 }],
    ["sub negative", { sub: "-1", exp: NOW + 60 }],
    ["sub fractional", { sub: "1.5", exp: NOW + 60 }],
    ["sub hexadecimal", { sub: "0x10", exp: NOW + 60 }],
    ["sub beyond int4", { sub: "2147483648", exp: NOW + 60 }],
    ["sub huge", { sub: "99999999999999999999", exp: NOW + 60 }],
  ])("refuses %s", (_, payload) => {
    expect(parseClaims(payload, NOW, TTL)).toBeNull();
  });

  it("refuses payloads that are not objects", () => {
    expect(parseClaims(null, NOW, TTL)).toBeNull();
    expect(parseClaims("42", NOW, TTL)).toBeNull();
  });
});
