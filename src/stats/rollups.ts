/**
 * Facts and rollups in PostgreSQL.
 *
 * Incremental path (`refreshTicket`): in one transaction, recompute a ticket's facts from its
 * row and lead assignments (metrics.ts), diff them against the stored facts, and apply the
 * difference to the daily rollups. Re-running it for an unchanged ticket finds no difference,
 * so a change processed twice counts once. The import applies the same deltas per batch
 * (`applyRollupDelta`).
 *
 * Rebuild path (`rebuildAll`): recompute every fact with set-based SQL that mirrors
 * metrics.ts, then rewrite only the rows that differ. After a consistent incremental
 * history it finds nothing to change (test/integration/stats-incremental.test.ts).
 *
 * Locks: incremental and import transactions hold a shared advisory lock, the rebuild an
 * exclusive one (taken before its REPEATABLE READ snapshot), so a rebuild never mixes with
 * half-applied deltas. A per-ticket advisory lock serialises workers on the same ticket;
 * rollup rows are always upserted in key order so concurrent deltas cannot deadlock.
 */
import type pg from "pg";
import { inTransaction } from "../db/pool.ts";
import {
  DISPATCH_COUNTERS,
  type DispatchCounter,
  type DispatchFact,
  dispatchFacts,
  type FactAssignment,
  type FactKey,
  type FactTicket,
  type LiveTicket,
  type OpenRow,
  openRow,
  TICKET_COUNTERS,
  type TicketCounter,
  type TicketFact,
  ticketFact,
} from "./metrics.ts";

/** Advisory lock class (two-int form) for stats; object 0 is the rebuild gate, n > 0 ticket n. */
export const STATS_LOCK_CLASS = 0x5354; // "ST"
/** Category id and channel of the (day, department) total rows. */
export const ALL_CATEGORIES = 0;
export const ALL_CHANNELS = "*";

const TICKET_COLUMNS: Record<TicketCounter, string> = {
  received: "received",
  closed: "closed",
  onTime: "on_time",
  reopened: "reopened",
  rated: "rated",
  satisfied: "satisfied",
  basicallySatisfied: "basically_satisfied",
  dissatisfied: "dissatisfied",
  resolved: "resolved",
};
const DISPATCH_COLUMNS: Record<DispatchCounter, string> = {
  dispatched: "dispatched",
  responseDue: "response_due",
  signedOnTime: "signed_on_time",
  returned: "returned",
};
export const TICKET_COUNTER_COLUMNS = TICKET_COLUMNS;
export const DISPATCH_COUNTER_COLUMNS = DISPATCH_COLUMNS;

// ─── Deltas ──────────────────────────────────────────────────────────────────

/** Rollup changes keyed by "day|department|category|channel", summed before they are written. */
export class RollupDelta {
  readonly tickets = new Map<string, { key: FactKey; c: Record<TicketCounter, number> }>();
  readonly dispatches = new Map<string, { key: FactKey; c: Record<DispatchCounter, number> }>();

  addTicket(f: TicketFact, sign: 1 | -1): void {
    for (const key of rollupKeys(f)) accumulate(this.tickets, key, f, TICKET_COUNTERS, sign);
  }

  addDispatch(f: DispatchFact, sign: 1 | -1): void {
    for (const key of rollupKeys(f)) accumulate(this.dispatches, key, f, DISPATCH_COUNTERS, sign);
  }

  get empty(): boolean {
    return this.tickets.size === 0 && this.dispatches.size === 0;
  }
}

/** A fact lands in its detailed row and in its (day, department) total row. */
function rollupKeys(f: FactKey): FactKey[] {
  return [
    { day: f.day, departmentId: f.departmentId, categoryId: f.categoryId, channel: f.channel },
    { day: f.day, departmentId: f.departmentId, categoryId: ALL_CATEGORIES, channel: ALL_CHANNELS },
  ];
}

