import type { ErrorCode } from "./errors.ts";

/**
 * Errors from the database (pg directly, or Prisma and its pg adapter) and the queue that are
 * not bugs: a dependency that is down is 503 (retry later), a value PostgreSQL cannot store or
 * hold is the client's 400. Everything else stays a 500.
 */
export interface Classified {
  code: ErrorCode;
  detail: string;
}

/** Seconds a client should wait after a 503 (a dependency is down) before trying again. */
export const RETRY_AFTER_SECONDS = 5;

/** Connection-level failures from node:net, pg, PostgreSQL (SQLSTATE), Prisma and its adapter. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  // PostgreSQL: admin shutdown, crash shutdown, cannot connect now, too many connections
  "57P01",
  "57P02",
  "57P03",
  "53300",
  // Prisma: can't reach, timed out, server closed, pool timeout
  "P1001",
  "P1002",
  "P1008",
  "P1017",
  "P2024",
]);
/** @prisma/adapter-pg's error kinds for the same. */
const CONNECTION_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "TlsConnectionError",
]);
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i, // pg Pool's connectionTimeoutMillis
  /Client has encountered a connection error and is not queryable/i,
  /Connection closed/i,
  /Can't reach database server/i,
  /Server has closed the connection/i,
  /Timed out fetching a new connection from the connection pool/i,
  /terminating connection due to administrator command/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /queue did not answer within/i,
];

/** SQLSTATEs that mean the request carried a value PostgreSQL refuses (client error). */
const INPUT_CODES: Record<string, string> = {
  "22021": "A text field contains a character the database cannot store (such as U+0000)",
  "22P05": "A text field contains a character the database cannot store (such as U+0000)",
  "22003": "A number is out of range (ids and counts are 32-bit integers)",
  "22008": "A date or time is out of range",
  "22007": "A date or time is not valid",
  "22P02": "A value has the wrong form for its field",
  "22001": "A text field is too long",
  "54000": "The request is too large to process",
};
/** The adapter's kinds for some of the same. */
const INPUT_KINDS: Record<string, string> = {
  ValueOutOfRange: INPUT_CODES["22003"] as string,
  InvalidInputValue: INPUT_CODES["22P02"] as string,
  LengthMismatch: INPUT_CODES["22001"] as string,
};

interface Facts {
  codes: string[];
  kinds: string[];
  messages: string[];
}

/** Collects codes, adapter kinds and messages from the error, its causes and Prisma's meta. */
function facts(err: unknown): Facts {
  const out: Facts = { codes: [], kinds: [], messages: [] };
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number) => {
    if (e === null || typeof e !== "object" || seen.has(e) || depth > 6) return;
    seen.add(e);
    const o = e as Record<string, unknown>;
    for (const key of ["code", "originalCode"])
      if (typeof o[key] === "string") out.codes.push(o[key] as string);
    if (typeof o.kind === "string") out.kinds.push(o.kind);
    if (typeof o.message === "string") out.messages.push(o.message);
    if (typeof o.originalMessage === "string") out.messages.push(o.originalMessage);
    visit(o.cause, depth + 1);
    visit(o.driverAdapterError, depth + 1);
    visit(o.meta, depth + 1);
    if (Array.isArray(o.errors)) for (const x of o.errors) visit(x, depth + 1); // AggregateError
  };
  visit(err, 0);
  return out;
}

export function classifyError(err: unknown): Classified | null {
  const f = facts(err);
  for (const code of f.codes) {
    const detail = INPUT_CODES[code];
    if (detail) return { code: "malformed", detail };
  }
  for (const kind of f.kinds) {
    const detail = INPUT_KINDS[kind];
    if (detail) return { code: "malformed", detail };
  }
  const down =
    f.codes.some((c) => CONNECTION_CODES.has(c) || /^08[0-9A-Z]{3}$/.test(c)) ||
    f.kinds.some((k) => CONNECTION_KINDS.has(k)) ||
    f.messages.some((m) => CONNECTION_MESSAGES.some((re) => re.test(m)));
  if (down)
    return {
      code: "unavailable",
      detail: "A service this request needs (database or queue) is unreachable; try again shortly",
    };
  return null;
}
