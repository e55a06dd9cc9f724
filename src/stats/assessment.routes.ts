import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../http/app.ts";
import { requireRole } from "../http/auth.middleware.ts";
import { IdParam, Int4Id, jsonBody, jsonResponse, MAX_INT4, problems } from "../http/schemas.ts";
import type { AssessmentService } from "./assessment.service.ts";
import { assessmentCsv } from "./csv.ts";
import { rate, STATS_ROLES } from "./stats.routes.ts";

const FigureFields = {
  validCallbacks: z
    .number()
    .int()
    .openapi({ description: "有效回访: tickets assessed (latest valid callback)" }),
  responseRate: rate("响应率 contacted / valid callbacks that recorded contacted"),
  resolutionRate: rate("解决率 resolved / valid callbacks"),
  satisfactionRate: rate("满意率 (satisfied + w × basically satisfied) / valid callbacks"),
  score: z.number().min(0).max(100).nullable().openapi({
    description:
      "100 × (a·响应率 + b·解决率 + c·满意率); a rate without denominator is left out, weights rescaled",
  }),
  overdue: z
    .number()
    .int()
    .openapi({ description: "Assessed tickets that went past their resolution deadline" }),
  rank: z
    .number()
    .int()
    .nullable()
    .openapi({ description: "Within the group by score (1 = best); ties share" }),
  rankChange: z
    .number()
    .int()
    .nullable()
    .openapi({ description: "Previous period's rank − this rank (positive = moved up)" }),
};

const AssessmentRow = z
  .object({
    departmentId: z.number().int(),
    name: z.string(),
    groupId: z.number().int().nullable(),
    groupName: z.string().nullable(),
    ...FigureFields,
    appealsAccepted: z
      .number()
      .int()
      .openapi({ description: "Accepted appeals (核减) in the adjusted figures" }),
    adjusted: z.object(FigureFields).openapi({ description: "After accepted appeals (核减)" }),
  })
  .openapi("AssessmentRow");

const PeriodInfo = z
  .object({
    key: z.string(),
    from: z.string().openapi({ description: "First day, YYYY-MM-DD (centre time)" }),
    to: z.string().openapi({ description: "Day after the last day (exclusive)" }),
    frozen: z.boolean().openapi({ description: "Closed and frozen: later events no longer change it" }),
    frozenAt: z.string().nullable(),
  })
  .openapi("AssessmentPeriod");

const PeriodKey = z
  .string()
  .regex(/^(19|20|21)\d{2}-(0[1-9]|1[0-2])$/, "A month YYYY-MM")
  .openapi({ description: "The period, named by the month it ends in (see HOTLINE_ASSESSMENT_START_DAY)" });

const Group = z
  .object({ id: z.number().int(), name: z.string(), departmentIds: z.array(z.number().int()) })
  .openapi("AssessmentGroup");
const GroupName = z.string().trim().min(1).max(100);
const DepartmentIds = z.array(Int4Id).max(500);

const AssessedTicket = z
  .object({
    ticketId: z.number().int(),
    number: z.string(),
    title: z.string(),
    callbackAt: z.string(),
    rating: z.enum(["satisfied", "basically_satisfied", "dissatisfied"]),
    resolved: z.boolean().nullable(),
    contacted: z.boolean().nullable(),
    overdue: z.boolean(),
    excluded: z
      .array(z.enum(["rating", "resolved", "contacted", "overdue"]))
      .openapi({ description: "Grounds of accepted appeals (核减) left out of the adjusted figures" }),
  })
  .openapi("AssessedTicket");

const groupId = z.coerce.number().int().positive().max(MAX_INT4);

export function registerAssessmentRoutes(app: App, s: { assessment: AssessmentService }): void {
  // "/*" also matches the collection itself: reading is the dashboard's, changing the admin's.
  app.use("/api/v1/assessment-groups/*", async (c, next) =>
    c.req.method === "GET" ? requireRole(...STATS_ROLES)(c, next) : requireRole("admin")(c, next),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/assessment-groups",
      tags: ["assessment"],
      summary: "Assessment groups (peer groups ranked together) and their departments",
      responses: { 200: jsonResponse(z.object({ items: z.array(Group) }), "Groups"), ...problems(401, 403) },
    }),
    async (c) => c.json({ items: await s.assessment.groups() }, 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/assessment-groups",
      tags: ["assessment"],
      summary: "Create an assessment group (admin); its departments leave any other group",
      request: jsonBody(z.object({ name: GroupName, departmentIds: DepartmentIds.default([]) })),
      responses: { 201: jsonResponse(Group, "Created"), ...problems(400, 401, 403, 409, 422) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return c.json(await s.assessment.createGroup(body.name, body.departmentIds), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/api/v1/assessment-groups/{id}",
      tags: ["assessment"],
      summary: "Rename a group and/or set its departments (admin); they leave any other group",
      request: {
        params: IdParam,
        ...jsonBody(
          z
            .object({ name: GroupName.optional(), departmentIds: DepartmentIds.optional() })
            .refine(
              (v) => v.name !== undefined || v.departmentIds !== undefined,
              "Give name or departmentIds",
            ),
        ),
      },
      responses: { 200: jsonResponse(Group, "Updated"), ...problems(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => c.json(await s.assessment.updateGroup(c.req.valid("param").id, c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/stats/assessment",
      tags: ["stats", "assessment"],
      summary: "Monthly assessment (三率): ranking within groups, raw and adjusted; CSV with ?format=csv",
      description:
        "Each ticket counts once per period, by its latest valid callback (not unreachable) in the period, " +
        "attributed to the department holding the ticket. A period that has ended is frozen the first time " +
        "it is read (this ranking, or the next period's rank change): later events never change it; only " +
        "accepted appeals change its adjusted figures.",
      request: {
        query: z.object({
          period: PeriodKey.optional().openapi({ description: "Default: the running period" }),
          groupId: groupId.optional(),
          format: z.enum(["json", "csv"]).optional(),
        }),
      },
      responses: {
        200: {
          description: "Ranking",
          content: {
            "application/json": {
              schema: z.object({ period: PeriodInfo, rows: z.array(AssessmentRow) }).openapi("Assessment"),
            },
            "text/csv": { schema: z.string().openapi({ description: "UTF-8 with BOM, Chinese headers" }) },
          },
        },
        ...problems(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const period = q.period ?? s.assessment.periodOf(new Date());
      const result = await s.assessment.ranking(period, q.groupId);
      if (q.format !== "csv") return c.json(result, 200);
      return c.body(assessmentCsv(result.rows), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="assessment_${period}${q.groupId ? `_g${q.groupId}` : ""}.csv"`,
      });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/stats/assessment/tickets",
      tags: ["stats", "assessment"],
      summary: "Drill-down: the tickets behind a department's assessment figures in a period",
      request: { query: z.object({ period: PeriodKey, departmentId: groupId }) },
      responses: {
        200: jsonResponse(z.object({ period: PeriodInfo, items: z.array(AssessedTicket) }), "Tickets"),
        ...problems(401, 403, 422),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await s.assessment.tickets(q.period, q.departmentId), 200);
    },
  );
}
