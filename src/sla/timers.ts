import type { Queue } from "bullmq";
import type pg from "pg";
import type { Config } from "../config.ts";
import { JOBS, TIMERS_QUEUE, type TimerDueData } from "../jobs/catalog.ts";
import type { QueueBackend } from "../jobs/queues.ts";
import { withTimeout } from "../jobs/queues.ts";
import { logger } from "../logger.ts";
import type { OrgService } from "../org/org.service.ts";
import { type SystemEvent, writeLedger, writeSystemEvents } from "../tickets/ticket.repository.ts";
import type { SlaService, SlaSnapshot } from "./sla.service.ts";
import {
  appliesIn,
  DUE_WINDOW_MS,
  dueJobId,
  dueWindowEnd,
  ESCALATION_NOTE,
  type EscalationRule,
  ledgerPlan,
  TIMER_EFFECTS,
  type TimerKind,
  type TimerRef,
} from "./timer-plan.ts";
import { type LedgerRow, type TicketTimerFacts, TimerStore } from "./timer-store.ts";

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
/** Ledger rows read per page, and timers applied per transaction, by a due window's job. */
const PAGE = 5_000;
const FIRE_CHUNK = 250;
/** Longest a ticket event or a reconciliation waits for the queue before leaving it to reconciliation. */
const QUEUE_TIMEOUT_MS = 3_000;

/** What the timers need: the pool, the queue, the policies and categories, and their settings. */
export interface TimerDeps {
  pool: pg.Pool;
  queues: Pick<QueueBackend, "queue">;
  sla: Pick<SlaService, "snapshot">;
  org: Pick<OrgService, "listCategories">;
  settings: Config["timers"];
}

/** Reference data for planning, read before a transaction opens (no pool connection inside it). */
interface PlanReference {
  sla: SlaSnapshot;
  categories: Map<number, string>;
}

/**
 * SLA timers: a ledger in the database, woken up by BullMQ delayed jobs.
 *
 * - On every ticket change the ticket's timer plan (timer-plan.ts) is recomputed and written to
 *   the `timer_firings` ledger, and the queue is given one delayed wake-up job per due window
 *   (`due-${windowEnd}`, deterministic, so re-adding is a no-op). A superseded timer is simply
 *   deleted from the ledger; its window's job no longer finds it.
 * - `fireDue` (the window's job) reads the window's pending timers and hands them to `fireMany`
 *   in chunks. `fireMany` applies due timers of many tickets in one transaction, under the
 *   tickets' row locks (the lock user events take): it re-plans each ticket from what it shows
 *   now, skips a timer whose deadline version is no longer the ticket's and what is already
 *   applied (flag set, escalation event recorded for this deadline version), applies every due
 *   timer in due order, and writes all the effects as machine events (system-events.ts) and the
 *   ledger in the same transaction. A window run twice, or racing reconciliation or a user
 *   event, changes nothing twice; a burst of deadlines costs a few statements per chunk.
 * - `reconcile` (a repeating job) re-plans tickets whose ledger is missing, applies pending
 *   timers that are overdue by more than the grace period, and re-enqueues the near future, so
 *   a wiped queue or a worker down for hours loses no escalation and doubles none.
 */
export class TimerScheduler {
  readonly store: TimerStore;
  readonly escalation: EscalationRule;

  constructor(private readonly deps: TimerDeps) {
    this.store = new TimerStore(deps.pool);
    this.escalation = { after: deps.settings.escalateAfter, clock: deps.settings.escalateClock };
  }

  private get queue(): Queue<TimerDueData> {
    return this.deps.queues.queue<TimerDueData>(TIMERS_QUEUE);
  }

  /**
   * After a ticket write committed its ledger rows (ticket.repository.ts): wake the queue for
   * the pending timers that come due before the next reconciliation would. Later ones are left
   * to reconciliation, which enqueues what falls within its horizon each period, so an event
   * on a ticket with hours-long deadlines costs the queue nothing.
   */
  async wake(rows: LedgerRow[]): Promise<void> {
    const until = Date.now() + this.horizonMs();
    const soon = rows.filter((r) => r.state === "pending" && r.dueAt.getTime() <= until);
    if (soon.length > 0) await this.enqueue(soon);
  }

  /** Timers due within this window are (re-)enqueued by each reconciliation (1.5 × the period, ≥ 10 s). */
  private horizonMs(periodMs = this.deps.settings.reconcileMs): number {
    return Math.max(10_000, Math.round(periodMs * 1.5));
  }

  /** Recomputes, stores and enqueues the timers of `ticketIds`; idempotent, batch-friendly. */
  async sync(ticketIds: number[]): Promise<{ pending: number }> {
    const ids = [...new Set(ticketIds)];
    if (ids.length === 0) return { pending: 0 };
    const ref = await this.reference();
    const pending = await this.store.inTransaction(async (c) => {
      const tickets = await this.store.lockTickets(c, ids);
      return writeLedger(
        c,
        ids,
        tickets.flatMap((t) => this.planRows(t, ref)),
      );
    });
    // A removed (superseded) timer needs nothing from the queue: its window finds it gone.
    await this.wake(pending);
    return { pending: pending.length };
  }

