import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import type { Principal } from "../auth/principal.ts";
import { logger } from "../logger.ts";
import { classifyError, RETRY_AFTER_SECONDS } from "./db-errors.ts";
import { AppError, type ErrorCode, problem } from "./errors.ts";
import { bodyGuards, CSP_WEB, noStore, securityHeaders } from "./guards.ts";

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
    ...(code === "unavailable" ? { "retry-after": String(RETRY_AFTER_SECONDS) } : {}),
    ...(code === "rate_limited" && typeof extra.retryAfter === "number"
      ? { "retry-after": String(extra.retryAfter) }
      : {}),
    // The rest of an oversized body is not read: the connection cannot carry another request.
    ...(code === "too_large" ? { connection: "close" } : {}),
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
  // One policy for every page, /docs included: Swagger UI is served from here (no CDN).
  app.use("*", securityHeaders(CSP_WEB));
  app.use("/api/*", noStore());
  app.use("/open311/*", noStore());
  app.use("*", bodyGuards());

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
            : err.status === 413
              ? "too_large"
              : err.status === 429
                ? "rate_limited"
                : "malformed";
      return sendProblem(c, code, err.message || "Malformed request");
    }
    if (err instanceof URIError) return sendProblem(c, "malformed", "The URL has a broken percent-encoding");
    const known = classifyError(err);
    if (known) {
      const log = known.code === "unavailable" ? logger.warn : logger.info;
      log.call(logger, { err, requestId: c.get("requestId"), path: c.req.path }, known.detail);
      return sendProblem(c, known.code, known.detail);
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
  app.get("/docs", (c) => c.html(DOCS_HTML));
  app.get("/docs/init.js", (c) =>
    c.body(DOCS_INIT, 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  app.get("/docs/assets/:name", async (c) => {
    const name = c.req.param("name");
    const type = Object.hasOwn(DOCS_ASSETS, name) ? DOCS_ASSETS[name] : undefined;
    if (!type) return sendProblem(c, "not_found", `No route for GET ${c.req.path}`);
    return c.body(new Uint8Array(await docsAsset(name)), 200, {
      "content-type": type,
      "cache-control": "public, max-age=3600",
    });
  });
  return app;
}

/**
 * Swagger UI, served from the installed `swagger-ui-dist` package (hotline networks are often
 * cut off from the internet, so nothing comes from a CDN). The start-up script is a file of
 * ours rather than inline, so the page needs no 'unsafe-inline' in its Content-Security-Policy.
 */
const SWAGGER_DIST = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
const DOCS_ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
};
const assetCache = new Map<string, Promise<Buffer>>();
function docsAsset(name: string): Promise<Buffer> {
  let file = assetCache.get(name);
  if (!file) {
    file = readFile(join(SWAGGER_DIST, name));
    assetCache.set(name, file);
  }
  return file;
}
const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>12345 Hotline API</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js" defer></script>
</head>
<body><div id="swagger-ui"></div></body>
</html>
`;
const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", validatorUrl: null });\n`;
