import { type Job, UnrecoverableError } from "bullmq";
import { logger } from "../src/logger.ts";
import {
  DEFAULT_REBUILD_CRON,
  REBUILD_SCHEDULER_ID,
  RebuildJob,
  STATS_JOBS,
  STATS_QUEUE,
  TicketJob,
} from "../src/stats/stats.jobs.ts";
import type { Services } from "../src/system.ts";

/**
 * The "stats" queue: one job per ticket change (recompute that ticket's facts, apply the
 * delta to the rollups) and the periodic full rebuild. Handlers only call StatsService.
 * Returns a graceful stop.
 */
export async function startStatsWorkers(s: Services): Promise<() => Promise<void>> {
  const worker = s.queues.worker(
    STATS_QUEUE,
    async (job: Job) => {
      switch (job.name) {
        case STATS_JOBS.ticket.name: {
          const data = TicketJob.safeParse(job.data);
          if (!data.success) throw new UnrecoverableError(`bad stats ticket job: ${data.error.message}`);
          return s.stats.processTicket(data.data);
        }
        case STATS_JOBS.rebuild.name: {
          const data = RebuildJob.safeParse(job.data ?? {});
          if (!data.success) throw new UnrecoverableError(`bad stats rebuild job: ${data.error.message}`);
          return s.stats.rebuild();
        }
        default:
          throw new UnrecoverableError(`unknown stats job ${job.name}`);
      }
    },
    { concurrency: 4 },
  );
  worker.on("failed", (job, err) =>
    logger.warn({ err, job: job?.name, jobId: job?.id, attempts: job?.attemptsMade }, "stats job failed"),
  );
  worker.on("error", (err) => logger.error({ err }, "stats worker error"));

  const queue = s.queues.queue(STATS_QUEUE);
  await queue.upsertJobScheduler(
    REBUILD_SCHEDULER_ID,
    { pattern: process.env.HOTLINE_STATS_REBUILD_CRON || DEFAULT_REBUILD_CRON, tz: s.config.timeZone },
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

  return async () => {
    await worker.close();
  };
}
