import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../http/app.ts";
import { requireRole } from "../http/auth.middleware.ts";
import { AppError } from "../http/errors.ts";
import { IdParam, jsonBody, jsonResponse, problems } from "../http/schemas.ts";
import {
  CreateTicketSchema,
  EventInputSchema,
  ListQuerySchema,
  TicketEventSchema,
  TicketSchema,
} from "./ticket.schemas.ts";
import type { TicketService } from "./ticket.service.ts";

const createTicket = createRoute({
  method: "post",
  path: "/api/v1/tickets",
  tags: ["tickets"],
  summary: "Register a ticket (工单受理)",
  description: "Honours `Idempotency-Key`; a ticket with a known `externalRef` is returned as it is (200).",
  request: {
    ...jsonBody(CreateTicketSchema),
    headers: z.object({ "idempotency-key": z.string().min(1).max(200).optional() }),
  },
  responses: {
    201: jsonResponse(TicketSchema, "Created"),
    200: jsonResponse(TicketSchema, "Already registered under this externalRef"),
    ...problems(400, 401, 403, 422),
  },
});

const listTickets = createRoute({
  method: "get",
  path: "/api/v1/tickets",
  tags: ["tickets"],
  summary: "List tickets in the caller's scope, with filters and cursor pagination",
  request: { query: ListQuerySchema },
  responses: {
    200: jsonResponse(
      z.object({
        items: z.array(TicketSchema),
        nextCursor: z.string().nullable(),
        total: z
          .number()
          .int()
          .optional()
          .openapi({ description: "With total=true: every match, counted up to 50,001" }),
      }),
      "A page of tickets",
    ),
    ...problems(400, 401, 422),
  },
});

const getTicket = createRoute({
  method: "get",
  path: "/api/v1/tickets/{id}",
  tags: ["tickets"],
  summary: "Ticket detail with the events this caller may send (allowedEvents)",
  request: { params: IdParam },
  responses: { 200: jsonResponse(TicketSchema, "The ticket"), ...problems(401, 404, 422) },
});

const listEvents = createRoute({
  method: "get",
  path: "/api/v1/tickets/{id}/events",
  tags: ["tickets"],
  summary: "The ticket's timeline, oldest first",
  request: { params: IdParam },
  responses: {
    200: jsonResponse(z.object({ items: z.array(TicketEventSchema) }), "Timeline"),
    ...problems(401, 404, 422),
  },
});

const postEvent = createRoute({
  method: "post",
  path: "/api/v1/tickets/{id}/events",
  tags: ["tickets"],
  summary: "Send a lifecycle event (DISPATCH, SIGN, REPLY, CALLBACK, ...)",
  description:
    "With `If-Match: <version>` a stale version gives 409. An event not allowed now gives 409 with `allowedEvents`. " +
    "With `Idempotency-Key` a retry (after a lost answer, a crash) returns the first answer instead of sending the event again; " +
    "the same key with another body gives 422.",
  request: {
    params: IdParam,
    ...jsonBody(EventInputSchema),
    headers: z.object({
      "if-match": z.string().optional(),
      "idempotency-key": z.string().min(1).max(200).optional(),
    }),
  },
  responses: { 200: jsonResponse(TicketSchema, "The updated ticket"), ...problems(400, 401, 404, 409, 422) },
});

const exportTickets = createRoute({
  method: "get",
  path: "/api/v1/tickets/export.csv",
  tags: ["tickets"],
  summary: "Export the filtered ticket list as CSV (UTF-8 with BOM; phones masked except for the hotline)",
  request: { query: ListQuerySchema.omit({ cursor: true, limit: true }) },
  responses: {
    200: { description: "CSV", content: { "text/csv": { schema: z.string() } } },
    ...problems(401, 422),
  },
});

function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const v = header.replace(/^W\//, "").replaceAll('"', "").trim();
  if (!/^\d+$/.test(v))
    throw new AppError("malformed", "If-Match must be the ticket version, e.g. If-Match: 3");
  return Number(v);
}

export function registerTicketRoutes(app: App, tickets: TicketService) {
  app.use("/api/v1/tickets", async (c, next) =>
    c.req.method === "POST" ? requireRole("agent", "reviewer")(c, next) : next(),
  );
  app.openapi(createTicket, async (c) => {
    const { status, body } = await tickets.create(
      c.get("principal"),
      c.req.valid("json"),
      c.req.valid("header")["idempotency-key"],
    );
    return c.json(body, status);
  });
  app.openapi(listTickets, async (c) =>
    c.json(await tickets.list(c.get("principal"), c.req.valid("query")), 200),
  );
  app.openapi(exportTickets, async (c) => {
    const csv = await tickets.exportCsv(c.get("principal"), c.req.valid("query"));
    return c.body(csv, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="tickets-${new Date().toISOString().slice(0, 10)}.csv"`,
    });
  });
  app.openapi(getTicket, async (c) => {
    const t = await tickets.get(c.get("principal"), c.req.valid("param").id);
    c.header("ETag", `"${t.version}"`);
    return c.json(t, 200);
  });
  app.openapi(listEvents, async (c) =>
    c.json({ items: await tickets.events(c.get("principal"), c.req.valid("param").id) }, 200),
  );
  app.openapi(postEvent, async (c) => {
    const headers = c.req.valid("header");
    const t = await tickets.applyUserEvent(
      c.get("principal"),
      c.req.valid("param").id,
      c.req.valid("json"),
      parseIfMatch(headers["if-match"]),
      headers["idempotency-key"],
    );
    c.header("ETag", `"${t.version}"`);
    return c.json(t, 200);
  });
}
