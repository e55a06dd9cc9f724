import type { MiddlewareHandler } from "hono";
import type { AuthService } from "../auth/auth.service.ts";
import type { Role } from "../generated/prisma/enums.ts";
import type { AppEnv } from "./app.ts";
import { forbidden } from "./errors.ts";

/** Paths where the token may come as `?access_token=`: EventSource cannot send headers. */
const QUERY_TOKEN_PATHS = new Set(["/api/v1/stats/stream"]);

export function requireAuth(auth: AuthService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const queryToken = QUERY_TOKEN_PATHS.has(c.req.path) ? c.req.query("access_token") : undefined;
    const header = c.req.header("authorization") ?? (queryToken ? `Bearer ${queryToken}` : undefined);
    c.set("principal", await auth.authenticate(header));
    await next();
  };
}

export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!roles.includes(c.get("principal").role))
      throw forbidden(`This needs one of the roles: ${roles.join(", ")}`);
    await next();
  };
}
