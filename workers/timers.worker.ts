import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import DataLoader from "dataloader";
import { JOBS, TIMERS_QUEUE, type TimerJobData, TimerJobSchema } from "../src/jobs/catalog.ts";
import { logger } from "../src/logger.ts";
import type { FireResult } from "../src/sla/timers.ts";
import type { Services } from "../src/system.ts";

export const RECONCILE_SCHEDULER_ID = "timers-reconcile";
/** Every this many reconciliations also look for open tickets whose timers were never planned. */
const REPLAN_EVERY = 10;
/** How long a fire job waits for others to share its transaction. */
const BATCH_WINDOW_MS = 5;

export interface TimerWorkerOptions {
  /** Timer jobs in flight in this process; they are applied in batches (default 256). */
  concurrency?: number;
  /** Most timers applied in one transaction (default 128). */
  batchSize?: number;
  /** Reconciliation period; default `config.timers.reconcileMs` (HOTLINE_TIMER_RECONCILE_SECONDS). */
  reconcileMs?: number;
}

/**
 * The "timers" queue: `fire` jobs apply one SLA timer each, `reconcile` jobs (a BullMQ job
 * scheduler, one per period across all processes) re-derive due and missed timers from the
 * database. Fire jobs that run at the same time (a few milliseconds apart) are applied together
 * by one `fireMany` transaction: a burst of deadlines costs a few statements per batch. A watchdog re-creates the scheduler if the queue was wiped (Redis flushed, queue
 * obliterated) and reconciles by itself while the queue is unreachable. Returns a graceful stop:
 * in-flight jobs finish, then connections close.
 */
export async function startTimerWorkers(
  s: Services,
  opts: TimerWorkerOptions = {},
): Promise<() => Promise<void>> {
  const reconcileMs = opts.reconcileMs ?? s.config.timers.reconcileMs;
  const queue = s.queues.queue(TIMERS_QUEUE);
  let runs = 0;

  const reconcile = async (source: string) => {
    const replan = runs++ % REPLAN_EVERY === 0;
    const report = await s.timers.reconcile({ replan, periodMs: reconcileMs });
    if (report.applied || report.replanned) logger.info({ ...report, source }, "timer reconciliation");
    return report;
  };

  const batches = new DataLoader<TimerJobData, FireResult>((jobs) => s.timers.fireMany([...jobs]), {
    cache: false,
    maxBatchSize: opts.batchSize ?? 128,
    batchScheduleFn: (run) => setTimeout(run, BATCH_WINDOW_MS),
  });

  const processor = async (job: Job, token?: string) => {
    switch (job.name) {
      case JOBS.timerFire.name: {
        const parsed = TimerJobSchema.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError(`invalid timer payload: ${parsed.error.message}`);
        const result = await batches.load(parsed.data);
        if (result.outcome === "not-due" && result.dueAt) {
          // Ran early (clocks of two hosts apart, or the plan moved it later): wait in the queue.
          await job.moveToDelayed(result.dueAt.getTime() + 1, token);
          throw new DelayedError();
        }
        return result;
      }
      case JOBS.timerReconcile.name:
        return reconcile("scheduler");
      default:
        throw new UnrecoverableError(`unknown job ${job.name} on ${TIMERS_QUEUE}`);
    }
  };
  const worker = s.queues.worker(TIMERS_QUEUE, processor, { concurrency: opts.concurrency ?? 256 });
  worker.on("failed", (job, err) =>
    logger.warn({ err, jobId: job?.id, name: job?.name, attempts: job?.attemptsMade }, "timer job failed"),
  );
  worker.on("error", (err) => logger.error({ err }, "timer worker error"));

  const ensureScheduler = async () => {
    const found = await Promise.race([
      queue.getJobScheduler(RECONCILE_SCHEDULER_ID),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("queue did not answer")), Math.min(reconcileMs, 5_000)).unref(),
      ),
    ]);
    if (found) return;
    await queue.upsertJobScheduler(
      RECONCILE_SCHEDULER_ID,
      { every: reconcileMs },
      { name: JOBS.timerReconcile.name, data: {}, opts: JOBS.timerReconcile.opts },
    );
  };
  await ensureScheduler().catch((err: unknown) =>
    logger.warn({ err }, "timer queue unreachable at start; the watchdog keeps trying"),
  );
  // The scheduler lives in the queue; if the queue was wiped, put it back. If the queue cannot be
  // reached at all, reconcile from here: due timers are then applied straight from the database.
  let checking = false;
  const watchdog = setInterval(() => {
    if (checking) return;
    checking = true;
    ensureScheduler()
      .catch(async (err: unknown) => {
        logger.warn({ err }, "timer queue unreachable; reconciling from the database");
        await reconcile("watchdog");
      })
      .catch((err: unknown) => logger.error({ err }, "timer reconciliation failed"))
      .finally(() => {
        checking = false;
      });
  }, reconcileMs);
  watchdog.unref();
  // Catch up at once after a restart instead of waiting for the first scheduled run.
  const startup = reconcile("startup").catch((err: unknown) =>
    logger.error({ err }, "startup timer reconciliation failed"),
  );

  return async () => {
    clearInterval(watchdog);
    await startup;
    await worker.close();
    await s.timers.close();
  };
}