  /**
   * Applies the ticket's timers that are due but not applied yet (the workers were down or
   * behind). A user event calls this before it changes the ticket, so a stage the event ends
   * (SIGN ends the signing stage) still gets its warnings, overdue and escalations first.
   */
  async catchUp(ticketId: number, now: Date = new Date()): Promise<number> {
    const due = await this.store.withClient((c) => this.store.dueForTicket(c, ticketId, now));
    if (due.length === 0) return 0;
    const results = await this.fireMany(due, now);
    return new Set(results.flatMap((r) => r.applied)).size;
  }

  /** `fireMany` for one timer. */
  async fire(timer: TimerRef, now: Date = new Date()): Promise<FireResult> {
    return (await this.fireMany([timer], now))[0] as FireResult;
  }

  /**
   * The wake-up job of the due window ending at `at`: applies the window's pending timers, a
   * chunk per transaction, two chunks at a time. Returns how many timers it looked at and how
   * many effects it applied.
   */
  async fireDue(at: number, now: Date = new Date()): Promise<{ timers: number; applied: number }> {
    const from = new Date(at - DUE_WINDOW_MS);
    const until = new Date(at);
    const rows: LedgerRow[] = [];
    let after: LedgerRow | undefined;
    for (;;) {
      const page = await this.store.withClient((c) => this.store.pendingBetween(c, from, until, PAGE, after));
      rows.push(...page);
      after = page[page.length - 1];
      if (page.length < PAGE) break;
    }
    const chunks: LedgerRow[][] = [];
    for (let i = 0; i < rows.length; i += FIRE_CHUNK) chunks.push(rows.slice(i, i + FIRE_CHUNK));
    let applied = 0;
    await mapLimit(chunks, 2, async (chunk) => {
      applied += countApplied(chunk, await this.fireMany(chunk, now));
    });
    return { timers: rows.length, applied };
  }

  /**
   * Applies these timers (and any earlier due timer of the same tickets) if still due and not
   * yet applied; one result per job, in order. See the class comment.
   */
  async fireMany(jobs: TimerRef[], now: Date = new Date()): Promise<FireResult[]> {
    if (jobs.length === 0) return [];
    const ref = await this.reference();
    const ids = [...new Set(jobs.map((j) => j.ticketId))];
    const out = await this.store.inTransaction(async (c) => {
      const tickets = new Map((await this.store.lockTickets(c, ids, true)).map((t) => [t.id, t]));
      const superseded = new Map<string, { ticketId: number; deadlineVersion: number }>();
      const plans = new Map<number, { t: TicketTimerFacts; rows: LedgerRow[]; due: LedgerRow[] }>();
      for (const job of jobs) {
        const t = tickets.get(job.ticketId);
        if (!t || t.deadlineVersion !== job.deadlineVersion) {
          superseded.set(`${job.ticketId}:${job.deadlineVersion}`, job);
          continue;
        }
        if (plans.has(t.id)) continue;
        const rows = this.planRows(t, ref);
        const due: LedgerRow[] = [];
        for (const r of rows) {
          if (r.state !== "pending" || r.dueAt.getTime() > now.getTime()) continue;
          if (appliesIn(r.kind, t.status)) due.push(r);
          else r.state = "deferred"; // e.g. a resolution warning due while unsigned waits for SIGN
        }
        plans.set(t.id, { t, rows, due });
      }
      await this.store.deleteVersions(c, [...superseded.values()]);

      const list = [...plans.values()].filter((p) => p.due.length > 0);
      const { accepted } = await writeSystemEvents(
        c,
        list.map(({ t, due }) => ({ ticket: t, events: due.map(systemEvent) })),
      );
      list.forEach(({ due }, i) => {
        due.forEach((r, k) => {
          // The machine refusing a timer that appliesIn() allows would be a planning bug: park it.
          r.state = accepted[i]?.[k] ? "fired" : "deferred";
        });
      });

      // The ledger: usually it holds this plan already and only states change; where it missed
      // the plan (a lost hook, a calendar edit) it is rewritten and what is new gets queued.
      const marks: LedgerRow[] = [];
      const rewrite: LedgerRow[] = [];
      const rewriteIds: number[] = [];
      for (const { t, rows } of plans.values()) {
        const ledger = new Map((t.ledger ?? []).map((l) => [l.kind, l]));
        const inStep =
          ledger.size === rows.length &&
          rows.every((r) => {
            const l = ledger.get(r.kind);
            return (
              l && l.status === r.status && (l.state === "fired" || l.dueAt.getTime() === r.dueAt.getTime())
            );
          });
        if (inStep)
          marks.push(...rows.filter((r) => r.state !== "pending" && ledger.get(r.kind)?.state !== r.state));
        else {
          rewrite.push(...rows);
          rewriteIds.push(t.id);
        }
      }
      await this.store.markStates(c, marks);
      const requeue = rewrite.length > 0 ? await writeLedger(c, rewriteIds, rewrite) : [];

      const results = jobs.map((job): FireResult => {
        const plan = plans.get(job.ticketId);
        if (!plan || plan.t.deadlineVersion !== job.deadlineVersion)
          return { outcome: "superseded", applied: [] };
        const applied = plan.due.filter((r) => r.state === "fired").map((r) => r.kind);
        const own = plan.rows.find((r) => r.kind === job.kind);
        if (!own) return { outcome: "not-planned", applied };
        if (applied.includes(job.kind)) return { outcome: "applied", applied };
        if (own.state === "fired") return { outcome: "already", applied };
        if (own.state === "deferred") return { outcome: "deferred", applied };
        return { outcome: "not-due", applied, dueAt: own.dueAt };
      });
      return { results, requeue };
    });
    await this.wake(out.requeue);
    return out.results;
  }

