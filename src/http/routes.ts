import { registerAppealRoutes } from "../appeals/appeal.routes.ts";
import { registerAuditRoutes } from "../audit/audit.routes.ts";
import { registerLoginRoute, registerMeRoute } from "../auth/auth.routes.ts";
import { registerOpen311Routes } from "../open311/open311.routes.ts";
import { registerPartnerKeyRoutes } from "../open311/partner-keys.routes.ts";
import { PartnerKeys } from "../open311/partner-keys.ts";
import { registerOrgRoutes } from "../org/org.routes.ts";
import { registerSlaRoutes } from "../sla/sla.routes.ts";
import { registerAssessmentRoutes } from "../stats/assessment.routes.ts";
import { registerStatsRoutes } from "../stats/stats.routes.ts";
import type { Services } from "../system.ts";
import { registerImportRoutes } from "../tickets/import.routes.ts";
import { registerTicketRoutes } from "../tickets/ticket.routes.ts";
import { registerVocabularyRoutes } from "../tickets/vocabulary.routes.ts";
import { type App, createBaseApp } from "./app.ts";
import { requireAuth } from "./auth.middleware.ts";
import { registerHealthRoutes } from "./health.routes.ts";
import { registerWebRoutes } from "./web.routes.ts";

/** Assembles every route of the product; each domain registers its own. */
export function buildApp(s: Services): App {
  const app = createBaseApp();
  registerHealthRoutes(app, s);
  registerLoginRoute(app, s.auth);
  app.use("/api/v1/*", async (c, next) =>
    c.req.path === "/api/v1/auth/login" ? next() : requireAuth(s.auth)(c, next),
  );
  registerMeRoute(app);
  registerOrgRoutes(app, s.org);
  registerTicketRoutes(app, s.tickets);
  registerImportRoutes(app, s);
  registerSlaRoutes(app, s);
  registerStatsRoutes(app, s);
  registerAssessmentRoutes(app, s);
  registerAppealRoutes(app, s);
  const partnerKeys = new PartnerKeys(s.db);
  registerPartnerKeyRoutes(app, partnerKeys);
  registerOpen311Routes(app, s, partnerKeys);
  registerVocabularyRoutes(app);
  registerAuditRoutes(app, s.pool);
  registerWebRoutes(app);
  return app;
}
