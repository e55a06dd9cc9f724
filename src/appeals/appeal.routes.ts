import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../http/app.ts";
import { IdParam, jsonBody, jsonResponse, problems } from "../http/schemas.ts";
import { APPEAL_GROUNDS } from "../stats/assessment.ts";
import type { AppealService } from "./appeal.service.ts";

const STATUSES = ["pending", "accepted", "rejected"] as const;

const Appeal = z
  .object({
    id: z.number().int(),
    ticketId: z.number().int(),
    ticketNumber: z.string(),
    ticketTitle: z.string(),
    departmentId: z.number().int(),
    departmentName: z.string(),
    callbackId: z.number().int(),
    period: z.string().openapi({ description: "Assessment period of the appealed callback (YYYY-MM)" }),
    ground: z.enum(APPEAL_GROUNDS),
    reason: z.string(),
    evidence: z.string().nullable(),
    status: z.enum(STATUSES),
    filedById: z.number().int(),
    filedByName: z.string().nullable(),
    filedAt: z.string(),
    decidedById: z.number().int().nullable(),
    decidedByName: z.string().nullable(),
    decidedAt: z.string().nullable(),
    decisionReason: z.string().nullable(),
  })
  .openapi("Appeal");

const text = (max: number) => z.string().trim().min(1).max(max);

export function registerAppealRoutes(app: App, s: { appeals: AppealService }): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/tickets/{id}/appeals",
      tags: ["appeals"],
      summary: "File an appeal (申诉) on the ticket's latest valid callback (handler of its department)",
      description:
        "Within HOTLINE_APPEAL_WORKING_DAYS working days after the callback; one appeal per ticket and ground " +
        "(409 on a second). Grounds: `rating` (not satisfied), `resolved` (answered not resolved), `contacted` " +
        "(answered not contacted), `overdue` (the ticket went past its resolution deadline).",
      request: {
        params: IdParam,
        ...jsonBody(
          z.object({
            ground: z.enum(APPEAL_GROUNDS),
            reason: text(2000),
            evidence: z.string().max(5000).optional(),
          }),
        ),
      },
      responses: { 201: jsonResponse(Appeal, "Filed, pending"), ...problems(400, 401, 403, 404, 409, 422) },
    }),
    async (c) =>
      c.json(await s.appeals.file(c.get("principal"), c.req.valid("param").id, c.req.valid("json")), 201),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/tickets/{id}/appeals",
      tags: ["appeals"],
      summary: "The ticket's appeals, and what its department may still appeal until when",
      request: { params: IdParam },
      responses: {
        200: jsonResponse(
          z.object({
            items: z.array(Appeal),
            callbackId: z.number().int().nullable(),
            callbackAt: z.string().nullable(),
            deadline: z.string().nullable().openapi({ description: "Last moment to file" }),
            grounds: z.array(z.enum(APPEAL_GROUNDS)).openapi({ description: "Grounds open to an appeal" }),
          }),
          "Appeals",
        ),
        ...problems(401, 404, 422),
      },
    }),
    async (c) => c.json(await s.appeals.forTicket(c.get("principal"), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/appeals/{id}/decision",
      tags: ["appeals"],
      summary: "Accept (核减) or reject a pending appeal, with a reason (reviewer)",
      request: {
        params: IdParam,
        ...jsonBody(z.object({ decision: z.enum(["accept", "reject"]), reason: text(2000) })),
      },
      responses: { 200: jsonResponse(Appeal, "Decided"), ...problems(400, 401, 403, 404, 409, 422) },
    }),
    async (c) =>
      c.json(await s.appeals.decide(c.get("principal"), c.req.valid("param").id, c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/appeals",
      tags: ["appeals"],
      summary:
        "Appeals, newest first (the reviewers' queue with ?status=pending); handlers see their scope's",
      request: {
        query: z.object({
          status: z.enum(STATUSES).optional(),
          cursor: z.string().max(20).optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
      responses: {
        200: jsonResponse(z.object({ items: z.array(Appeal), nextCursor: z.string().nullable() }), "Appeals"),
        ...problems(401, 403, 422),
      },
    }),
    async (c) => c.json(await s.appeals.list(c.get("principal"), c.req.valid("query")), 200),
  );
}