function accumulate<K extends string>(
  map: Map<string, { key: FactKey; c: Record<K, number> }>,
  key: FactKey,
  fact: Record<K, number>,
  counters: readonly K[],
  sign: 1 | -1,
): void {
  const id = `${key.day}|${key.departmentId}|${key.categoryId}|${key.channel}`;
  let entry = map.get(id);
  if (!entry) {
    entry = { key, c: Object.fromEntries(counters.map((k) => [k, 0])) as Record<K, number> };
    map.set(id, entry);
  }
  for (const k of counters) entry.c[k] += sign * fact[k];
}

function compareKeys(a: FactKey, b: FactKey): number {
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  if (a.departmentId !== b.departmentId) return a.departmentId - b.departmentId;
  if (a.categoryId !== b.categoryId) return a.categoryId - b.categoryId;
  return a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0;
}

/** Writes a delta to both rollup tables (keys in order; rows that fall to zero are deleted). */
export async function applyRollupDelta(client: pg.ClientBase, delta: RollupDelta): Promise<void> {
  await upsertRollup(client, "stats_daily", TICKET_COLUMNS, delta.tickets, "received");
  await upsertRollup(client, "stats_dispatch_daily", DISPATCH_COLUMNS, delta.dispatches, "dispatched");
}

async function upsertRollup<K extends string>(
  client: pg.ClientBase,
  table: string,
  columns: Record<K, string>,
  entries: Map<string, { key: FactKey; c: Record<K, number> }>,
  countColumn: string,
): Promise<void> {
  const counters = Object.keys(columns) as K[];
  const rows = [...entries.values()]
    .filter((e) => counters.some((k) => e.c[k] !== 0))
    .sort((a, b) => compareKeys(a.key, b.key));
  if (rows.length === 0) return;
  const cols = counters.map((k) => columns[k]);
  const params: unknown[] = [
    rows.map((r) => r.key.day),
    rows.map((r) => r.key.departmentId),
    rows.map((r) => r.key.categoryId),
    rows.map((r) => r.key.channel),
    ...counters.map((k) => rows.map((r) => r.c[k])),
  ];
  const unnest = `unnest($1::date[], $2::int[], $3::int[], $4::text[], ${cols.map((_, i) => `$${i + 5}::int[]`).join(", ")})`;
  await client.query(
    `INSERT INTO ${table} (day, department_id, category_id, channel, ${cols.join(", ")})
     SELECT * FROM ${unnest}
     ON CONFLICT (day, department_id, category_id, channel) DO UPDATE SET
       ${cols.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(", ")}`,
    params,
  );
  if (rows.some((r) => r.c[counters[0] as K] < 0)) {
    await client.query(
      `DELETE FROM ${table} r USING unnest($1::date[], $2::int[], $3::int[], $4::text[]) AS k(day, department_id, category_id, channel)
       WHERE r.day = k.day AND r.department_id = k.department_id AND r.category_id = k.category_id
         AND r.channel = k.channel AND r.${countColumn} = 0`,
      params.slice(0, 4),
    );
  }
}

export async function bumpVersion(client: pg.ClientBase): Promise<void> {
  await client.query("UPDATE stats_state SET version = version + 1, updated_at = now() WHERE id = 1");
}

// ─── Incremental: one ticket ─────────────────────────────────────────────────

interface TicketRow {
  id: number;
  created_at: Date;
  status: string;
  department_id: number | null;
  category_id: number;
  channel: string;
  directly_answered: boolean;
  first_reply_on_time: boolean | null;
  due_at: Date | null;
  reopen_count: number;
  last_rating: string | null;
  last_resolved: boolean | null;
  sign_by: Date | null;
  signed_at: Date | null;
  callback_by: Date | null;
  supervision_level: number;
  flags: { signWarning?: boolean; resolveWarning?: boolean } | null;
}

export function toFactTicket(r: TicketRow): FactTicket & LiveTicket & { supervisionLevel: number } {
  return {
    id: r.id,
    createdAt: r.created_at,
    status: r.status,
    departmentId: r.department_id,
    categoryId: r.category_id,
    channel: r.channel,
    directlyAnswered: r.directly_answered,
    firstReplyOnTime: r.first_reply_on_time,
    dueAt: r.due_at,
    reopenCount: r.reopen_count,
    lastRating: r.last_rating,
    lastResolved: r.last_resolved,
    signBy: r.sign_by,
    signedAt: r.signed_at,
    callbackBy: r.callback_by,
    flags: r.flags,
    supervisionLevel: r.supervision_level,
  };
}

