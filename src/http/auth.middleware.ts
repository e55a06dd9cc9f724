import type { MiddlewareHandler } from "hono";
import type { AuthService } from "../auth/auth.service.ts";
import type { Role } from "../generated/prisma/enums.ts";
import type { AppEnv } from "./app.ts";
import { forbidden } from "./errors.ts";

export function requireAuth(auth: AuthService): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("principal", await auth.authenticate(c.req.header("authorization")));
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
