import type { App } from "../http/app.ts";
import type { Services } from "../system.ts";

/** GET /sla/deadline, calendar and SLA policy routes. */
export function registerSlaRoutes(_app: App, _s: Services): void {}
