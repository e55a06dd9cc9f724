/**
 * The domain's errors: a code from one enum, a detail for people and extra members for
 * clients. Services throw them; the HTTP layer (src/http/errors.ts) maps each code to a status
 * and turns them into RFC 9457 problem+json. Nothing here knows about HTTP.
 */
export const ERROR_CODES = [
  "malformed",
  "unauthenticated",
  "forbidden",
  "not_found",
  "conflict",
  "transition_not_allowed",
  "stale_version",
  "idempotency_mismatch",
  "validation",
  "too_large",
  "rate_limited",
  "internal",
  "unavailable",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly extra: Record<string, unknown>;
  constructor(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
    super(detail);
    this.code = code;
    this.extra = extra;
  }
}

export const notFound = (what: string) => new AppError("not_found", `${what} not found`);
export const forbidden = (detail = "This action is outside your role or scope") =>
  new AppError("forbidden", detail);
export const validation = (errors: Record<string, string>, detail = "The request has invalid fields") =>
  new AppError("validation", detail, { errors });
