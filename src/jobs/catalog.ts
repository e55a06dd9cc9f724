import type { JobsOptions } from "bullmq";
import { z } from "zod";

/**
 * One catalog of queued work: queue → job name → payload schema and delivery options.
 * Producers take the options from here and consumers validate payloads against the same
 * schema again, so a job written by an older or newer process is checked where it runs.
 */
export interface JobSpec<S extends z.ZodType> {
  queue: string;
  name: string;
  schema: S;
  opts: JobsOptions;
}

function job<S extends z.ZodType>(queue: string, name: string, schema: S, opts: JobsOptions): JobSpec<S> {
  return { queue, name, schema, opts };
}

export const TIMERS_QUEUE = "timers";

/** A due window's wake-up: `at` is the window's end (epoch ms), see timer-plan.ts. */
export const TimerDueSchema = z.object({ at: z.number().int().positive() });
export type TimerDueData = z.infer<typeof TimerDueSchema>;

export const JOBS = {
  /**
   * Applies the timers due in one window (`jobId` = `due-${at}`, delayed until `at`). Completed
   * jobs are removed so a window can be woken again; applying is idempotent on the ticket side.
   */
  timerDue: job(TIMERS_QUEUE, "due", TimerDueSchema, {
    attempts: 8,
    backoff: { type: "exponential", delay: 500 },
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
  }),
  /** Re-derives due, missed and unqueued timers from the database (repeating, see timers.worker.ts). */
  timerReconcile: job(TIMERS_QUEUE, "reconcile", z.object({}).passthrough(), {
    attempts: 1,
    removeOnComplete: true,
    removeOnFail: { count: 100 },
  }),
} as const;
