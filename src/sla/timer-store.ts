import type pg from "pg";
import { inTransaction } from "../db/pool.ts";
import type { TicketContext, TimerFlags } from "../tickets/ticket.machine.ts";
import { TIMER_HISTORY_SQL } from "../tickets/ticket.repository.ts";
import { TIMED_STATES } from "../tickets/vocabulary.ts";
import type { TimerKind, TimerStatus } from "./timer-plan.ts";

/**
 * SQL of the timer ledger (`timer_firings`) and of the ticket facts timers need, on the store's
 * own small pool of raw connections. Timer work on a ticket is serialised by the ticket's row
 * lock, the same lock every user event takes: `lockTickets` reads the tickets `FOR NO KEY
 * UPDATE` (which leaves foreign-key checks from other rows, e.g. a MERGE into one of them, free
 * to proceed), in id order so two batches never deadlock.
 */
export type Queryable = pg.PoolClient;

export type LedgerState = "pending" | "fired" | "deferred";

export interface TicketTimerFacts {
  id: number;
  status: TimerStatus;
  /** The ticket's version and machine context (what a system event is applied to). */
  version: number;
  context: TicketContext;
  deadlineVersion: number;
  dispatchedAt: Date | null;
  signBy: Date | null;
  firstResponseBy: Date | null;
  firstResponseAt: Date | null;
  dueAt: Date | null;
  callbackBy: Date | null;
  urgency: "normal" | "urgent" | "critical";
  categoryId: number;
  flags: Partial<TimerFlags>;
  /** Latest reopen (REOPEN, or a dissatisfied CALLBACK back to processing), if any. */
  reopenedAt: Date | null;
  /** `${kind}:${deadlineVersion}` of every automatic escalation already recorded. */
  escalated: Set<string>;
  /** The ledger rows of the current deadline version, when asked for (`withLedger`). */
  ledger?: Array<{ kind: TimerKind; status: TimerStatus; dueAt: Date; state: LedgerState }>;
}

export interface LedgerRow {
  ticketId: number;
  deadlineVersion: number;
  kind: TimerKind;
  status: TimerStatus;
  dueAt: Date;
  state: LedgerState;
}

/** Advisory lock (two-int form) held by the one process reconciling at a time. */
const LOCK_CLASS = 12_345_003;
const RECONCILE_LOCK = 0;

/** The statuses whose tickets have timers (registered has no deadline yet). */
export const OPEN_TIMER_STATUSES: readonly TimerStatus[] = TIMED_STATES;

export class TimerStore {
  /** On the process's shared pool (src/db/pool.ts). */
  constructor(private readonly db: pg.Pool) {}

  async withClient<T>(fn: (c: Queryable) => Promise<T>): Promise<T> {
    const c = await this.db.connect();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  }

  /** Runs `fn` in a transaction on one connection of the pool. */
  inTransaction<T>(fn: (c: Queryable) => Promise<T>): Promise<T> {
    return inTransaction(this.db, fn);
  }

