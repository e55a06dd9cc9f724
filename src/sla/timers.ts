import type { Queue } from "bullmq";
import { JOBS, TIMERS_QUEUE, type TimerJobData } from "../jobs/catalog.ts";
import { logger } from "../logger.ts";
import type { CoreServices } from "../system.ts";
import type { TicketChange } from "../tickets/ticket.service.ts";
import type { WorkingCalendar } from "./calendar.ts";
import {
  appliesIn,
  ESCALATION_NOTE,
  type EscalationRule,
  isApplied,
  planTimers,
  TIMER_EFFECTS,
  type TimerKind,
  timerJobId,
} from "./timer-plan.ts";
import { type LedgerChange, type LedgerRow, type TicketTimerFacts, TimerStore } from "./timer-store.ts";

export type FireOutcome = "applied" | "already" | "superseded" | "not-due" | "not-planned" | "deferred";

export interface FireResult {
  outcome: FireOutcome;
  /** Timers applied by this call, in order (a due earlier timer of the ticket is applied first). */
  applied: TimerKind[];
  /** For `not-due`: when the timer is due now (a job run early, e.g. clocks apart, or a moved deadline). */
  dueAt?: Date;
}

export interface ReconcileReport {
  /** Another process was reconciling; nothing done. */
  skipped: boolean;
  /** Open tickets whose timers had never been planned for their current deadlines. */
  replanned: number;
  /** Tickets with missed timers (due before now − grace) that were applied here. */
  caughtUp: number;
  applied: number;
  /** Near-future timers (re-)enqueued so they fire on time even after a lost queue. */
  requeued: number;
}

export interface ReconcileOptions {
  now?: Date;
  /** The reconciliation period the defaults below derive from (default the configured one). */
  periodMs?: number;
  /** Also look for open tickets whose timers were never planned (a scan of open tickets). */
  replan?: boolean;
  /** A pending timer later than this is applied by reconciliation itself (default 5 s or the period). */
  graceMs?: number;
  /** Timers due within this window are (re-)enqueued (default 1.5 × the period, at least 10 s). */
  horizonMs?: number;
}

const BATCH = 500;
const ENQUEUE_CHUNK = 1000;
const CATCH_UP_CONCURRENCY = 6;
/** Longest a ticket event or a reconciliation waits for the queue before leaving it to reconciliation. */
const QUEUE_TIMEOUT_MS = 3_000;

/**
 * SLA timers as BullMQ delayed jobs, held to the database.
 *
 * - On every ticket change the ticket's timer plan (timer-plan.ts) is recomputed, written to the
 *   `timer_firings` ledger and enqueued with deterministic job ids `${ticketId}:${dv}:${kind}`;
 *   superseded jobs are removed (they would no-op anyway: the deadline version is checked).
 * - `fire` applies a due timer under a per-ticket advisory lock: it reloads the ticket, skips
 *   what the ticket already shows (flag set, escalation event recorded for this deadline
 *   version), applies every due earlier timer first so the timeline keeps its order, and
 *   passes the deadline version to `applySystemEvent`, which refuses superseded timers in the
 *   ticket's own transaction. A job that runs twice, or races reconciliation, changes nothing.
 * - `reconcile` (a repeating job) re-plans tickets whose ledger is missing, applies pending
 *   timers that are overdue by more than the grace period, and re-enqueues the near future, so
 *   a wiped queue or a worker down for hours loses no escalation and doubles none.
 */
export class TimerScheduler {
  readonly store: TimerStore;
  readonly escalation: EscalationRule;

  constructor(readonly core: CoreServices) {
    this.store = new TimerStore(core.databaseUrl);
    this.escalation = { after: core.config.timers.escalateAfter, clock: core.config.timers.escalateClock };
  }

  private get queue(): Queue<TimerJobData> {
    return this.core.queues.queue<TimerJobData>(TIMERS_QUEUE);
  }

  async onTicketChange(change: TicketChange): Promise<void> {
    // Timer effects (flags, automatic SUPERVISE) never move a deadline or the status.
    if (change.event.actorRole === "system") return;
    await this.sync([change.ticket.id]);
  }

  /** Recomputes, stores and enqueues the timers of `ticketIds`; idempotent, batch-friendly. */
  async sync(ticketIds: number[]): Promise<{ pending: number; removed: number }> {
    if (ticketIds.length === 0) return { pending: 0, removed: 0 };
    const cal = await this.core.sla.calendar();
    const changes = await this.store.inTransactionLocking(ticketIds, async (c) => {
      const tickets = await this.store.loadTickets(c, ticketIds);
      const plan: LedgerRow[] = [];
      for (const t of tickets) plan.push(...(await this.planRows(t, cal)));
      return this.store.writePlan(c, ticketIds, plan);
    });
    const pending = changes.filter((r) => r.op === "upserted" && r.state === "pending");
    const removed = changes.filter((r) => r.op === "removed" && r.state === "pending");
    await this.enqueue(pending);
    await this.unqueue(removed);
    return { pending: pending.length, removed: removed.length };
  }

