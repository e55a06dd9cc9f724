import { getConnInfo } from "@hono/node-server/conninfo";
import type { MiddlewareHandler } from "hono";
import { rateLimiter } from "hono-rate-limiter";
import { type AppEnv, sendProblem } from "./app.ts";

/**
 * Failed logins per client address and username: 10 in 15 minutes, then 429 until the
 * window passes. Successful logins do not count. Kept in process memory: with several API
 * processes each keeps its own window, which still bounds guessing per process.
 */
export function loginRateLimit(limit = 10, windowMs = 15 * 60_000): MiddlewareHandler<AppEnv> {
  return rateLimiter<AppEnv>({
    windowMs,
    limit,
    standardHeaders: "draft-7",
    skipSuccessfulRequests: true,
    keyGenerator: async (c) => {
      let username = "";
      try {
        username = String(((await c.req.raw.clone().json()) as { username?: unknown }).username ?? "");
      } catch {
        // a malformed body is still counted, under the address alone
      }
      let address = "unknown";
      try {
        address = getConnInfo(c).remote.address ?? "unknown";
      } catch {
        // not behind @hono/node-server (in-process requests)
      }
      return `${address}|${username}`;
    },
    handler: (c) =>
      sendProblem(c, "rate_limited", "Too many failed logins; wait a few minutes and try again"),
  });
}
