import { describe, expect, it } from "vitest";
import { DEVICE_COOKIE_MAX_AGE_SECONDS, issueDeviceCookie, readDeviceCookie } from "./device-cookie.ts";

const SECRET = "s3cret";
const NOW = 1_800_000_000_000;

describe("device cookie", () => {
  it("names the device and the usernames that logged in on it, newest first", () => {
    const first = issueDeviceCookie(SECRET, null, "alice", NOW);
    const device = readDeviceCookie(SECRET, first, NOW);
    expect(device?.usernames).toEqual(["alice"]);
    const second = readDeviceCookie(SECRET, issueDeviceCookie(SECRET, device, "bob", NOW), NOW);
    expect(second).toEqual({ id: device?.id, usernames: ["bob", "alice"] });
    let d = second;
    for (let i = 0; i < 20; i++)
      d = readDeviceCookie(SECRET, issueDeviceCookie(SECRET, d, `u${i}`, NOW), NOW);
    expect(d?.usernames).toHaveLength(8);
  });

  it("refuses forged, foreign, expired and malformed values", () => {
    const value = issueDeviceCookie(SECRET, null, "alice", NOW);
    expect(readDeviceCookie("other-secret", value, NOW)).toBeNull();
    const [payload, sig] = value.split(".") as [string, string];
    const forged = Buffer.from(JSON.stringify({ d: "x", u: ["mallory"], e: NOW / 1000 + 60 })).toString(
      "base64url",
    );
    expect(readDeviceCookie(SECRET, `${forged}.${sig}`, NOW)).toBeNull();
    expect(readDeviceCookie(SECRET, value, NOW + DEVICE_COOKIE_MAX_AGE_SECONDS * 1000)).toBeNull();
    for (const bad of [undefined, "", "x", "a.b", `${payload}.${sig}.x`, `${payload}.`, "x".repeat(5000)])
      expect(readDeviceCookie(SECRET, bad, NOW)).toBeNull();
  });
});
