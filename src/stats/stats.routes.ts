import type { App } from "../http/app.ts";
import type { Services } from "../system.ts";

/** /api/v1/stats/* routes. */
export function registerStatsRoutes(_app: App, _s: Services): void {}
