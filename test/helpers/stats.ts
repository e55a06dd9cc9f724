import { STATS_QUEUE } from "../../src/stats/stats.jobs.ts";
import type { Services } from "../../src/system.ts";

/**
 * Waits until the stats worker has drained the outbox (every ticket write's row) and the stats
 * queue runs no rebuild (twice in a row). The scheduled nightly rebuild sits in `delayed`; it
 * does not count.
 */
export async function statsSettled(s: Services, timeoutMs = 20_000): Promise<void> {
  const queue = s.queues.queue(STATS_QUEUE);
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (Date.now() < deadline) {
    const { rows } = await s.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM stats_outbox");
    const counts = await queue.getJobCounts("waiting", "active", "prioritized");
    const busy = (rows[0]?.n ?? 0) + Object.values(counts).reduce((a, b) => a + b, 0);
    quiet = busy === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const failed = await queue.getJobs(["failed"]);
  throw new Error(
    `stats did not settle; failed jobs: ${failed.map((j) => `${j.name} ${j.failedReason}`).join("; ")}`,
  );
}
