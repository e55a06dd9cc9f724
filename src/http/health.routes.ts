import type { Services } from "../system.ts";
import type { App } from "./app.ts";
import { sendProblem } from "./app.ts";

/** Each dependency gets this long to answer /readyz; the probes run side by side. */
export const READY_PROBE_TIMEOUT_MS = 1_500;

/** "ok", or why not: "timeout" when it did not answer in time, else "unreachable". */
async function probe(check: () => Promise<unknown>): Promise<"ok" | "timeout" | "unreachable"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), READY_PROBE_TIMEOUT_MS);
  });
  const answer = check().then(
    () => "ok" as const,
    () => "unreachable" as const,
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealthRoutes(app: App, s: Services) {
  /** Liveness: the process serves HTTP. Never touches a dependency. */
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  /**
   * Readiness: the database and the queue each answer within READY_PROBE_TIMEOUT_MS, so the
   * probe itself answers within ~1.5 s whatever is down; 503 names the failing dependency.
   */
  app.get("/readyz", async (c) => {
    const [database, queue] = await Promise.all([
      probe(() => s.pool.query("SELECT 1")),
      probe(() => s.queues.ping()),
    ]);
    const checks = {
      database: database === "ok" ? "ok" : `${database}`,
      queue: queue === "ok" ? `ok (${s.queues.kind})` : `${queue} (${s.queues.kind})`,
    };
    const failing = [database !== "ok" && "database", queue !== "ok" && "queue"].filter(Boolean);
    return failing.length === 0
      ? c.json({ status: "ready", checks })
      : sendProblem(c, "unavailable", `Not ready: ${failing.join(" and ")} unreachable`, { checks });
  });
}
