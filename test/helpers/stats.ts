import { STATS_JOBS, STATS_QUEUE } from "../../src/stats/stats.jobs.ts";
import type { Services } from "../../src/system.ts";

/**
 * Waits until the stats queue has nothing waiting, active or retrying (twice in a row). The
 * scheduled nightly rebuild always sits in `delayed`; it does not count.
 */
export async function statsSettled(s: Services, timeoutMs = 20_000): Promise<void> {
  const queue = s.queues.queue(STATS_QUEUE);
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (Date.now() < deadline) {
    const counts = await queue.getJobCounts("waiting", "active", "prioritized");
    const delayed = await queue.getJobs(["delayed"]);
    const retrying = delayed.filter((j) => j.name !== STATS_JOBS.rebuild.name).length;
    const busy = Object.values(counts).reduce((a, b) => a + b, 0) + retrying;
    quiet = busy === 0 ? quiet + 1 : 0;
    if (quiet >= 2) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const failed = await queue.getJobs(["failed"]);
  throw new Error(
    `stats queue did not settle; failed: ${failed.map((j) => `${j.name} ${j.failedReason}`).join("; ")}`,
  );
}