  /** Applies the timer (and any earlier due timer of the same ticket) if still due and not yet applied. */
  async fire(job: TimerJobData, now: Date = new Date()): Promise<FireResult> {
    const cal = await this.core.sla.calendar();
    const result = await this.store.withTicketLock(job.ticketId, async (c, t) => {
      const done = (result: FireResult, requeue: LedgerChange[] = [], thenSql = "") => ({
        value: { result, requeue },
        thenSql,
      });
      if (!t || t.deadlineVersion !== job.deadlineVersion) {
        await this.store.deleteVersion(c, job.ticketId, job.deadlineVersion);
        return done({ outcome: "superseded", applied: [] });
      }
      const rows = await this.planRows(t, cal);
      const own = rows.find((r) => r.kind === job.kind);
      const applied: TimerKind[] = [];
      for (const r of rows) {
        if (r.state !== "pending" || r.dueAt.getTime() > now.getTime()) continue;
        if (!appliesIn(r.kind, t.status)) {
          r.state = "deferred";
          continue;
        }
        const change = await this.core.tickets.applySystemEvent(
          t.id,
          TIMER_EFFECTS[r.kind].type,
          payloadFor(r),
          t.deadlineVersion,
        );
        // A user event moved the deadlines after we loaded the ticket; its own sync re-plans.
        if (!change) return done({ outcome: "superseded", applied });
        r.state = "fired";
        applied.push(r.kind);
      }
      const outcome: FireOutcome = !own
        ? "not-planned"
        : applied.includes(job.kind)
          ? "applied"
          : own.state === "fired"
            ? "already"
            : own.state === "deferred"
              ? "deferred"
              : "not-due";
      const result: FireResult = { outcome, applied };
      if (outcome === "not-due" && own) result.dueAt = own.dueAt;
      const ledger = new Map((t.ledger ?? []).map((l) => [l.kind, l]));
      const inStep =
        ledger.size === rows.length &&
        rows.every((r) => {
          const l = ledger.get(r.kind);
          return (
            l && l.status === r.status && (l.state === "fired" || l.dueAt.getTime() === r.dueAt.getTime())
          );
        });
      if (inStep) {
        // The common case: the ledger holds this plan; record what changed state with the unlock.
        const changed = rows.filter((r) => ledger.get(r.kind)?.state !== r.state && r.state !== "pending");
        return done(result, [], this.store.markStatesSql(t.id, t.deadlineVersion, changed));
      }
      // The ledger missed this plan (a lost hook, a calendar edit): rewrite it and queue what is new.
      const written = await this.store.writePlan(c, [t.id], rows);
      const requeue = written.filter(
        (w) => w.op === "upserted" && w.state === "pending" && w.kind !== job.kind && w.inserted,
      );
      return done(result, requeue);
    });
    await this.enqueue(result.requeue);
    return result.result;
  }

