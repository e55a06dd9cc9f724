import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import type { Config } from "../src/config.ts";
import { JOBS, TIMERS_QUEUE, TimerDueSchema } from "../src/jobs/catalog.ts";
import type { QueueBackend } from "../src/jobs/queues.ts";
import { logger } from "../src/logger.ts";
import type { TimerScheduler } from "../src/sla/timers.ts";

/** What the timer worker needs. */
export interface TimerWorkerDeps {
  queues: Pick<QueueBackend, "queue" | "worker">;
  timers: TimerScheduler;
  config: Pick<Config, "timers">;
}

export const RECONCILE_SCHEDULER_ID = "timers-reconcile";
/** Every this many reconciliations also look for open tickets whose timers were never planned. */
const REPLAN_EVERY = 10;
/**
 * A due-window job that starts early (clocks of two hosts apart) waits in the queue again when it
 * is more than this early, else here: a timer never fires before it is due.
 */
const EARLY_TOLERANCE_MS = 50;

export interface TimerWorkerOptions {
  /** Due windows applied at once in this process (default 4). */
  concurrency?: number;
  /** Reconciliation period; default `config.timers.reconcileMs` (HOTLINE_TIMER_RECONCILE_SECONDS). */
  reconcileMs?: number;
}

/**
 * The "timers" queue: `due` jobs wake up at the end of a due window (timer-plan.ts) and apply
 * its timers in batches; `reconcile` jobs (a BullMQ job scheduler, one per period across all
 * processes) re-derive due and missed timers from the database. A watchdog re-creates the
 * scheduler if the queue was wiped (Redis flushed, queue obliterated) and reconciles by itself
 * while the queue is unreachable. Returns a graceful stop:
 * in-flight jobs finish, then connections close.
 */
export async function startTimerWorkers(
  s: TimerWorkerDeps,
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

  const processor = async (job: Job, token?: string) => {
    switch (job.name) {
      case JOBS.timerDue.name: {
        const parsed = TimerDueSchema.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError(`invalid timer payload: ${parsed.error.message}`);
        const { at } = parsed.data;
        const early = at - Date.now();
        if (early > EARLY_TOLERANCE_MS) {
          await job.moveToDelayed(at, token);
          throw new DelayedError();
        }
        if (early > 0) await new Promise((resolve) => setTimeout(resolve, early + 1));
        return s.timers.fireDue(at);
      }
      case JOBS.timerReconcile.name:
        return reconcile("scheduler");
      default:
        throw new UnrecoverableError(`unknown job ${job.name} on ${TIMERS_QUEUE}`);
    }
  };
  const worker = s.queues.worker(TIMERS_QUEUE, processor, { concurrency: opts.concurrency ?? 4 });
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
  // Not awaited: an unreachable queue must not hold up the API's start (the watchdog retries).
  void ensureScheduler().catch((err: unknown) =>
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
  };
}