  /** Runs `fn` only if no other process is reconciling; returns null when one is. */
  async exclusively<T>(fn: () => Promise<T>): Promise<T | null> {
    return this.withClient(async (c) => {
      const { rows } = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [
        LOCK_CLASS,
        RECONCILE_LOCK,
      ]);
      if (!rows[0]?.ok) return null;
      try {
        return await fn();
      } finally {
        await c.query("SELECT pg_advisory_unlock($1, $2)", [LOCK_CLASS, RECONCILE_LOCK]).catch(() => {});
      }
    });
  }

  /** The timer facts of these tickets (and their current ledger rows), read without locking. */
  async loadTickets(c: Queryable, ids: number[], withLedger = false): Promise<TicketTimerFacts[]> {
    if (ids.length === 0) return [];
    // Named: parsed and planned once per connection.
    const { rows } = await c.query<FactsRow>({
      name: "timers_load",
      text: LOAD_SQL,
      values: [ids, withLedger],
    });
    return rows.map(toFacts);
  }

  /**
   * The same, under the tickets' row locks (taken in id order) for the rest of `c`'s transaction:
   * every timer effect and every user event on a ticket is applied one after another. Lock and
   * read are two statements: in READ COMMITTED the read then takes a snapshot after the locks were
   * granted and sees everything the previous holder committed, its events included (a single
   * `SELECT … FOR UPDATE` re-reads the locked row but not the subqueries over `ticket_events`).
   */
  async lockTickets(c: Queryable, ids: number[], withLedger = false): Promise<TicketTimerFacts[]> {
    if (ids.length === 0) return [];
    await c.query({
      name: "timers_lock",
      text: "SELECT id FROM tickets WHERE id = ANY($1::int[]) ORDER BY id FOR NO KEY UPDATE",
      values: [ids],
    });
    return this.loadTickets(c, ids, withLedger);
  }

  /** Sets the state of ledger rows (a fired row stays fired). */
  async markStates(
    c: Queryable,
    rows: Array<{ ticketId: number; deadlineVersion: number; kind: TimerKind; state: LedgerState }>,
  ): Promise<void> {
    if (rows.length === 0) return;
    await c.query({
      name: "timers_mark",
      text: `UPDATE timer_firings f
                SET state = CASE WHEN f.state = 'fired' THEN 'fired' ELSE u.state END,
                    fired_at = CASE WHEN u.state = 'fired' THEN coalesce(f.fired_at, now()) ELSE f.fired_at END
               FROM unnest($1::int[], $2::int[], $3::text[], $4::text[]) AS u(ticket_id, deadline_version, kind, state)
              WHERE f.ticket_id = u.ticket_id AND f.deadline_version = u.deadline_version AND f.kind = u.kind`,
      values: [
        rows.map((r) => r.ticketId),
        rows.map((r) => r.deadlineVersion),
        rows.map((r) => r.kind),
        rows.map((r) => r.state),
      ],
    });
  }

  /** Deletes every row of superseded deadline versions. */
  async deleteVersions(
    c: Queryable,
    versions: Array<{ ticketId: number; deadlineVersion: number }>,
  ): Promise<void> {
    if (versions.length === 0) return;
    await c.query(
      `DELETE FROM timer_firings f
        USING unnest($1::int[], $2::int[]) AS v(ticket_id, deadline_version)
        WHERE f.ticket_id = v.ticket_id AND f.deadline_version = v.deadline_version`,
      [versions.map((v) => v.ticketId), versions.map((v) => v.deadlineVersion)],
    );
  }

  /** Pending rows due in (from, until] (from = null: any time up to `until`), oldest first, after the keyset `after`. */
  async pendingBetween(
    c: Queryable,
    from: Date | null,
    until: Date,
    limit: number,
    after?: { dueAt: Date; ticketId: number; kind: string },
  ): Promise<LedgerRow[]> {
    const { rows } = await c.query(
      `SELECT ticket_id, deadline_version, kind, status::text AS status, due_at, state
         FROM timer_firings
        WHERE state = 'pending' AND ($1::timestamptz IS NULL OR due_at > $1) AND due_at <= $2
          AND ($3::timestamptz IS NULL OR (due_at, ticket_id, kind) > ($3::timestamptz, $4::int, $5::text))
        ORDER BY due_at, ticket_id, kind
        LIMIT $6`,
      [from, until, after?.dueAt ?? null, after?.ticketId ?? null, after?.kind ?? null, limit],
    );
    return rows.map(toRow);
  }

  /** The ticket's pending timers due by `now`, oldest first. */
  async dueForTicket(c: Queryable, ticketId: number, now: Date): Promise<LedgerRow[]> {
    const { rows } = await c.query({
      name: "timers_due_for_ticket",
      text: `SELECT ticket_id, deadline_version, kind, status::text AS status, due_at, state
               FROM timer_firings
              WHERE ticket_id = $1 AND state = 'pending' AND due_at <= $2
              ORDER BY due_at, kind`,
      values: [ticketId, now],
    });
    return rows.map(toRow);
  }

  /**
   * Open tickets whose ledger was not written for their current deadline version and status
   * (a hook lost to a crash between commit and scheduling, or tickets older than this code).
   */
  async unplannedTickets(c: Queryable, afterId: number, limit: number): Promise<number[]> {
    const { rows } = await c.query<{ id: number }>(
      `SELECT t.id FROM tickets t
        WHERE t.status = ANY($1::"TicketStatus"[]) AND t.id > $2
          AND NOT EXISTS (SELECT 1 FROM timer_firings f WHERE f.ticket_id = t.id
                            AND f.deadline_version = t.deadline_version AND f.status = t.status)
        ORDER BY t.id
        LIMIT $3`,
      [OPEN_TIMER_STATUSES, afterId, limit],
    );
    return rows.map((r) => r.id);
  }
}

function toRow(r: Record<string, unknown>): LedgerRow {
  return {
    ticketId: r.ticket_id as number,
    deadlineVersion: r.deadline_version as number,
    kind: r.kind as TimerKind,
    status: r.status as TimerStatus,
    dueAt: r.due_at as Date,
    state: r.state as LedgerState,
  };
}

// The timer history columns are the writer's (TIMER_HISTORY_SQL), so both plan from the same facts.
const LOAD_SQL = `SELECT t.id, t.status::text AS status, t.version, t.context, t.deadline_version, t.dispatched_at,
       t.sign_by, t.first_response_by, t.first_response_at, t.due_at, t.callback_by, t.urgency::text AS urgency,
       t.category_id,
       ${TIMER_HISTORY_SQL("reopened_at", "escalated")},
       CASE WHEN $2::boolean THEN (
         SELECT json_agg(json_build_object('kind', f.kind, 'status', f.status, 'due_at', f.due_at,
                                           'state', f.state))
           FROM timer_firings f
          WHERE f.ticket_id = t.id AND f.deadline_version = t.deadline_version
       ) END AS ledger
  FROM tickets t
 WHERE t.id = ANY($1::int[])`;

interface FactsRow {
  id: number;
  status: TimerStatus;
  version: number;
  context: TicketContext;
  deadline_version: number;
  dispatched_at: Date | null;
  sign_by: Date | null;
  first_response_by: Date | null;
  first_response_at: Date | null;
  due_at: Date | null;
  callback_by: Date | null;
  urgency: TicketTimerFacts["urgency"];
  category_id: number;
  reopened_at: Date | null;
  escalated: string[] | null;
  ledger: Array<{ kind: TimerKind; status: TimerStatus; due_at: string; state: LedgerState }> | null;
}

function toFacts(r: FactsRow): TicketTimerFacts {
  return {
    id: r.id,
    status: r.status,
    version: r.version,
    context: r.context,
    deadlineVersion: r.deadline_version,
    dispatchedAt: r.dispatched_at,
    signBy: r.sign_by,
    firstResponseBy: r.first_response_by,
    firstResponseAt: r.first_response_at,
    dueAt: r.due_at,
    callbackBy: r.callback_by,
    urgency: r.urgency,
    categoryId: r.category_id,
    flags: r.context.flags,
    reopenedAt: r.reopened_at,
    escalated: new Set(r.escalated ?? []),
    ...(r.ledger
      ? {
          ledger: r.ledger.map((l) => ({
            kind: l.kind,
            status: l.status,
            dueAt: new Date(l.due_at),
            state: l.state,
          })),
        }
      : {}),
  };
}
