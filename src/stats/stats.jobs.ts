/**
 * The stats queue's job catalog: job name → payload schema and options. Producers
 * (StatsService) and the processor (workers/stats.worker.ts) both read it; payloads are
 * validated again when consumed.
 */
import type { JobsOptions } from "bullmq";
import { z } from "zod";

export const STATS_QUEUE = "stats";

export const RebuildJob = z.object({ reason: z.string().optional() });
export type RebuildJobData = z.infer<typeof RebuildJob>;

export const STATS_JOBS = {
  /** Recompute everything set-based; finds nothing to change when the increments were exact. */
  rebuild: {
    name: "rebuild",
    schema: RebuildJob,
    opts: {
      attempts: 3,
      backoff: { type: "exponential", delay: 10_000 },
      removeOnComplete: { count: 50 },
      removeOnFail: { count: 50 },
    } satisfies JobsOptions,
  },
} as const;

/** The nightly full rebuild's scheduler (HOTLINE_STATS_REBUILD_CRON, centre time). */
export const REBUILD_SCHEDULER_ID = "stats-rebuild";

/** Events that move neither the facts nor the as-of-now figures: no dashboard refresh needed. */
export const QUIET_EVENTS: ReadonlySet<string> = new Set([
  "COMMENT",
  "URGE",
  "ASSIST_REPLY",
  "FIRST_RESPONSE",
  "REQUEST_EXTENSION",
  "REJECT_EXTENSION",
  "PUBLISH",
]);
