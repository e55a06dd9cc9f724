import { createRoute, z } from "@hono/zod-openapi";
import type pg from "pg";
import type { App } from "../http/app.ts";
import { requireRole } from "../http/auth.middleware.ts";
import { jsonResponse, problems } from "../http/schemas.ts";
import { verifyAuditChain } from "./verify.ts";

const ChainReportSchema = z
  .object({
    tickets: z.number().int(),
    events: z.number().int(),
    ok: z.boolean(),
    breaks: z.array(
      z.object({
        ticketId: z.number().int(),
        seq: z.number().int(),
        reason: z.enum(["hash", "gap", "tail"]),
      }),
    ),
  })
  .openapi("AuditChainReport");

const verifyRoute = createRoute({
  method: "get",
  path: "/api/v1/admin/audit/verify",
  tags: ["admin"],
  summary: "Check every ticket's timeline against its hash chain (admin)",
  description:
    "Timelines and the audit log are append-only (database triggers refuse changes). Each event carries " +
    "sha256(previous hash || event); this recomputes every link and lists the first 1,000 breaks.",
  responses: { 200: jsonResponse(ChainReportSchema, "The report"), ...problems(401, 403) },
});

export function registerAuditRoutes(app: App, pool: pg.Pool): void {
  app.use("/api/v1/admin/audit/*", requireRole("admin"));
  app.openapi(verifyRoute, async (c) => c.json(await verifyAuditChain(pool), 200));
}
