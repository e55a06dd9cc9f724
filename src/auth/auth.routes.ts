import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../http/app.ts";
import { requireAuth } from "../http/auth.middleware.ts";
import { jsonBody, jsonResponse, problems } from "../http/schemas.ts";
import type { AuthService } from "./auth.service.ts";
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
  security: [],
  request: jsonBody(
    z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }).openapi("Login"),
  ),
  responses: {
    200: jsonResponse(Token, "Token"),
    ...problems(400, 401, 422),
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
  responses: { 200: jsonResponse(Token, "A new token"), ...problems(400, 401, 422) },
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
    return c.json(await auth.login(username, password), 200);
  });

  app.use(logout.path, requireAuth(auth));
  app.openapi(logout, async (c) => {
    await auth.logout(c.req.header("authorization"));
    return c.body(null, 204);
  });

  app.use(changePassword.path, requireAuth(auth));
  app.openapi(changePassword, async (c) => {
    const { currentPassword, newPassword } = c.req.valid("json");
    return c.json(await auth.changePassword(c.get("principal"), currentPassword, newPassword), 200);
  });
}

export function registerMeRoute(app: App) {
  app.openapi(me, (c) => c.json(c.get("principal"), 200));
}
