import { createRoute, z } from "@hono/zod-openapi";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../auth/password.ts";
import type { App } from "../http/app.ts";
import { requireRole } from "../http/auth.middleware.ts";
import { IdParam, jsonBody, jsonResponse, problems } from "../http/schemas.ts";
import type { OrgService } from "./org.service.ts";

const RoleSchema = z.enum(["agent", "reviewer", "handler", "manager", "admin"]);
const User = z
  .object({
    id: z.number().int(),
    username: z.string(),
    displayName: z.string(),
    role: RoleSchema,
    departmentId: z.number().int().nullable(),
    active: z.boolean(),
  })
  .openapi("User");
const UserInput = z.object({
  username: z
    .string()
    .trim()
    .min(2)
    .max(50)
    .regex(/^[A-Za-z0-9_.-]+$/, "Letters, digits, _ . - only"),
  password: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH),
  displayName: z.string().trim().min(1).max(100),
  role: RoleSchema,
  departmentId: z.number().int().positive().nullish(),
});
const UserPatch = z
  .object({
    displayName: z.string().trim().min(1).max(100).optional(),
    role: RoleSchema.optional(),
    departmentId: z.number().int().positive().nullable().optional(),
    active: z.boolean().optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), "Give at least one field to change")
  .openapi("UserPatch");
const PasswordReset = z
  .object({ password: z.string().min(1).max(PASSWORD_MAX_LENGTH).optional() })
  .openapi("PasswordReset");

const listUsers = createRoute({
  method: "get",
  path: "/api/v1/users",
  tags: ["users"],
  summary: "List users (admin)",
  responses: { 200: jsonResponse(z.object({ items: z.array(User) }), "Users"), ...problems(401, 403) },
});
const createUser = createRoute({
  method: "post",
  path: "/api/v1/users",
  tags: ["users"],
  summary: "Create a user (admin)",
  description: "The password has at least 8 characters and differs from the username. Audited.",
  request: jsonBody(UserInput),
  responses: { 201: jsonResponse(User, "Created"), ...problems(400, 401, 403, 409, 422) },
});
const getUser = createRoute({
  method: "get",
  path: "/api/v1/users/{id}",
  tags: ["users"],
  summary: "One user (admin)",
  request: { params: IdParam },
  responses: { 200: jsonResponse(User, "The user"), ...problems(401, 403, 404, 422) },
});
const updateUser = createRoute({
  method: "patch",
  path: "/api/v1/users/{id}",
  tags: ["users"],
  summary: "Disable or enable a user, change role, department or display name (admin)",
  description:
    "Disabling revokes every token of the user at once (enabling does not bring them back). A new role or department applies to the user's next request. A handler needs a department. The last active admin can be neither disabled nor given another role (409). Each change is written to the audit log.",
  request: { params: IdParam, ...jsonBody(UserPatch) },
  responses: { 200: jsonResponse(User, "The updated user"), ...problems(400, 401, 403, 404, 409, 422) },
});
const resetPassword = createRoute({
  method: "post",
  path: "/api/v1/users/{id}/password",
  tags: ["users"],
  summary: "Reset a user's password (admin)",
  description:
    "Sets `password` when given (8+ characters, not the username), else generates one and answers it in `password` this once. Revokes every token of the user. Audited (without the password).",
  request: { params: IdParam, ...jsonBody(PasswordReset) },
  responses: {
    200: jsonResponse(
      z.object({ user: User, password: z.string().optional() }).openapi("PasswordResetResult"),
      "Reset; `password` only when generated",
    ),
    ...problems(400, 401, 403, 404, 422),
  },
});

/** User administration, admin only (the service is src/org/user-admin.ts). */
export function registerUserRoutes(app: App, org: OrgService) {
  app.use("/api/v1/users", requireRole("admin"));
  app.use("/api/v1/users/*", requireRole("admin"));
  app.openapi(listUsers, async (c) => c.json({ items: await org.users.list() }, 200));
  app.openapi(createUser, async (c) =>
    c.json(await org.users.create(c.get("principal"), c.req.valid("json")), 201),
  );
  app.openapi(getUser, async (c) => c.json(await org.users.get(c.req.valid("param").id), 200));
  app.openapi(updateUser, async (c) =>
    c.json(await org.users.update(c.get("principal"), c.req.valid("param").id, c.req.valid("json")), 200),
  );
  app.openapi(resetPassword, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await org.users.resetPassword(c.get("principal"), id, c.req.valid("json").password), 200);
  });
}
