import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
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

/**
 * POST /api/v1/auth/login from a chosen loopback address (127.0.0.0/8 all reach a server on
 * 127.0.0.1), so a test can play several clients; `cookie` is sent as the Cookie header.
 */
export function loginFrom(
  url: string,
  from: string,
  username: string,
  password: string,
  cookie?: string,
): Promise<{
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}> {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}/api/v1/auth/login`,
      {
        method: "POST",
        localAddress: from,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...(cookie ? { cookie } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {}, headers: res.headers }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** The `name=value` of a Set-Cookie header, ready to send back as Cookie. */
export function cookieFrom(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const set = headers["set-cookie"];
  return [set ?? []]
    .flat()
    .map((c) => c.split(";")[0] ?? "")
    .find((c) => c.startsWith(`${name}=`));
}
