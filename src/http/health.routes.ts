import type { Services } from "../system.ts";
import type { App } from "./app.ts";
import { sendProblem } from "./app.ts";

export function registerHealthRoutes(app: App, s: Services) {
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const checks: Record<string, string> = {};
    try {
      await s.db.$queryRaw`SELECT 1`;
      checks.database = "ok";
    } catch {
      checks.database = "unreachable";
    }
    try {
      await s.queues.ping();
      checks.queue = `ok (${s.queues.kind})`;
    } catch {
      checks.queue = `unreachable (${s.queues.kind})`;
    }
    const ok = Object.values(checks).every((v) => v.startsWith("ok"));
    return ok
      ? c.json({ status: "ready", checks })
      : sendProblem(c, "unavailable", "A dependency is unreachable", { checks });
  });
}
