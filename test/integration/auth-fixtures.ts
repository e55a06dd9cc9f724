import { randomUUID } from "node:crypto";
import { sign } from "hono/jwt";
import type { TestSystem } from "../helpers/system.ts";

/** The running system's token signing secret (the `settings` row every process shares). */
export async function tokenSecret(sys: TestSystem): Promise<string> {
  const row = await sys.system.services.db.setting.findUniqueOrThrow({ where: { key: "auth.tokenSecret" } });
  return String(row.value);
}

export async function userId(sys: TestSystem, username: string): Promise<number> {
  return (await sys.system.services.db.user.findUniqueOrThrow({ where: { username } })).id;
}

/**
 * A token signed like the system's own, with `claims` merged over well-formed defaults
 * (an `undefined` claim is left out). Lets a test vary one claim at a time.
 */
export async function forgeToken(
  secret: string,
  claims: Record<string, unknown>,
  opts: { ttlSeconds?: number } = {},
): Promise<string> {
  const base: Record<string, unknown> = {
    jti: randomUUID(),
    ver: 0,
    exp: Math.floor(Date.now() / 1000) + (opts.ttlSeconds ?? 3600),
  };
  const payload = Object.fromEntries(
    Object.entries({ ...base, ...claims }).filter(([, v]) => v !== undefined),
  ) as Parameters<typeof sign>[0];
  return sign(payload, secret, "HS256");
}

/** POST /api/v1/auth/login without the helper's client cache; returns status, body and headers. */
export async function login(
  url: string,
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ username, password }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {}, headers: res.headers };
}
