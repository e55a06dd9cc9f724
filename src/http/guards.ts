import type { MiddlewareHandler } from "hono";
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
 * Every request body passes here once, before any route reads it:
 * - 413 problem+json above the limit: 1 MiB everywhere, IMPORT_BODY_LIMIT on the import routes.
 *   A declared Content-Length is judged before anything is read; a chunked body is counted as
 *   it arrives. Import bodies stay streamed (never buffered): past the limit the stream fails.
 * - 400 for a NUL character (U+0000) anywhere in the path, the query or a JSON or form body:
 *   PostgreSQL text cannot hold it, so it is refused up front instead of failing deep in a
 *   query. NDJSON import bodies are checked line by line by the import itself.
 * Other bodies are read straight from the socket into the request's body cache, which the
 * routes' validators then read: no web `Request` is built for them (that, with its streams
 * and abort signal, used to be a tenth of the server's CPU per event).
 */
export function bodyGuards(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = c.req.url;
    if (url.includes("%00")) throw nulRefused(new URL(url).pathname.includes("%00") ? "path" : "query");
    const importing = c.req.path.startsWith(IMPORT_PREFIX);
    const limit = importing ? IMPORT_BODY_LIMIT : JSON_BODY_LIMIT;
    const declared = c.req.header("content-length");
    const chunked = c.req.header("transfer-encoding") !== undefined;
    if (!chunked && Number(declared) > limit) throw tooLarge(limit);
    if (importing) {
      const body = c.req.raw.body;
      if (chunked && body)
        c.req.raw = new Request(c.req.raw, { body: limited(body, limit), duplex: "half" } as RequestInit);
      return next();
    }
    if (!chunked && (declared === undefined || Number(declared) === 0)) return next();
    const body = chunked ? c.req.raw.body : null;
    const bytes = body ? await new Response(limited(body, limit)).arrayBuffer() : await c.req.arrayBuffer();
    const type = (c.req.header("content-type") ?? "").toLowerCase();
    // What hono's body readers look up first; at run time it holds promises (its type says values).
    const cache: Record<string, Promise<unknown>> = c.req.bodyCache as Record<string, never>;
    cache.arrayBuffer = Promise.resolve(bytes);
    if (type.startsWith("multipart/form-data")) {
      if (await multipartHasNul(type, bytes)) throw nulRefused("body");
      return next();
    }
    const form = type.startsWith("application/x-www-form-urlencoded");
    if (!form && !(/\bjson\b/.test(type) && !type.includes("ndjson"))) return next();
    const text = utf8.decode(bytes);
    cache.text = Promise.resolve(text);
    if (form) {
      for (const [k, v] of new URLSearchParams(text))
        if (k.includes(NUL) || v.includes(NUL)) throw nulRefused("body");
    } else if (text.includes("\\u0000") || text.includes(NUL)) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return next(); // not JSON: the route's own parser answers 400
      }
      if (containsNul(parsed)) throw nulRefused("body");
    }
    return next();
  };
}

const utf8 = new TextDecoder();

/** `body`, failing with 413 once more than `maxSize` bytes have come. */
function limited(body: ReadableStream<Uint8Array>, maxSize: number): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxSize) controller.error(tooLarge(maxSize));
        else controller.enqueue(chunk);
      },
    }),
  );
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

async function multipartHasNul(type: string, bytes: ArrayBuffer): Promise<boolean> {
  try {
    const fd = await new Response(bytes, { headers: { "content-type": type } }).formData();
    for (const [k, v] of fd) if (k.includes(NUL) || (typeof v === "string" && v.includes(NUL))) return true;
  } catch {
    // malformed multipart: the route's own parser answers
  }
  return false;
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
