import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../http/app.ts";
import { jsonBody, jsonResponse, problems } from "../http/schemas.ts";
import type { AuthService } from "./auth.service.ts";

const UserSummary = z.object({
  id: z.number().int(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(["agent", "reviewer", "handler", "manager", "admin"]),
  departmentId: z.number().int().nullable(),
});

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
    200: jsonResponse(z.object({ token: z.string(), user: UserSummary }), "Token"),
    ...problems(400, 401, 422),
  },
});

const me = createRoute({
  method: "get",
  path: "/api/v1/auth/me",
  tags: ["auth"],
  summary: "The caller",
  responses: { 200: jsonResponse(UserSummary, "The authenticated user"), ...problems(401) },
});

export function registerLoginRoute(app: App, auth: AuthService) {
  app.openapi(login, async (c) => {
    const { username, password } = c.req.valid("json");
    return c.json(await auth.login(username, password), 200);
  });
}

export function registerMeRoute(app: App) {
  app.openapi(me, (c) => c.json(c.get("principal"), 200));
}