const FACT_SELECT = `day::text AS day, department_id AS "departmentId", category_id AS "categoryId", channel,
  ${TICKET_COUNTERS.map((k) => `${TICKET_COLUMNS[k]}::int AS "${k}"`).join(", ")}`;
const DISPATCH_FACT_SELECT = `assignment_id AS "assignmentId", ticket_id AS "ticketId", day::text AS day,
  department_id AS "departmentId", category_id AS "categoryId", channel,
  ${DISPATCH_COUNTERS.map((k) => `${DISPATCH_COLUMNS[k]}::int AS "${k}"`).join(", ")}`;

const OPEN_SELECT = `ticket_id AS "ticketId", day::text AS day, department_id AS "departmentId",
  category_id AS "categoryId", channel, status::text AS status, due_at AS "dueAt", sign_by AS "signBy",
  signed_at AS "signedAt", callback_by AS "callbackBy", first_reply_on_time AS "firstReplyOnTime",
  sign_warning AS "signWarning", resolve_warning AS "resolveWarning", supervision_level AS "supervisionLevel"`;

const time = (d: Date | null) => (d ? d.getTime() : null);

function sameOpen(a: OpenRow | null, b: OpenRow | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.day === b.day &&
    a.departmentId === b.departmentId &&
    a.categoryId === b.categoryId &&
    a.channel === b.channel &&
    a.status === b.status &&
    time(a.dueAt) === time(b.dueAt) &&
    time(a.signBy) === time(b.signBy) &&
    time(a.signedAt) === time(b.signedAt) &&
    time(a.callbackBy) === time(b.callbackBy) &&
    a.firstReplyOnTime === b.firstReplyOnTime &&
    a.signWarning === b.signWarning &&
    a.resolveWarning === b.resolveWarning &&
    a.supervisionLevel === b.supervisionLevel
  );
}

