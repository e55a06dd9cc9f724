import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../http/app.ts";
import { requireRole } from "../http/auth.middleware.ts";
import { IdParam, jsonBody, jsonResponse, problems } from "../http/schemas.ts";
import type { OrgService } from "./org.service.ts";
import { registerUserRoutes } from "./user.routes.ts";

const Department = z
  .object({
    id: z.number().int(),
    code: z.string(),
    name: z.string(),
    nameEn: z.string().nullable(),
    parentId: z.number().int().nullable(),
    path: z.string(),
    handlesTickets: z.boolean().openapi({
      description:
        "False for units that handle no tickets (the hotline centre): never a lead, co-handling or sub unit",
    }),
  })
  .openapi("Department");
const DepartmentInput = z.object({
  name: z.string().trim().min(1).max(100),
  code: z
    .string()
    .trim()
    .min(1)
    .max(50)
    .regex(/^[A-Za-z0-9_.-]+$/, "Letters, digits, _ . - only"),
  parentId: z.number().int().positive().nullish(),
  nameEn: z.string().max(100).nullish(),
  handlesTickets: z.boolean().optional(),
});
const DepartmentPatch = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    nameEn: z.string().trim().max(100).nullable().optional(),
    handlesTickets: z.boolean().optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), "Give at least one field to change")
  .openapi("DepartmentPatch");
const Category = z
  .object({
    id: z.number().int(),
    code: z.string(),
    name: z.string(),
    nameEn: z.string().nullable(),
    defaultDepartmentId: z.number().int().nullable(),
    answerDirectly: z.boolean().openapi({
      description: "Answered on the call (直接答复): the catalogue suggests ANSWER_DIRECTLY, no unit",
    }),
    active: z.boolean(),
  })
  .openapi("Category");
const CategoryInput = z.object({
  code: z
    .string()
    .trim()
    .min(1)
    .max(50)
    .regex(/^[A-Za-z0-9_.-]+$/, "Letters, digits, _ . - only"),
  name: z.string().trim().min(1).max(100),
  nameEn: z.string().max(100).nullish(),
  defaultDepartmentId: z.number().int().positive().nullish(),
  answerDirectly: z.boolean().optional(),
});
const DispatchRule = z
  .object({
    id: z.number().int(),
    categoryCode: z.string(),
    area: z.string(),
    departmentId: z.number().int(),
  })
  .openapi("DispatchRule");

export function registerOrgRoutes(app: App, org: OrgService) {
  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/departments",
      tags: ["org"],
      summary: "The department tree (flat, with parentId and path)",
      responses: {
        200: jsonResponse(z.object({ items: z.array(Department) }), "Departments"),
        ...problems(401),
      },
    }),
    async (c) =>
      c.json(
        {
          items: (await org.tree()).all().map((d) => ({ ...d, handlesTickets: d.handlesTickets !== false })),
        },
        200,
      ),
  );

  app.use("/api/v1/departments", async (c, next) =>
    c.req.method === "POST" ? requireRole("admin")(c, next) : next(),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/departments",
      tags: ["org"],
      summary: "Create a department (admin)",
      request: jsonBody(DepartmentInput),
      responses: { 201: jsonResponse(Department, "Created"), ...problems(400, 401, 403, 409, 422) },
    }),
    async (c) => c.json(await org.createDepartment(c.req.valid("json")), 201),
  );
  app.use("/api/v1/departments/*", requireRole("admin"));
  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/departments/{id}",
      tags: ["org"],
      summary: "Rename a department, or say whether it handles tickets (admin)",
      description:
        "Changes what is given; the department keeps its place in the tree. An empty `nameEn` clears it. Other processes see the change within 2 s.",
      request: { params: IdParam, ...jsonBody(DepartmentPatch) },
      responses: {
        200: jsonResponse(Department, "The updated department"),
        ...problems(400, 401, 403, 404, 422),
      },
    }),
    async (c) => c.json(await org.updateDepartment(c.req.valid("param").id, c.req.valid("json")), 200),
  );

  registerUserRoutes(app, org);

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/categories",
      tags: ["org"],
      summary: "List categories",
      responses: {
        200: jsonResponse(z.object({ items: z.array(Category) }), "Categories"),
        ...problems(401),
      },
    }),
    async (c) => c.json({ items: await org.listCategories() }, 200),
  );
  app.use("/api/v1/categories", async (c, next) =>
    c.req.method === "POST" ? requireRole("admin")(c, next) : next(),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/categories",
      tags: ["org"],
      summary: "Create a category (admin)",
      request: jsonBody(CategoryInput),
      responses: { 201: jsonResponse(Category, "Created"), ...problems(400, 401, 403, 409, 422) },
    }),
    async (c) => c.json(await org.createCategory(c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/categories/{code}/suggestion",
      tags: ["org"],
      summary: "The dispatch catalogue's suggested lead unit for a category (and area)",
      request: { params: z.object({ code: z.string() }), query: z.object({ area: z.string().optional() }) },
      responses: {
        200: jsonResponse(
          z.object({
            departmentId: z.number().int().nullable(),
            answerDirectly: z
              .boolean()
              .openapi({ description: "Answer on the call (直接答复) rather than dispatch" }),
          }),
          "Suggestion",
        ),
        ...problems(401, 404),
      },
    }),
    async (c) => {
      const { code } = c.req.valid("param");
      return c.json(await org.suggestion(code, c.req.valid("query").area), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/dispatch-rules",
      tags: ["org"],
      summary: "The dispatch catalogue (派单目录)",
      responses: { 200: jsonResponse(z.object({ items: z.array(DispatchRule) }), "Rules"), ...problems(401) },
    }),
    async (c) => c.json({ items: await org.listDispatchRules() }, 200),
  );
  app.use("/api/v1/dispatch-rules", async (c, next) =>
    c.req.method === "PUT" ? requireRole("admin")(c, next) : next(),
  );
  app.openapi(
    createRoute({
      method: "put",
      path: "/api/v1/dispatch-rules",
      tags: ["org"],
      summary: "Set the suggested lead unit for a category, optionally narrowed to an area (admin)",
      request: jsonBody(
        z.object({
          categoryCode: z.string().min(1),
          area: z.string().max(50).optional(),
          departmentId: z.number().int().positive(),
        }),
      ),
      responses: { 200: jsonResponse(DispatchRule, "Saved"), ...problems(400, 401, 403, 404, 422) },
    }),
    async (c) => c.json(await org.putDispatchRule(c.req.valid("json")), 200),
  );
}
