import type { AppError, ErrorCode } from "../errors.ts";

export { AppError, type ErrorCode, forbidden, notFound, validation } from "../errors.ts";

/** Each domain error code's HTTP status, in one exhaustive table (src/errors.ts has the codes). */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  malformed: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  transition_not_allowed: 409,
  stale_version: 409,
  idempotency_mismatch: 422,
  validation: 422,
  too_large: 413,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

const TITLES: Record<ErrorCode, string> = {
  malformed: "Malformed request",
  unauthenticated: "Authentication required",
  forbidden: "Forbidden",
  not_found: "Not found",
  conflict: "Conflict",
  transition_not_allowed: "Event not allowed in the current state",
  stale_version: "Stale version",
  idempotency_mismatch: "Idempotency key reused with a different request",
  validation: "Validation failed",
  too_large: "Request body too large",
  rate_limited: "Too many requests",
  internal: "Internal server error",
  unavailable: "Service unavailable",
};

/** The HTTP status of a domain error. */
export function statusOf(err: AppError): number {
  return ERROR_STATUS[err.code];
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  [key: string]: unknown;
}

export function problem(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): Problem {
  // Extensions first: they may never override the RFC 9457 members.
  return {
    ...extra,
    type: `https://hotline.example/problems/${code.replaceAll("_", "-")}`,
    title: TITLES[code],
    status: ERROR_STATUS[code],
    detail,
  };
}