  /** See the class comment. Safe to run from any number of processes: one runs at a time. */
  async reconcile(opts: ReconcileOptions = {}): Promise<ReconcileReport> {
    const periodMs = opts.periodMs ?? this.deps.settings.reconcileMs;
    const graceMs = opts.graceMs ?? Math.min(5_000, periodMs);
    const horizonMs = opts.horizonMs ?? this.horizonMs(periodMs);
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
        const rows = await this.store.withClient((c) =>
          this.store.pendingBetween(c, null, cutoff, BATCH, after),
        );
        if (rows.length === 0) break;
        after = rows[rows.length - 1];
        try {
          const results = await this.fireMany(rows, now);
          r.caughtUp += new Set(rows.map((row) => row.ticketId)).size;
          r.applied += new Set(
            results.flatMap((res, i) => res.applied.map((k) => `${rows[i]?.ticketId}:${k}`)),
          ).size;
        } catch (err) {
          logger.error({ err, timers: rows.length }, "timer catch-up failed");
        }
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

  private async reference(): Promise<PlanReference> {
    const [sla, categories] = await Promise.all([this.deps.sla.snapshot(), this.deps.org.listCategories()]);
    return { sla, categories: new Map(categories.map((c) => [c.id, c.code])) };
  }

  /** The ticket's current plan as ledger rows, each `fired` when the ticket already shows it. */
  private planRows(t: TicketTimerFacts, ref: PlanReference): LedgerRow[] {
    const policy = ref.sla.policy(ref.categories.get(t.categoryId) ?? "", t.urgency);
    return ledgerPlan(t, policy.clock, ref.sla.calendar, this.escalation);
  }

  /**
   * Makes sure the queue will wake up for these timers: one delayed job per due window (a no-op
   * for windows the queue already holds). Best effort, bounded by QUEUE_TIMEOUT_MS: the ledger
   * is already written, and reconciliation enqueues or applies what did not make it, so an
   * unreachable queue never blocks a ticket event. Returns false on failure.
   */
  private async enqueue(rows: Array<Pick<LedgerRow, "dueAt">>): Promise<boolean> {
    const now = Date.now();
    const windows = [...new Set(rows.map((r) => dueWindowEnd(r.dueAt)))];
    for (let i = 0; i < windows.length; i += ENQUEUE_CHUNK) {
      const add = this.queue.addBulk(
        windows.slice(i, i + ENQUEUE_CHUNK).map((at) => ({
          name: JOBS.timerDue.name,
          data: { at },
          opts: { ...JOBS.timerDue.opts, jobId: dueJobId(at), delay: Math.max(0, at - now) },
        })),
      );
      try {
        await withTimeout(add, QUEUE_TIMEOUT_MS);
      } catch (err) {
        add.catch(() => {}); // settles later or never; reconciliation covers it
        logger.warn({ err, windows: windows.length }, "could not enqueue timers; reconciliation will");
        return false;
      }
    }
    return true;
  }
}

/** Distinct (ticket, timer) effects applied, from fireMany's per-job results. */
function countApplied(timers: TimerRef[], results: FireResult[]): number {
  return new Set(results.flatMap((res, i) => res.applied.map((k) => `${timers[i]?.ticketId}:${k}`))).size;
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  });
  await Promise.all(lanes);
}

function systemEvent(r: LedgerRow): SystemEvent {
  const effect = TIMER_EFFECTS[r.kind];
  const base = { kind: r.kind, deadlineVersion: r.deadlineVersion, dueAt: r.dueAt.toISOString() };
  return effect.type === "SUPERVISE"
    ? { type: "SUPERVISE", payload: { level: effect.level, note: ESCALATION_NOTE, ...base } }
    : { type: effect.type, payload: base };
}
