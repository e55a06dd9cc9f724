// @ts-check
/** The logged-in user: token and user in localStorage, redirects by role. */

const TOKEN_KEY = "hotline.token";
const USER_KEY = "hotline.user";

/**
 * @typedef {{ id: number, username: string, displayName?: string, role: string, departmentId: number | null }} User
 */

export function getToken() {
  return localStorage.getItem(TOKEN_KEY);
}

/** @returns {User | null} */
export function getUser() {
  try {
    return JSON.parse(localStorage.getItem(USER_KEY) ?? "null");
  } catch {
    return null;
  }
}

/**
 * @param {string} token
 * @param {User} user
 */
export function saveSession(token, user) {
  localStorage.setItem(TOKEN_KEY, token);
  localStorage.setItem(USER_KEY, JSON.stringify(user));
}

export function clearSession() {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(USER_KEY);
}

/**
 * Where a role starts: the desk for the people who work tickets, the dashboard for managers.
 * @param {string} role
 */
export function homeFor(role) {
  return role === "manager" || role === "admin" ? "/dashboard.html" : "/index.html";
}

/** Roles that see the dashboard. */
export const DASHBOARD_ROLES = ["manager", "admin", "reviewer", "agent"];

/** Go to the login page, coming back here afterwards. */
export function redirectToLogin() {
  const here = location.pathname + location.search + location.hash;
  location.assign(`/login.html?next=${encodeURIComponent(here)}`);
}

/**
 * The current user, or a redirect to the login page.
 * @returns {User}
 */
export function requireSession() {
  const user = getUser();
  if (!getToken() || !user) {
    redirectToLogin();
    throw new Error("not logged in");
  }
  return user;
}

/**
 * A safe ?next target: a path on this site only, else null (the caller goes home). It must start
 * with a single "/" — not "//" nor "/\", which browsers read as another host — and, once the
 * browser has parsed it (dropping tabs and newlines, turning "\" into "/"), still be on this
 * origin. What is returned is the parsed path, never the raw text.
 * @param {string | null} next
 */
export function safeNext(next) {
  if (typeof next !== "string" || !/^\/(?![/\\])/.test(next)) return null;
  /** @type {URL} */
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return null;
  }
  if (url.origin !== location.origin) return null;
  const path = url.pathname + url.search + url.hash;
  if (!/^\/(?![/\\])/.test(path) || url.pathname.startsWith("/login.html")) return null;
  return path;
}
