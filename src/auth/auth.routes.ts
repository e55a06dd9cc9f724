import { getConnInfo } from "@hono/node-server/conninfo";
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { App } from "../http/app.ts";
import { requireAuth } from "../http/auth.middleware.ts";
import { AppError } from "../http/errors.ts";
import { jsonBody, jsonResponse, problems } from "../http/schemas.ts";
import type { AuthService, LoginClient } from "./auth.service.ts";
import { DEVICE_COOKIE, DEVICE_COOKIE_MAX_AGE_SECONDS } from "./device-cookie.ts";
import { PASSWORD_MAX_LENGTH } from "./password.ts";

const UserSummary = z.object({
  id: z.number().int(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(["agent", "reviewer", "handler", "manager", "admin"]),
  departmentId: z.number().int().nullable(),
});
const Token = z.object({ token: z.string(), user: UserSummary });

const login = createRoute({
  method: "post",
  path: "/api/v1/auth/login",
  tags: ["auth"],
  summary: "Exchange username and password for a bearer token",
  description:
    'Failed logins are throttled (README "Login throttling"): 30 per client address in 15 minutes across usernames; per username, 10 free, then a wait of 15 s doubling up to 15 minutes. A browser that logged in as the user before (the HttpOnly `hotline_device` cookie this answer sets) is exempt from both. A refusal is 429 with `Retry-After` (seconds) and `retryAfter` in the body.',
  security: [],
  request: jsonBody(
    z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }).openapi("Login"),
  ),
  responses: {
    200: jsonResponse(Token, "Token"),
    ...problems(400, 401, 422, 429),
  },
});

const logout = createRoute({
  method: "post",
  path: "/api/v1/auth/logout",
  tags: ["auth"],
  summary: "Revoke the presented bearer token",
  description:
    "The token stops working at once in this process and within 5 seconds in every other API process. The user's other tokens are unaffected.",
  responses: { 204: { description: "Revoked" }, ...problems(401) },
});

const changePassword = createRoute({
  method: "post",
  path: "/api/v1/auth/password",
  tags: ["auth"],
  summary: "Change one's own password",
  description:
    "Needs the current password. The new one has at least 8 characters and differs from the username and the current password. Every token of the user is revoked; the answer carries a new one.",
  request: jsonBody(
    z
      .object({
        currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
        newPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
      })
      .openapi("PasswordChange"),
  ),
  responses: { 200: jsonResponse(Token, "A new token"), ...problems(400, 401, 422, 429) },
});

const me = createRoute({
  method: "get",
  path: "/api/v1/auth/me",
  tags: ["auth"],
  summary: "The caller",
  responses: { 200: jsonResponse(UserSummary, "The authenticated user"), ...problems(401) },
});

/**
 * Login, and the routes that act on the caller's own credentials. The latter are registered
 * here, before the app-wide token check, so they install that check themselves.
 */
export function registerLoginRoute(app: App, auth: AuthService) {
  app.openapi(login, async (c) => {
    const { username, password } = c.req.valid("json");
    const client: LoginClient = { address: peerAddress(c), deviceCookie: getCookie(c, DEVICE_COOKIE) };
    const { deviceCookie, ...result } = await withRetryAfter(c, auth.login(username, password, client));
    setCookie(c, DEVICE_COOKIE, deviceCookie, {
      path: "/api/v1/auth",
      httpOnly: true,
      sameSite: "Strict",
      secure: new URL(c.req.url).protocol === "https:",
      maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS,
    });
    return c.json(result, 200);
  });

  app.use(logout.path, requireAuth(auth));
  app.openapi(logout, async (c) => {
    await auth.logout(c.req.header("authorization"));
    return c.body(null, 204);
  });

  app.use(changePassword.path, requireAuth(auth));
  app.openapi(changePassword, async (c) => {
    const { currentPassword, newPassword } = c.req.valid("json");
    const change = auth.changePassword(c.get("principal"), currentPassword, newPassword, {
      address: peerAddress(c),
    });
    return c.json(await withRetryAfter(c, change), 200);
  });
}

/** A throttled attempt's 429 carries the wait in a Retry-After header as well as in the body. */
async function withRetryAfter<T>(c: Context, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof AppError && err.code === "rate_limited")
      c.header("Retry-After", String(err.extra.retryAfter));
    throw err;
  }
}

/** The TCP peer; behind a reverse proxy that is the proxy (forwarded headers are not trusted). */
function peerAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // not served by @hono/node-server (in-process requests)
  }
}

export function registerMeRoute(app: App) {
  app.openapi(me, (c) => c.json(c.get("principal"), 200));
}
