/**
 * Domain errors carry a code from one enum; the code maps to an HTTP status in one
 * exhaustive table, and `onError` turns them into RFC 9457 problem+json.
 */
export const ERROR_STATUS = {
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
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

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

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly extra: Record<string, unknown>;
  constructor(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) {
    super(detail);
    this.code = code;
    this.extra = extra;
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
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

export const notFound = (what: string) => new AppError("not_found", `${what} not found`);
export const forbidden = (detail = "This action is outside your role or scope") =>
  new AppError("forbidden", detail);
export const validation = (errors: Record<string, string>, detail = "The request has invalid fields") =>
  new AppError("validation", detail, { errors });
