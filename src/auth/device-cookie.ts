import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The known-device cookie of the login throttle (login-throttle.ts): set on every successful
 * login, it names the browser (a random id) and the usernames that logged in on it (the last
 * few: desks are shared), signed with a key derived from the token secret. It grants nothing
 * but the right to try a password when unknown clients are being throttled; it is HttpOnly,
 * SameSite=Strict and sent only to /api/v1/auth.
 */
export const DEVICE_COOKIE = "hotline_device";
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 30 * 86400;
const MAX_USERNAMES = 8;

export interface Device {
  id: string;
  usernames: string[];
}

function key(secret: string): Buffer {
  return createHmac("sha256", secret).update("hotline device cookie v1").digest();
}

function mac(secret: string, payload: string): Buffer {
  return createHmac("sha256", key(secret)).update(payload).digest();
}

/** The cookie value for `device` (a new device when null) after `username` logged in on it. */
export function issueDeviceCookie(
  secret: string,
  device: Device | null,
  username: string,
  nowMs: number,
): string {
  const usernames = [username, ...(device?.usernames ?? []).filter((u) => u !== username)].slice(
    0,
    MAX_USERNAMES,
  );
  const payload = Buffer.from(
    JSON.stringify({
      d: device?.id ?? randomBytes(16).toString("base64url"),
      u: usernames,
      e: Math.floor(nowMs / 1000) + DEVICE_COOKIE_MAX_AGE_SECONDS,
    }),
  ).toString("base64url");
  return `${payload}.${mac(secret, payload).toString("base64url")}`;
}

/** The device a cookie value names, or null when it is malformed, forged or expired. */
export function readDeviceCookie(secret: string, value: string | undefined, nowMs: number): Device | null {
  if (!value || value.length > 2048) return null;
  const [payload, signature, extra] = value.split(".");
  if (!payload || !signature || extra !== undefined) return null;
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const { d, u, e } = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
    if (typeof d !== "string" || typeof e !== "number" || e * 1000 <= nowMs) return null;
    if (!Array.isArray(u) || !u.every((x): x is string => typeof x === "string")) return null;
    return { id: d, usernames: u };
  } catch {
    return null;
  }
}
