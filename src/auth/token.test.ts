import { describe, expect, it } from "vitest";
import { CLOCK_SKEW_SECONDS, parseClaims } from "./token.ts";

const NOW = 1_800_000_000;
const TTL = 12 * 3600;
const ok = { sub: "42", exp: NOW + 600, jti: "0123456789abcdef", ver: 3 };

describe("parseClaims", () => {
  it("accepts a user id and an expiry within the lifetime", () => {
    expect(parseClaims(ok, NOW, TTL)).toEqual({
      userId: 42,
      exp: NOW + 600,
      jti: "0123456789abcdef",
      ver: 3,
    });
    expect(parseClaims({ ...ok, exp: NOW + TTL + CLOCK_SKEW_SECONDS }, NOW, TTL)).not.toBeNull();
  });

  it.each([
    ["no exp", { ...ok, exp: undefined }],
    ["no jti", { ...ok, jti: undefined }],
    ["a short jti", { ...ok, jti: "x" }],
    ["a numeric jti", { ...ok, jti: 12345678 }],
    ["no ver", { ...ok, ver: undefined }],
    ["a negative ver", { ...ok, ver: -1 }],
    ["a fractional ver", { ...ok, ver: 1.5 }],
    ["exp as a string", { ...ok, sub: "42", exp: String(NOW + 60) }],
    ["exp in the past", { ...ok, sub: "42", exp: NOW - 1 }],
    ["exp now", { ...ok, sub: "42", exp: NOW }],
    ["exp beyond the lifetime", { ...ok, sub: "42", exp: NOW + TTL + CLOCK_SKEW_SECONDS + 1 }],
    ["exp infinite", { ...ok, sub: "42", exp: Number.POSITIVE_INFINITY }],
    ["no sub", { ...ok, sub: undefined }],
    ["sub a number", { ...ok, sub: 42, exp: NOW + 60 }],
    ["sub text", { ...ok, sub: "abc", exp: NOW + 60 }],
    ["sub empty", { ...ok, sub: "", exp: NOW + 60 }],
    ["sub zero", { ...ok, sub: "0", exp: NOW + 60 }],
    ["sub negative", { ...ok, sub: "-1", exp: NOW + 60 }],
    ["sub fractional", { ...ok, sub: "1.5", exp: NOW + 60 }],
    ["sub hexadecimal", { ...ok, sub: "0x10", exp: NOW + 60 }],
    ["sub beyond int4", { ...ok, sub: "2147483648", exp: NOW + 60 }],
    ["sub huge", { ...ok, sub: "99999999999999999999", exp: NOW + 60 }],
  ])("refuses %s", (_, payload) => {
    expect(parseClaims(payload, NOW, TTL)).toBeNull();
  });

  it("refuses payloads that are not objects", () => {
    expect(parseClaims(null, NOW, TTL)).toBeNull();
    expect(parseClaims("42", NOW, TTL)).toBeNull();
  });
});