/** Inserts or replaces open rows (one JSON document, however many rows). */
export async function upsertOpenRows(client: pg.ClientBase, rows: readonly OpenRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO stats_open_tickets (ticket_id, day, department_id, category_id, channel, status, due_at, sign_by,
       signed_at, callback_by, first_reply_on_time, sign_warning, resolve_warning, supervision_level)
     SELECT x."ticketId", x.day, x."departmentId", x."categoryId", x.channel, x.status::"TicketStatus", x."dueAt",
            x."signBy", x."signedAt", x."callbackBy", x."firstReplyOnTime", x."signWarning", x."resolveWarning",
            x."supervisionLevel"
       FROM json_to_recordset($1::json) AS x("ticketId" int, day date, "departmentId" int, "categoryId" int,
              channel text, status text, "dueAt" timestamptz, "signBy" timestamptz, "signedAt" timestamptz,
              "callbackBy" timestamptz, "firstReplyOnTime" bool, "signWarning" bool,
              "resolveWarning" bool, "supervisionLevel" int)
     ON CONFLICT (ticket_id) DO UPDATE SET day = excluded.day, department_id = excluded.department_id,
       category_id = excluded.category_id, channel = excluded.channel, status = excluded.status,
       due_at = excluded.due_at, sign_by = excluded.sign_by, signed_at = excluded.signed_at,
       callback_by = excluded.callback_by, first_reply_on_time = excluded.first_reply_on_time,
       sign_warning = excluded.sign_warning, resolve_warning = excluded.resolve_warning,
       supervision_level = excluded.supervision_level`,
    [JSON.stringify(rows)],
  );
}

function sameFact(a: TicketFact | null, b: TicketFact | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.day === b.day &&
    a.departmentId === b.departmentId &&
    a.categoryId === b.categoryId &&
    a.channel === b.channel &&
    TICKET_COUNTERS.every((k) => a[k] === b[k])
  );
}

function sameDispatchFacts(a: DispatchFact[], b: DispatchFact[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i] as DispatchFact;
      return (
        x.assignmentId === y.assignmentId &&
        x.day === y.day &&
        x.departmentId === y.departmentId &&
        x.categoryId === y.categoryId &&
        x.channel === y.channel &&
        DISPATCH_COUNTERS.every((k) => x[k] === y[k])
      );
    })
  );
}

export interface RefreshResult {
  /** The ticket's facts (or its open row) differed from the stored ones and were updated. */
  changed: boolean;
}

/**
 * Brings one ticket's facts and the rollups up to date with the ticket as it is now.
 * Idempotent; safe to run concurrently for the same or different tickets.
 */
export async function refreshTicket(
  pool: pg.Pool,
  ticketId: number,
  timeZone: string,
  opts: { bumpAlways?: boolean } = {},
): Promise<RefreshResult> {
  const changed = await refreshTickets(pool, [ticketId], timeZone, opts);
  return { changed: changed > 0 };
}

/**
 * `refreshTicket` for many tickets in one transaction: the tickets, their lead assignments
 * and their stored facts are read with one statement each, every changed fact is written in
 * one statement per table, and the rollups get one merged delta. Returns how many tickets
 * had changed facts (or open rows).
 */
export async function refreshTickets(
  pool: pg.Pool,
  ticketIds: readonly number[],
  timeZone: string,
  opts: { bumpAlways?: boolean } = {},
): Promise<number> {
  if (ticketIds.length === 0) return 0;
  return inTransaction(pool, (c) => refreshTicketsIn(c, ticketIds, timeZone, opts));
}

/**
 * Drains up to `limit` rows of the stats outbox (appended by every ticket write in its own
 * transaction) and refreshes their tickets, in one transaction: a crash loses nothing, and
 * workers in several processes share the work (SKIP LOCKED). Returns the rows drained.
 *
 * No row lock is taken on the tickets: a write that commits between this drain's reads has
 * appended an outbox row this drain did not see, so the next drain settles the ticket.
 */
export async function drainOutbox(pool: pg.Pool, timeZone: string, limit = 500): Promise<number> {
  return inTransaction(pool, async (c) => {
    const { rows } = await c.query<{ ticket_id: number; bump: boolean }>({
      name: "stats_outbox_claim",
      text: `DELETE FROM stats_outbox o
              WHERE o.id IN (SELECT id FROM stats_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING o.ticket_id, o.bump`,
      values: [limit],
    });
    if (rows.length === 0) return 0;
    await refreshTicketsIn(
      c,
      rows.map((r) => r.ticket_id),
      timeZone,
      { bumpAlways: rows.some((r) => r.bump) },
    );
    return rows.length;
  });
}

/** `refreshTickets` on `client`, whose transaction is open. */
async function refreshTicketsIn(
  client: pg.ClientBase,
  ticketIds: readonly number[],
  timeZone: string,
  opts: { bumpAlways?: boolean },
): Promise<number> {
  const ids = [...new Set(ticketIds)].sort((a, b) => a - b);
  // Shared gate (a rebuild takes it exclusively), then the tickets' own locks in id order.
  await client.query({
    name: "stats_refresh_lock",
    text: `SELECT pg_advisory_xact_lock_shared($1, 0),
                  (SELECT count(pg_advisory_xact_lock($1, id)) FROM unnest($2::int[]) AS id)`,
    values: [STATS_LOCK_CLASS, ids],
  });
  const { rows: tickets } = await client.query<TicketRow>({
    name: "stats_refresh_tickets",
    text: `SELECT id, created_at, status::text AS status, department_id, category_id, channel, directly_answered,
                  first_reply_on_time, due_at, reopen_count, last_rating::text AS last_rating, last_resolved,
                  sign_by, signed_at, callback_by, supervision_level, context->'flags' AS flags
             FROM tickets WHERE id = ANY($1::int[]) ORDER BY id`,
    values: [ids],
  });
  const { rows: assignments } = await client.query<FactAssignment & { ticketId: number }>({
    name: "stats_refresh_assignments",
    text: `SELECT id, ticket_id AS "ticketId", department_id AS "departmentId", role::text AS role,
                  sign_by AS "signBy", signed_at AS "signedAt", outcome::text AS outcome, ended_at AS "endedAt"
             FROM assignments WHERE ticket_id = ANY($1::int[]) AND role = 'lead' ORDER BY id`,
    values: [ids],
  });
  const { rows: prevFacts } = await client.query<TicketFact>({
    name: "stats_refresh_prev_facts",
    text: `SELECT ticket_id AS "ticketId", ${FACT_SELECT} FROM ticket_facts WHERE ticket_id = ANY($1::int[])`,
    values: [ids],
  });
  const { rows: prevDispatchRows } = await client.query<DispatchFact>({
    name: "stats_refresh_prev_dispatch",
    text: `SELECT ${DISPATCH_FACT_SELECT} FROM ticket_dispatch_facts WHERE ticket_id = ANY($1::int[])
            ORDER BY ticket_id, assignment_id`,
    values: [ids],
  });
  const { rows: prevOpenRows } = await client.query<OpenRow>({
    name: "stats_refresh_prev_open",
    text: `SELECT ${OPEN_SELECT} FROM stats_open_tickets WHERE ticket_id = ANY($1::int[])`,
    values: [ids],
  });
  const byTicket = <T>(rows: T[], key: (r: T) => number) => {
    const m = new Map<number, T[]>();
    for (const r of rows) {
      const list = m.get(key(r));
      if (list) list.push(r);
      else m.set(key(r), [r]);
    }
    return m;
  };
  const rowOf = new Map(tickets.map((t) => [t.id, t]));
  const assignmentsOf = byTicket(assignments, (a) => a.ticketId);
  const prevFactOf = new Map(prevFacts.map((f) => [f.ticketId, f]));
  const prevDispatchOf = byTicket(prevDispatchRows, (d) => d.ticketId);
  const prevOpenOf = new Map(prevOpenRows.map((o) => [o.ticketId, o]));

  const delta = new RollupDelta();
  const upsertFacts: TicketFact[] = [];
  const deleteFacts: number[] = [];
  const replaceDispatch: number[] = [];
  const insertDispatch: DispatchFact[] = [];
  const upsertOpen: OpenRow[] = [];
  const deleteOpen: number[] = [];
  let changedTickets = 0;
  for (const id of ids) {
    const row = rowOf.get(id);
    const ticket = row ? toFactTicket(row) : null;
    const next = ticket ? ticketFact(ticket, timeZone) : null;
    const nextDispatches = ticket ? dispatchFacts(ticket, assignmentsOf.get(id) ?? [], timeZone) : [];
    const nextOpen = ticket ? openRow(ticket, timeZone) : null;
    const prev = prevFactOf.get(id) ?? null;
    const prevDispatches = prevDispatchOf.get(id) ?? [];
    const prevOpen = prevOpenOf.get(id) ?? null;
    const factChanged = !sameFact(prev, next);
    const dispatchChanged = !sameDispatchFacts(prevDispatches, nextDispatches);
    const openChanged = !sameOpen(prevOpen, nextOpen);
    if (factChanged) {
      if (prev) delta.addTicket(prev, -1);
      if (next) {
        delta.addTicket(next, 1);
        upsertFacts.push(next);
      } else deleteFacts.push(id);
    }
    if (dispatchChanged) {
      for (const d of prevDispatches) delta.addDispatch(d, -1);
      for (const d of nextDispatches) delta.addDispatch(d, 1);
      replaceDispatch.push(id);
      insertDispatch.push(...nextDispatches);
    }
    if (openChanged) {
      if (nextOpen) upsertOpen.push(nextOpen);
      else deleteOpen.push(id);
    }
    if (factChanged || dispatchChanged || openChanged) changedTickets++;
  }
  await upsertTicketFacts(client, upsertFacts);
  if (deleteFacts.length)
    await client.query("DELETE FROM ticket_facts WHERE ticket_id = ANY($1::int[])", [deleteFacts]);
  if (replaceDispatch.length)
    await client.query("DELETE FROM ticket_dispatch_facts WHERE ticket_id = ANY($1::int[])", [
      replaceDispatch,
    ]);
  await insertDispatchFacts(client, insertDispatch);
  await applyRollupDelta(client, delta);
  await upsertOpenRows(client, upsertOpen);
  if (deleteOpen.length)
    await client.query("DELETE FROM stats_open_tickets WHERE ticket_id = ANY($1::int[])", [deleteOpen]);
  if (changedTickets > 0 || opts.bumpAlways) await bumpVersion(client);
  return changedTickets;
}

/** Multi-row upsert of ticket facts (one JSON document, however many rows). */
export async function upsertTicketFacts(client: pg.ClientBase, facts: readonly TicketFact[]): Promise<void> {
  if (facts.length === 0) return;
  const cols = TICKET_COUNTERS.map((k) => TICKET_COLUMNS[k]);
  await client.query(
    `INSERT INTO ticket_facts (ticket_id, day, department_id, category_id, channel, ${cols.join(", ")})
     SELECT * FROM json_to_recordset($1::json) AS x("ticketId" int, day date, "departmentId" int, "categoryId" int,
       channel text, ${TICKET_COUNTERS.map((k) => `"${k}" smallint`).join(", ")})
     ON CONFLICT (ticket_id) DO UPDATE SET day = excluded.day, department_id = excluded.department_id,
       category_id = excluded.category_id, channel = excluded.channel,
       ${cols.map((c) => `${c} = excluded.${c}`).join(", ")}`,
    [JSON.stringify(facts)],
  );
}

export async function insertDispatchFacts(
  client: pg.ClientBase,
  facts: readonly DispatchFact[],
): Promise<void> {
  if (facts.length === 0) return;
  const cols = DISPATCH_COUNTERS.map((k) => DISPATCH_COLUMNS[k]);
  await client.query(
    `INSERT INTO ticket_dispatch_facts (assignment_id, ticket_id, day, department_id, category_id, channel, ${cols.join(", ")})
     SELECT * FROM json_to_recordset($1::json) AS x("assignmentId" int, "ticketId" int, day date, "departmentId" int,
       "categoryId" int, channel text, ${DISPATCH_COUNTERS.map((k) => `"${k}" smallint`).join(", ")})`,
    [JSON.stringify(facts)],
  );
}

// ─── Rebuild: everything, set-based ──────────────────────────────────────────

/** metrics.ts `ticketFact` in SQL ($1 = time zone). */
const FACT_SQL = `
SELECT t.id, (t.created_at AT TIME ZONE $1)::date, coalesce(t.department_id, 0), t.category_id, t.channel,
  1,
  CASE WHEN t.status = 'closed' THEN 1 ELSE 0 END,
  CASE WHEN t.status = 'closed' AND (t.directly_answered OR t.first_reply_on_time IS TRUE) THEN 1 ELSE 0 END,
  CASE WHEN t.status = 'closed' AND t.reopen_count >= 1 THEN 1 ELSE 0 END,
  CASE WHEN t.last_rating IN ('satisfied', 'basically_satisfied', 'dissatisfied') THEN 1 ELSE 0 END,
  CASE WHEN t.last_rating = 'satisfied' THEN 1 ELSE 0 END,
  CASE WHEN t.last_rating = 'basically_satisfied' THEN 1 ELSE 0 END,
  CASE WHEN t.last_rating = 'dissatisfied' THEN 1 ELSE 0 END,
  CASE WHEN t.last_rating IN ('satisfied', 'basically_satisfied', 'dissatisfied') AND t.last_resolved IS TRUE
       THEN 1 ELSE 0 END
FROM tickets t WHERE t.status <> 'merged'`;

/** metrics.ts `dispatchFacts` in SQL ($1 = time zone). */
const DISPATCH_FACT_SQL = `
SELECT a.id, a.ticket_id, (t.created_at AT TIME ZONE $1)::date, a.department_id, t.category_id, t.channel,
  1,
  CASE WHEN a.signed_at IS NOT NULL THEN 1
       WHEN a.ended_at IS NOT NULL AND a.sign_by IS NOT NULL AND a.ended_at > a.sign_by THEN 1 ELSE 0 END,
  CASE WHEN a.signed_at IS NOT NULL AND (a.sign_by IS NULL OR a.signed_at <= a.sign_by) THEN 1 ELSE 0 END,
  CASE WHEN a.outcome = 'returned' THEN 1 ELSE 0 END
FROM assignments a JOIN tickets t ON t.id = a.ticket_id
WHERE a.role = 'lead' AND t.status <> 'merged'`;

/** The columns OPEN_SQL selects, in its order (named: the table's own order is the migrations'). */
const OPEN_COLUMNS = `ticket_id, day, department_id, category_id, channel, status, due_at, sign_by, signed_at,
  callback_by, first_reply_on_time, sign_warning, resolve_warning, supervision_level`;

/** metrics.ts `openRow` in SQL ($1 = time zone). */
const OPEN_SQL = `
SELECT t.id, (t.created_at AT TIME ZONE $1)::date, coalesce(t.department_id, 0), t.category_id, t.channel, t.status,
  t.due_at, t.sign_by, t.signed_at, t.callback_by, t.first_reply_on_time,
  coalesce((t.context->'flags'->>'signWarning')::boolean, false),
  coalesce((t.context->'flags'->>'resolveWarning')::boolean, false),
  t.supervision_level
FROM tickets t WHERE t.status NOT IN ('closed', 'merged')`;

export interface RebuildReport {
  /** Rows inserted, updated or deleted per table: all zero when the incremental path was exact. */
  changes: { ticketFacts: number; dispatchFacts: number; daily: number; dispatchDaily: number; open: number };
  tickets: number;
  ms: number;
}

/** Rewrites `table` to equal the temp table `source`, touching only differing rows. */
async function syncTable(
  client: pg.ClientBase,
  table: string,
  source: string,
  key: string[],
  values: string[],
): Promise<number> {
  const on = key.map((k) => `d.${k} = s.${k}`).join(" AND ");
  const deleted = await client.query(
    `DELETE FROM ${table} d WHERE NOT EXISTS (SELECT 1 FROM ${source} s WHERE ${on})`,
  );
  const upserted = await client.query(
    `INSERT INTO ${table} (${[...key, ...values].join(", ")}) SELECT ${[...key, ...values].join(", ")} FROM ${source}
     ON CONFLICT (${key.join(", ")}) DO UPDATE SET ${values.map((v) => `${v} = excluded.${v}`).join(", ")}
     WHERE (${values.map((v) => `${table}.${v}`).join(", ")}) IS DISTINCT FROM (${values.map((v) => `excluded.${v}`).join(", ")})`,
  );
  return (deleted.rowCount ?? 0) + (upserted.rowCount ?? 0);
}

/**
 * Recomputes every fact and rollup from the tickets and assignments, then writes only what
 * differs. Blocks incremental work for its duration (they queue behind the advisory lock).
 */
export async function rebuildAll(pool: pg.Pool, timeZone: string): Promise<RebuildReport> {
  const started = performance.now();
  const client = await pool.connect();
  try {
    // Session-level and before the snapshot: in-flight deltas finish first, new ones wait.
    await client.query("SELECT pg_advisory_lock($1, 0)", [STATS_LOCK_CLASS]);
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      const tc = TICKET_COUNTERS.map((k) => TICKET_COLUMNS[k]);
      const dc = DISPATCH_COUNTERS.map((k) => DISPATCH_COLUMNS[k]);
      await client.query("CREATE TEMP TABLE nf (LIKE ticket_facts) ON COMMIT DROP");
      await client.query("CREATE TEMP TABLE nd (LIKE ticket_dispatch_facts) ON COMMIT DROP");
      await client.query("CREATE TEMP TABLE nr (LIKE stats_daily) ON COMMIT DROP");
      await client.query("CREATE TEMP TABLE nrd (LIKE stats_dispatch_daily) ON COMMIT DROP");
      await client.query("CREATE TEMP TABLE no (LIKE stats_open_tickets) ON COMMIT DROP");
      await client.query(`INSERT INTO no (${OPEN_COLUMNS}) ${OPEN_SQL}`, [timeZone]);
      await client.query("ALTER TABLE no ADD PRIMARY KEY (ticket_id)");
      const tickets = (await client.query(`INSERT INTO nf ${FACT_SQL}`, [timeZone])).rowCount ?? 0;
      await client.query(`INSERT INTO nd ${DISPATCH_FACT_SQL}`, [timeZone]);
      await client.query("ALTER TABLE nf ADD PRIMARY KEY (ticket_id)");
      await client.query("ALTER TABLE nd ADD PRIMARY KEY (assignment_id)");
      const rollupSql = (source: string, cols: string[]) => `
        SELECT day, department_id,
               CASE WHEN GROUPING(category_id) = 1 THEN ${ALL_CATEGORIES} ELSE category_id END,
               CASE WHEN GROUPING(channel) = 1 THEN '${ALL_CHANNELS}' ELSE channel END,
               ${cols.map((c) => `sum(${c})`).join(", ")}
          FROM ${source}
         GROUP BY GROUPING SETS ((day, department_id, category_id, channel), (day, department_id))`;
      await client.query(`INSERT INTO nr ${rollupSql("nf", tc)}`);
      await client.query(`INSERT INTO nrd ${rollupSql("nd", dc)}`);
      const rollupKey = ["day", "department_id", "category_id", "channel"];
      const changes = {
        ticketFacts: await syncTable(
          client,
          "ticket_facts",
          "nf",
          ["ticket_id"],
          ["day", "department_id", "category_id", "channel", ...tc],
        ),
        dispatchFacts: await syncTable(
          client,
          "ticket_dispatch_facts",
          "nd",
          ["assignment_id"],
          ["ticket_id", "day", "department_id", "category_id", "channel", ...dc],
        ),
        daily: await syncTable(client, "stats_daily", "nr", rollupKey, tc),
        dispatchDaily: await syncTable(client, "stats_dispatch_daily", "nrd", rollupKey, dc),
        open: await syncTable(
          client,
          "stats_open_tickets",
          "no",
          ["ticket_id"],
          [
            "day",
            "department_id",
            "category_id",
            "channel",
            "status",
            "due_at",
            "sign_by",
            "signed_at",
            "callback_by",
            "first_reply_on_time",
            "sign_warning",
            "resolve_warning",
            "supervision_level",
          ],
        ),
      };
      const changed = Object.values(changes).some((n) => n > 0);
      await client.query(
        `UPDATE stats_state SET rebuilt_at = now()${changed ? ", version = version + 1, updated_at = now()" : ""} WHERE id = 1`,
      );
      await client.query("COMMIT");
      return { changes, tickets, ms: Math.round(performance.now() - started) };
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1, 0)", [STATS_LOCK_CLASS]).catch(() => {});
    }
  } finally {
    client.release();
  }
}

/** Every fact and rollup row in a canonical order (tests compare incremental with rebuilt). */
export async function snapshotRollups(pool: pg.Pool): Promise<Record<string, unknown[]>> {
  const q = async (table: string, order: string) =>
    (await pool.query(`SELECT t.*, t.day::text AS day FROM ${table} t ORDER BY ${order}`)).rows;
  const rollupOrder = "t.day, t.department_id, t.category_id, t.channel";
  return {
    ticketFacts: await q("ticket_facts", "t.ticket_id"),
    dispatchFacts: await q("ticket_dispatch_facts", "t.assignment_id"),
    daily: await q("stats_daily", rollupOrder),
    dispatchDaily: await q("stats_dispatch_daily", rollupOrder),
    open: await q("stats_open_tickets", "t.ticket_id"),
  };
}
