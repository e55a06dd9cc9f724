import { randomUUID } from "node:crypto";
import { swaggerUI } from "@hono/swagger-ui";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import type { Principal } from "../auth/principal.ts";
import { logger } from "../logger.ts";
import { AppError, type ErrorCode, problem } from "./errors.ts";

export type AppEnv = { Variables: { principal: Principal; requestId: string } };
export type App = OpenAPIHono<AppEnv>;

export function sendProblem(
  c: Context,
  code: ErrorCode,
  detail: string,
  extra: Record<string, unknown> = {},
) {
  const body = problem(code, detail, { ...extra, requestId: c.get("requestId") });
  return c.body(JSON.stringify(body), body.status as ContentfulStatusCode, {
    "content-type": "application/problem+json; charset=utf-8",
  });
}

/** zod issues → `errors` (field path → message), the 422 body's detail. */
export function zodErrors(error: ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join(".") : "body";
    errors[key] ??= issue.message;
  }
  return errors;
}

/** The bare app: request ids, one error path, OpenAPI document and docs. Routes are added by the caller. */
export function createBaseApp(): App {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        return sendProblem(c, "validation", "The request has invalid fields", {
          errors: zodErrors(result.error as ZodError),
        });
      }
    },
  });

  app.use("*", async (c, next) => {
    const requestId = c.req.header("x-request-id") ?? randomUUID();
    c.set("requestId", requestId);
    c.header("x-request-id", requestId);
    await next();
  });

  app.onError((err, c) => {
    if (err instanceof AppError) return sendProblem(c, err.code, err.message, err.extra);
    if (err instanceof ZodError)
      return sendProblem(c, "validation", "The request has invalid fields", { errors: zodErrors(err) });
    if (err instanceof HTTPException) {
      const code: ErrorCode =
        err.status === 401
          ? "unauthenticated"
          : err.status === 404
            ? "not_found"
            : err.status === 429
              ? "rate_limited"
              : "malformed";
      return sendProblem(c, code, err.message || "Malformed request");
    }
    logger.error({ err, requestId: c.get("requestId"), path: c.req.path }, "unhandled error");
    return sendProblem(c, "internal", "An unexpected error occurred; quote the request id when reporting it");
  });

  app.notFound((c) => sendProblem(c, "not_found", `No route for ${c.req.method} ${c.req.path}`));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "12345 Hotline API",
      version: "1.0.0",
      description: "Ticket workflow and analytics for a 12345 citizen service hotline (政务服务便民热线).",
    },
    security: [{ bearer: [] }],
  });
  app.get("/docs", swaggerUI({ url: "/openapi.json" }));
  return app;
}
