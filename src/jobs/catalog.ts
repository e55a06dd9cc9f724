import type { JobsOptions } from "bullmq";
import { z } from "zod";
import { TIMER_KINDS } from "../sla/timer-plan.ts";

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

export const TimerJobSchema = z.object({
  ticketId: z.number().int().positive(),
  deadlineVersion: z.number().int().nonnegative(),
  kind: z.enum(TIMER_KINDS),
});
export type TimerJobData = z.infer<typeof TimerJobSchema>;

export const JOBS = {
  /**
   * One SLA timer of one ticket (`jobId` = `${ticketId}:${deadlineVersion}:${kind}`). Completed
   * jobs are removed so the id can be enqueued again; applying is idempotent on the ticket side.
   */
  timerFire: job(TIMERS_QUEUE, "fire", TimerJobSchema, {
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
