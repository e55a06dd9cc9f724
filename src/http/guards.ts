import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./app.ts";
import { AppError } from "./errors.ts";

/**
 * Request guards every route gets before its own code runs: a body size limit, no NUL
 * characters in text, and the security headers on the way out. One place, so a new route
 * cannot forget them.
 */

/** JSON (and form) bodies: far above any real ticket, event or settings body. */
export const JSON_BODY_LIMIT = 1024 * 1024;
/** Bulk NDJSON import (POST /api/v1/import/tickets): a generated district year is ≈ 225 MB. */
export const IMPORT_BODY_LIMIT = 1024 * 1024 * 1024;
/** Routes whose body is a stream of records rather than one document. */
const IMPORT_PREFIX = "/api/v1/import/";

const tooLarge = (limit: number) =>
  new AppError("too_large", `The request body is larger than ${formatBytes(limit)}`, { limit });

function formatBytes(n: number): string {
  return n >= 1024 * 1024 * 1024
    ? `${n / (1024 * 1024 * 1024)} GiB`
    : n >= 1024 * 1024
      ? `${n / (1024 * 1024)} MiB`
      : `${n} bytes`;
}

/**
 * 413 problem+json above the limit: 1 MiB everywhere, IMPORT_BODY_LIMIT on the import routes.
 * A declared Content-Length is judged before anything is read; a chunked body is counted as it
 * arrives. Import bodies stay streamed (never buffered): past the limit the stream fails.
 */
export function bodyLimits(): MiddlewareHandler<AppEnv> {
  const json = bodyLimit({
    maxSize: JSON_BODY_LIMIT,
    onError: () => {
      throw tooLarge(JSON_BODY_LIMIT);
    },
  });
  const stream = streamLimit(IMPORT_BODY_LIMIT);
  return (c, next) => (c.req.path.startsWith(IMPORT_PREFIX) ? stream(c, next) : json(c, next));
}

function streamLimit(maxSize: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.header("content-length");
    if (declared !== undefined && !c.req.header("transfer-encoding")) {
      if (Number(declared) > maxSize) throw tooLarge(maxSize);
      return next();
    }
    let seen = 0;
    const limited = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > maxSize) controller.error(tooLarge(maxSize));
          else controller.enqueue(chunk);
        },
      }),
    );
    c.req.raw = new Request(c.req.raw, { body: limited, duplex: "half" } as RequestInit);
    return next();
  };
}

const NUL = "\u0000";

function containsNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes(NUL);
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === "object")
    return Object.entries(value).some(([k, v]) => k.includes(NUL) || containsNul(v));
  return false;
}

const nulRefused = (where: string) =>
  new AppError("malformed", `The ${where} contains a NUL character (U+0000), which no field accepts`);

/**
 * PostgreSQL text cannot hold U+0000, so a NUL anywhere (path, query string, JSON or form body)
 * is refused up front with 400 instead of failing deep in a query. The body is read once
 * (it is already bounded by bodyLimits) and put back for the route. NDJSON import bodies are
 * streamed and checked line by line by the import itself.
 */
export function rejectNul(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (/%00/.test(url.pathname)) throw nulRefused("path");
    for (const [k, v] of url.searchParams) if (k.includes(NUL) || v.includes(NUL)) throw nulRefused("query");
    const type = (c.req.header("content-type") ?? "").toLowerCase();
    const raw = c.req.raw;
    if (!raw.body || c.req.path.startsWith(IMPORT_PREFIX)) return next();
    const form = type.startsWith("application/x-www-form-urlencoded");
    const multipart = type.startsWith("multipart/form-data");
    const json = !form && !multipart && /\bjson\b/.test(type) && !type.includes("ndjson");
    if (!json && !form && !multipart) return next();
    const bytes = new Uint8Array(await raw.arrayBuffer());
    c.req.raw = new Request(raw, { body: bytes });
    let found = false;
    if (json) {
      try {
        found = containsNul(JSON.parse(new TextDecoder().decode(bytes)));
      } catch {
        // not JSON: the route's own parser answers 400
      }
    } else if (form) {
      for (const [k, v] of new URLSearchParams(new TextDecoder().decode(bytes)))
        if (k.includes(NUL) || v.includes(NUL)) found = true;
    } else {
      try {
        const fd = await new Request(raw.url, {
          method: "POST",
          headers: raw.headers,
          body: bytes,
        }).formData();
        for (const [k, v] of fd)
          if (k.includes(NUL) || (typeof v === "string" && v.includes(NUL))) found = true;
      } catch {
        // malformed multipart: the route's own parser answers
      }
    }
    if (found) throw nulRefused("body");
    return next();
  };
}

/**
 * Security headers on every response. The pages (web/*.html) load only their own scripts and
 * styles, so the policy is `'self'` throughout; so does `/docs` (Swagger UI, served by the app
 * from swagger-ui-dist; its icons are data: images).
 */
export const CSP_WEB = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export function securityHeaders(
  csp: Record<string, string[]> = CSP_WEB,
  opts: { overwrite?: boolean } = {},
): MiddlewareHandler<AppEnv> {
  return secureHeaders({
    contentSecurityPolicy: csp,
    referrerPolicy: "no-referrer",
    xContentTypeOptions: "nosniff",
    xFrameOptions: "DENY",
    // Plain HTTP behind a TLS proxy is the usual set-up; HSTS belongs to the proxy.
    strictTransportSecurity: false,
    overwrite: opts.overwrite ?? true,
  });
}

/** Answers of the API and Open311 carry personal data (names, phones, addresses): never cached. */
export function noStore(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    c.res.headers.set("cache-control", "no-store");
  };
}
