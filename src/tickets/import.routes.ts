import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../http/app.ts";
import { requireRole } from "../http/auth.middleware.ts";
import { AppError } from "../http/errors.ts";
import { jsonResponse, problems } from "../http/schemas.ts";
import type { Services } from "../system.ts";
import { importTickets, ndjsonLines } from "./import.ts";

const ImportResult = z
  .object({
    imported: z.number().int(),
    rejected: z.number().int(),
    errors: z
      .array(z.object({ line: z.number().int(), message: z.string() }))
      .openapi({ description: "The first 100 rejected lines (1-based line numbers)" }),
  })
  .openapi("ImportResult");

export function registerImportRoutes(app: App, s: Services): void {
  app.use("/api/v1/import/*", requireRole("admin"));
  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/import/tickets",
      tags: ["import"],
      summary:
        "Bulk import of historical tickets (admin): NDJSON, one ticket with its event history per line",
      description:
        "Streams the body; each line is validated on its own and valid lines are inserted in batches, " +
        "stats included. Line: the intake fields of POST /tickets plus `createdAt` and " +
        "`events: [{type, at, actorRole, payload}]` in time order. Each event goes through the same " +
        "decision as `POST /tickets/{id}/events` (payloads as there; the actor is `actorRole`, a handler " +
        "acting for the lead unit), so the imported rows are those the API would have written. " +
        "Departments may be given as `departmentCode` / `coDepartmentCodes`; `ASSIST_REPLY` names its " +
        "co-handling unit; `MERGE` names `intoTicketId` or `intoExternalRef`; timer events and automatic " +
        "escalations come with `actorRole: system`. The source system's deadlines ride in the payloads " +
        "(`signBy`, `firstResponseBy`, `dueAt` on DISPATCH and APPROVE_RETURN; `callbackBy` on " +
        "APPROVE_REPLY; `dueAt` on a dissatisfied CALLBACK or REOPEN) and are planned with the SLA " +
        "policies when absent. A line whose `externalRef` (or `number`) exists is rejected, so a re-run " +
        "imports only what is missing.",
      request: {
        body: {
          required: true,
          content: { "application/x-ndjson": { schema: z.string().openapi({ format: "binary" }) } },
        },
      },
      responses: { 200: jsonResponse(ImportResult, "Import report"), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const body = c.req.raw.body;
      if (!body) throw new AppError("malformed", "The body is empty; send NDJSON, one ticket per line");
      const principal = c.get("principal");
      const result = await importTickets(s, ndjsonLines(body as unknown as AsyncIterable<Uint8Array>), {
        userId: principal.id,
      });
      return c.json(result, 200);
    },
  );
}
