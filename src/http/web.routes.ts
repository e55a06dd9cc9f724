import { serveStatic } from "@hono/node-server/serve-static";
import type { App } from "./app.ts";

const WEB_ROOT = new URL("../../web/", import.meta.url).pathname;
const CHART_JS = new URL("../../node_modules/chart.js/dist/", import.meta.url).pathname;

/** The ticket desk and dashboard: static files from web/, Chart.js from the installed package. */
export function registerWebRoutes(app: App): void {
  app.use(
    "/vendor/chart.js/*",
    serveStatic({ root: CHART_JS, rewriteRequestPath: (p) => p.replace(/^\/vendor\/chart\.js/, "") }),
  );
  app.get("/", (c) => c.redirect("/index.html"));
  app.get("/dashboard", (c) => c.redirect("/dashboard.html"));
  app.use("/*", serveStatic({ root: WEB_ROOT }));
}
