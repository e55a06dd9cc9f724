// @ts-check
/**
 * fetch for the API: adds the bearer token, on 401 asks for the password again in place (when a
 * page installed that, see reauth.js) and resends, else sends the user to the login page; turns
 * problem+json into an ApiError with a message a person can act on.
 */
import { eventLabel, t } from "./i18n.js";
import { clearSession, getToken, redirectToLogin } from "./session.js";

/**
 * @typedef {{ type?: string, title?: string, detail?: string, errors?: Record<string, string>,
 *   allowedEvents?: string[], requestId?: string, [k: string]: unknown }} Problem
 */

export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (0 for a network failure)
   * @param {Problem} problem
   */
  constructor(status, problem) {
    super(humanMessage(status, problem));
    this.status = status;
    this.problem = problem;
    /** Field → translated message, for 422. */
    this.fieldErrors = translateFieldErrors(problem.errors ?? {});
    this.code = problemCode(problem);
  }
}

/**
 * The problem's code from its type URI (…/problems/stale-version → stale_version).
 * @param {Problem} problem
 */
function problemCode(problem) {
  const m = /\/problems\/([a-z-]+)$/.exec(problem.type ?? "");
  return m?.[1] ? m[1].replaceAll("-", "_") : "";
}

/**
 * A message for people, never a bare code. Uses the HTTP status, not the body's `status`.
 * @param {number} status
 * @param {Problem} problem
 */
export function humanMessage(status, problem) {
  const code = problemCode(problem);
  if (status === 0) return t("err.network");
  if (code === "transition_not_allowed") {
    const allowed = (problem.allowedEvents ?? []).map(eventLabel);
    return allowed.length ? t("err.transition", { allowed: allowed.join("、") }) : t("err.transitionNone");
  }
  if (code === "stale_version") return t("err.stale");
  switch (status) {
    case 400:
      return t("err.malformed", { detail: problem.detail ?? "" });
    case 401:
      return t("err.unauthenticated");
    case 403:
      return t("err.forbidden");
    case 404:
      return t("err.notFound");
    case 409:
      return t("err.conflict", { detail: problem.detail ?? "" });
    case 422:
      return t("err.validation");
    case 429:
      return t("err.rateLimited");
    case 503:
      return t("err.unavailable");
  }
  if (status >= 500) return t("err.server", { id: problem.requestId ?? "-" });
  return t("err.http", { status });
}

/** Server field messages (English, from zod) in the reader's language. */
const FIELD_PATTERNS = [
  // "Too small: expected string to have >=8 characters" (a password, a code): too short, not missing.
  [/too small: expected string to have >=([2-9]|\d\d)/i, "field.tooShort"],
  [/too small|required|expected string, received undefined|invalid input: expected/i, "field.required"],
  [/phone/i, "field.invalidPhone"],
  [/datetime|iso/i, "field.invalidTime"],
  [/too big/i, "field.tooLong"],
  [/unknown category/i, "field.unknownCategory"],
  [/unknown department/i, "field.unknownDepartment"],
  [/handles no tickets/i, "field.noTickets"],
];

/** @param {Record<string, string>} errors */
function translateFieldErrors(errors) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const [field, message] of Object.entries(errors)) {
    const hit = FIELD_PATTERNS.find(([re]) => /** @type {RegExp} */ (re).test(message));
    out[field] = hit ? t(/** @type {string} */ (hit[1])) : message;
  }
  return out;
}

/** @type {(() => Promise<boolean>) | null} */
let reauthenticate = null;

/**
 * What to do when the session expires: resolve true once the user logged in again (the failed
 * request is then sent again with the new token), false to give up.
 * @param {(() => Promise<boolean>) | null} fn
 */
export function setReauthenticate(fn) {
  reauthenticate = fn;
}

/**
 * @param {string} path
 * @param {{ method?: string, body?: unknown, headers?: Record<string, string>, auth?: boolean }} [opts]
 * @param {boolean} [retried] already sent once more after a re-login
 * @returns {Promise<Response>}
 */
async function send(path, opts = {}, retried = false) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json", ...(opts.headers ?? {}) };
  const token = getToken();
  if (token && opts.auth !== false) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(path, {
      method: opts.method ?? (opts.body !== undefined ? "POST" : "GET"),
      headers,
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
  } catch {
    throw new ApiError(0, {});
  }
  if (res.ok) return res;
  /** @type {Problem} */
  let problem = {};
  try {
    problem = await res.json();
  } catch {
    // not JSON: keep the status alone
  }
  if (res.status === 401 && opts.auth !== false) {
    if (token && reauthenticate && !retried && (await reauthenticate())) return send(path, opts, true);
    clearSession();
    redirectToLogin();
  }
  throw new ApiError(res.status, problem);
}

/**
 * JSON in, JSON out.
 * @template T
 * @param {string} path
 * @param {{ method?: string, body?: unknown, headers?: Record<string, string>, auth?: boolean }} [opts]
 * @returns {Promise<T>}
 */
export async function api(path, opts) {
  const res = await send(path, opts);
  if (res.status === 204) return /** @type {T} */ (/** @type {unknown} */ (null));
  return res.json();
}

/**
 * A file (CSV export) as a Blob with its suggested name.
 * @param {string} path
 * @returns {Promise<{ blob: Blob, filename: string | null }>}
 */
export async function apiBlob(path) {
  const res = await send(path, { headers: { accept: "text/csv, */*" } });
  const disposition = res.headers.get("content-disposition") ?? "";
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  return { blob: await res.blob(), filename: m?.[1] ? decodeURIComponent(m[1]) : null };
}

/**
 * Build a query string from the defined, non-empty values.
 * @param {Record<string, string | number | boolean | null | undefined>} params
 */
export function qs(params) {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== "") sp.set(k, String(v));
  const s = sp.toString();
  return s ? `?${s}` : "";
}
