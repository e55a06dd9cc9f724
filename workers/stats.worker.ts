import { type Job, UnrecoverableError } from "bullmq";
import type { Config } from "../src/config.ts";
import type { QueueBackend } from "../src/jobs/queues.ts";
import { logger } from "../src/logger.ts";
import { REBUILD_SCHEDULER_ID, RebuildJob, STATS_JOBS, STATS_QUEUE } from "../src/stats/stats.jobs.ts";
import type { StatsService } from "../src/stats/stats.service.ts";

/** How often an idle drain looks at the stats outbox; a full batch is followed at once by the next. */
const DRAIN_IDLE_MS = 100;
const DRAIN_BATCH = 500;

/**
 * Stats upkeep. Every ticket write appends to the `stats_outbox` table in its own transaction;
 * this loop drains it in batches (recompute those tickets' facts, apply one merged delta to
 * the rollups). The "stats" queue keeps the periodic full rebuild. Any number of processes
 * may run it side by side. Returns a graceful stop.
 */
/** What the stats worker needs. */
export interface StatsWorkerDeps {
  queues: Pick<QueueBackend, "queue" | "worker">;
  stats: Pick<StatsService, "drain" | "rebuild" | "pool">;
  config: Pick<Config, "timeZone" | "stats">;
}

export async function startStatsWorkers(s: StatsWorkerDeps): Promise<() => Promise<void>> {
  const worker = s.queues.worker(
    STATS_QUEUE,
    async (job: Job) => {
      if (job.name !== STATS_JOBS.rebuild.name) throw new UnrecoverableError(`unknown stats job ${job.name}`);
      const data = RebuildJob.safeParse(job.data ?? {});
      if (!data.success) throw new UnrecoverableError(`bad stats rebuild job: ${data.error.message}`);
      return s.stats.rebuild();
    },
    { concurrency: 1 },
  );
  worker.on("failed", (job, err) =>
    logger.warn({ err, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade }, "stats job failed"),
  );
  worker.on("error", (err) => logger.error({ err }, "stats worker error"));

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const drain = async () => {
    try {
      while (!stopped && (await s.stats.drain(DRAIN_BATCH)) === DRAIN_BATCH) {
        // a full batch: more may be waiting
      }
    } catch (err) {
      logger.warn({ err }, "stats outbox drain failed; retrying");
    }
    if (!stopped) timer = setTimeout(tick, DRAIN_IDLE_MS);
  };
  const tick = () => {
    running = drain();
  };
  tick();

  // The schedule is best effort at start: an unreachable queue must not keep the API from serving.
  void (async () => {
    const queue = s.queues.queue(STATS_QUEUE);
    await queue.upsertJobScheduler(
      REBUILD_SCHEDULER_ID,
      { pattern: s.config.stats.rebuildCron, tz: s.config.timeZone },
      { name: STATS_JOBS.rebuild.name, data: { reason: "scheduled" }, opts: STATS_JOBS.rebuild.opts },
    );
    // A database that never had a rebuild (new, or upgraded from before stats) gets one now.
    const { rows } = await s.stats.pool.query<{ rebuilt: boolean }>(
      "SELECT rebuilt_at IS NOT NULL AS rebuilt FROM stats_state WHERE id = 1",
    );
    if (!rows[0]?.rebuilt) {
      await queue.add(
        STATS_JOBS.rebuild.name,
        { reason: "initial" },
        { ...STATS_JOBS.rebuild.opts, jobId: "initial-rebuild" },
      );
    }
  })().catch((err: unknown) => logger.warn({ err }, "could not schedule the stats rebuild"));

  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
    await worker.close();
  };
}