  /** See the class comment. Safe to run from any number of processes: one runs at a time. */
  async reconcile(opts: ReconcileOptions = {}): Promise<ReconcileReport> {
    const periodMs = opts.periodMs ?? this.core.config.timers.reconcileMs;
    const graceMs = opts.graceMs ?? Math.min(5_000, periodMs);
    const horizonMs = opts.horizonMs ?? Math.max(10_000, Math.round(periodMs * 1.5));
    const report = await this.store.exclusively(async () => {
      const r: ReconcileReport = { skipped: false, replanned: 0, caughtUp: 0, applied: 0, requeued: 0 };
      const now = opts.now ?? new Date();

      if (opts.replan) {
        let afterId = 0;
        for (;;) {
          const ids = await this.store.withClient((c) => this.store.unplannedTickets(c, afterId, BATCH));
          if (ids.length === 0) break;
          await this.sync(ids);
          r.replanned += ids.length;
          afterId = ids[ids.length - 1] as number;
        }
      }

      // Missed: pending past the grace period (queue lost, worker down). Applied here, in due order.
      const cutoff = new Date(now.getTime() - graceMs);
      let after: LedgerRow | undefined;
      for (;;) {
        const rows = await this.store.withClient((c) => this.store.pendingDue(c, cutoff, BATCH, after));
        if (rows.length === 0) break;
        after = rows[rows.length - 1];
        const first = new Map<number, LedgerRow>();
        for (const row of rows) if (!first.has(row.ticketId)) first.set(row.ticketId, row);
        await mapLimit([...first.values()], CATCH_UP_CONCURRENCY, async (row) => {
          try {
            const res = await this.fire(row, now);
            r.caughtUp++;
            r.applied += res.applied.length;
          } catch (err) {
            logger.error({ err, ticketId: row.ticketId, kind: row.kind }, "timer catch-up failed");
          }
        });
      }

      // Near future: make sure the queue holds them (a no-op for jobs it already has).
      after = undefined;
      const until = new Date(now.getTime() + horizonMs);
      for (;;) {
        const rows = await this.store.withClient((c) =>
          this.store.pendingBetween(c, cutoff, until, ENQUEUE_CHUNK * 5, after),
        );
        if (rows.length === 0) break;
        after = rows[rows.length - 1];
        if (!(await this.enqueue(rows))) break; // queue unreachable: the catch-up above still ran
        r.requeued += rows.length;
      }
      return r;
    });
    return report ?? { skipped: true, replanned: 0, caughtUp: 0, applied: 0, requeued: 0 };
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  /** The ticket's current plan as ledger rows, each `fired` when the ticket already shows it. */
  private async planRows(t: TicketTimerFacts, cal: WorkingCalendar): Promise<LedgerRow[]> {
    const category = await this.core.org.categoryById(t.categoryId);
    const policy = await this.core.sla.policy(category?.code ?? "", t.urgency);
    const resolveStart =
      t.reopenedAt && (!t.dispatchedAt || t.reopenedAt > t.dispatchedAt) ? t.reopenedAt : t.dispatchedAt;
    const planned = planTimers({ ...t, resolveStart }, policy.clock, cal, this.escalation);
    return planned.map((p) => ({
      ticketId: t.id,
      deadlineVersion: t.deadlineVersion,
      kind: p.kind,
      status: t.status,
      dueAt: p.dueAt,
      state: isApplied(p.kind, t.deadlineVersion, t.flags, t.escalated) ? "fired" : "pending",
    }));
  }

  /**
   * Adds delayed jobs for these timers (a no-op for ids the queue holds). Best effort, bounded by
   * QUEUE_TIMEOUT_MS: the ledger is already written, and reconciliation enqueues or applies what
   * did not make it, so an unreachable queue never blocks a ticket event. Returns false on failure.
   */
  private async enqueue(
    rows: Array<Pick<LedgerRow, "ticketId" | "deadlineVersion" | "kind" | "dueAt">>,
  ): Promise<boolean> {
    const now = Date.now();
    for (let i = 0; i < rows.length; i += ENQUEUE_CHUNK) {
      const add = this.queue.addBulk(
        rows.slice(i, i + ENQUEUE_CHUNK).map((r) => ({
          name: JOBS.timerFire.name,
          data: { ticketId: r.ticketId, deadlineVersion: r.deadlineVersion, kind: r.kind },
          opts: {
            ...JOBS.timerFire.opts,
            jobId: timerJobId(r.ticketId, r.deadlineVersion, r.kind),
            delay: Math.max(0, r.dueAt.getTime() - now),
          },
        })),
      );
      try {
        await withTimeout(add, QUEUE_TIMEOUT_MS);
      } catch (err) {
        add.catch(() => {}); // settles later or never; reconciliation covers it
        logger.warn({ err, timers: rows.length }, "could not enqueue timers; reconciliation will");
        return false;
      }
    }
    return true;
  }

  /** Best effort: a superseded job left behind only wakes up to find its deadline version gone. */
  private async unqueue(rows: LedgerChange[]): Promise<void> {
    const removals = Promise.all(
      rows.map((r) =>
        this.queue.remove(timerJobId(r.ticketId, r.deadlineVersion, r.kind)).catch((err: unknown) => {
          logger.debug({ err, ticketId: r.ticketId, kind: r.kind }, "could not remove superseded timer job");
        }),
      ),
    );
    await withTimeout(removals, QUEUE_TIMEOUT_MS).catch(() => {});
  }
}

function payloadFor(r: LedgerRow): Record<string, unknown> {
  const effect = TIMER_EFFECTS[r.kind];
  const base = { kind: r.kind, deadlineVersion: r.deadlineVersion, dueAt: r.dueAt.toISOString() };
  return effect.type === "SUPERVISE" ? { level: effect.level, note: ESCALATION_NOTE, ...base } : base;
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(lanes);
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`queue did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
