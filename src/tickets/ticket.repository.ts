/**
 * The one writer of ticket changes. Every change of a ticket — a user's event, a batch of timer
 * effects, an imported history — is written here, on a client whose transaction the caller
 * opened: the ticket row, its timeline event, its assignments, extension requests and
 * callbacks, its timer ledger and its stats outbox row, all in that one transaction, under the
 * ticket's row lock (`FOR NO KEY UPDATE`, which leaves foreign-key checks from other rows free).
 *
 * What to write comes from the pure decision function (ticket.decide.ts); this module only
 * turns decisions into SQL. Statements are named (prepared once per connection).
 */
import type pg from "pg";
import type { LedgerRow } from "../sla/timer-store.ts";
import { QUIET_EVENTS } from "../stats/stats.jobs.ts";
import type { Decision, TicketCorrection, TimerHistory } from "./ticket.decide.ts";
import {
  type Actor,
  applyEvent,
  type TicketContext,
  type TicketEvent,
  type TicketState,
  type TimerEventType,
} from "./ticket.machine.ts";
import { TICKET_RECORD_COLUMNS, type TicketRecord } from "./ticket.record.ts";

/** Who wrote an event, as the timeline records it. */
export interface EventMeta {
  type: string;
  actorId: number | null;
  actorRole: string;
  departmentId: number | null;
  at: Date;
  /** The answer shows a handling department the citizen's full number: audited with the write. */
  auditPhoneRead?: { actorId: number; role: string };
  /** A client's Idempotency-Key: recorded with the event, with the answer to replay. */
  idempotency?: { userId: number; key: string; requestHash: string; status: number; response: unknown };
}

/**
 * What a ticket's timer plan needs from its timeline, as two select-list columns: its latest
 * reopen (REOPEN, or a dissatisfied CALLBACK back to processing) and the automatic escalations
 * recorded (`kind:deadlineVersion`). Looked up only for the few tickets that have any
 * (reopen_count > 0, supervision_level > 0), through ticket_events' (ticket_id, seq) index.
 * The ticket is `t`.
 */
export const TIMER_HISTORY_SQL = (reopenedAs: string, escalatedAs: string) => `
  CASE WHEN t.reopen_count > 0 THEN (
    SELECT max(e.at) FROM ticket_events e
     WHERE e.ticket_id = t.id
       AND (e.type = 'REOPEN' OR (e.type = 'CALLBACK' AND e.to_status = 'processing'))
  ) END AS ${reopenedAs},
  CASE WHEN t.supervision_level > 0 THEN (
    SELECT array_agg((e.payload->>'kind') || ':' || (e.payload->>'deadlineVersion'))
      FROM ticket_events e
     WHERE e.ticket_id = t.id AND e.type = 'SUPERVISE' AND e.actor_role = 'system'
  ) END AS ${escalatedAs}`;

/**
 * How a planned ledger row meets the stored one (alias `f`): a fired row stays fired (and keeps
 * its due time); a deferred row stays deferred while the status is unchanged.
 */
const LEDGER_UPSERT = `ON CONFLICT (ticket_id, deadline_version, kind) DO UPDATE SET
  due_at = CASE WHEN f.state = 'fired' THEN f.due_at ELSE EXCLUDED.due_at END,
  state = CASE
    WHEN f.state = 'fired' OR EXCLUDED.state = 'fired' THEN 'fired'
    WHEN EXCLUDED.state = 'deferred' THEN 'deferred'
    WHEN f.state = 'deferred' AND f.status = EXCLUDED.status THEN 'deferred'
    ELSE 'pending' END,
  fired_at = COALESCE(f.fired_at, EXCLUDED.fired_at),
  status = EXCLUDED.status`;

/**
 * Reads the ticket with what its timer plan needs, in one statement (one snapshot), and when
 * its next pending timer is due (a timer due but not applied yet is to be applied first). No
 * lock: the write that follows is checked against the version read (`writeDecision`).
 */
export async function readForWrite(
  c: pg.Pool | pg.ClientBase,
  id: number,
): Promise<{ ticket: TicketRecord; history: TimerHistory; nextDue: Date | null } | null> {
  const { rows } = await c.query<
    TicketRecord & { _reopened_at: Date | null; _escalated: string[] | null; _next_due: Date | null }
  >({
    name: "ticket_read_for_write",
    text: `SELECT ${TICKET_RECORD_COLUMNS},
             ${TIMER_HISTORY_SQL("_reopened_at", "_escalated")},
             (SELECT min(f.due_at) FROM timer_firings f
               WHERE f.ticket_id = t.id AND f.state = 'pending') AS _next_due
           FROM tickets t WHERE t.id = $1`,
    values: [id],
  });
  const row = rows[0];
  if (!row) return null;
  const { _reopened_at, _escalated, _next_due, ...ticket } = row;
  return {
    ticket,
    history: { reopenedAt: _reopened_at, escalated: new Set(_escalated ?? []) },
    nextDue: _next_due,
  };
}

/** A ticket's status (a MERGE's target), or null when there is none. */
export async function ticketStatus(
  c: pg.Pool | pg.ClientBase,
  id: number,
): Promise<{ status: TicketState } | null> {
  const { rows } = await c.query<{ status: TicketState }>({
    name: "ticket_status",
    text: "SELECT status::text AS status FROM tickets WHERE id = $1",
    values: [id],
  });
  return rows[0] ?? null;
}

/** A ticket as stored (reads). */
export async function readTicket(c: pg.Pool | pg.ClientBase, id: number): Promise<TicketRecord | null> {
  const { rows } = await c.query<TicketRecord>({
    name: "ticket_read",
    text: `SELECT ${TICKET_RECORD_COLUMNS} FROM tickets t WHERE t.id = $1`,
    values: [id],
  });
  return rows[0] ?? null;
}

/**
 * Writes a decision about `t` in ONE statement, so in one implicit transaction and one round
 * trip: the row (only if it is still at the version read — the optimistic lock), the event,
 * the stats outbox row, and as the decision says assignments, extension requests, callbacks
 * and the timer ledger. Every part hangs off the row update, so when the version moved
 * nothing is written and null is returned: the caller reads again and decides again.
 * Statement texts differ by which parts an event needs; each shape is prepared once per
 * connection.
 */
export async function writeDecision(
  c: pg.Pool | pg.ClientBase,
  t: TicketRecord,
  d: Decision,
  meta: EventMeta,
): Promise<{ ticket: TicketRecord; ledger: LedgerRow[] } | null> {
  const col = d.columns;
  const values: unknown[] = [
    t.id,
    col.status,
    JSON.stringify(d.context),
    col.departmentId,
    col.coDepartmentIds,
    col.subDepartmentId,
    col.reopenCount,
    col.supervisionLevel,
    col.dispatchCount,
    col.lastRating,
    col.lastResolved,
    col.directlyAnswered,
    col.mergedIntoId,
    col.closedAt,
    col.deadlineVersion,
    col.dispatchedAt,
    col.signBy,
    col.firstResponseBy,
    col.dueAt,
    col.callbackBy,
    col.signedAt,
    col.firstResponseAt,
    col.firstApprovedReplyAt,
    meta.at,
    t.version,
    meta.type,
    d.from,
    meta.actorId,
    meta.actorRole,
    meta.departmentId,
    JSON.stringify(d.payload),
    !QUIET_EVENTS.has(meta.type),
    col.firstReplyOnTime,
  ];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const publicParams = `public = ${param(col.public)}, public_summary = ${param(col.publicSummary)}`;
  const parts: string[] = [];
  const shape: string[] = [];
  // Corrected intake fields (CORRECT, the area after a dispatch): only those columns.
  const fixes = Object.entries(d.correction ?? {}).map(
    ([key, v]) =>
      `${CORRECTION_COLUMNS[key as keyof TicketCorrection]} = ${param(v)}${key === "urgency" ? '::"Urgency"' : ""}`,
  );
  if (fixes.length) shape.push(`fix:${Object.keys(d.correction ?? {}).join("+")}`);

  const ended = new Map<string, string>();
  for (const op of d.assignments)
    if (op.op === "end") for (const role of op.roles) ended.set(role, op.outcome);
  if (ended.size > 0) {
    shape.push("end");
    parts.push(`a_end AS (
      UPDATE assignments a SET outcome = m.outcome::"AssignmentOutcome", ended_at = $24
        FROM u, unnest(${param([...ended.keys()])}::text[], ${param([...ended.values()])}::text[]) AS m(role, outcome)
       WHERE a.ticket_id = u.id AND a.ended_at IS NULL AND a.role::text = m.role)`);
  }
  if (d.assignments.some((op) => op.op === "sign")) {
    shape.push("sign");
    parts.push(`a_sign AS (
      UPDATE assignments a SET signed_at = $24, outcome = 'signed' FROM u
       WHERE a.ticket_id = u.id AND a.ended_at IS NULL AND a.role = 'lead' AND a.signed_at IS NULL)`);
  }
  const created = d.assignments.filter((op) => op.op === "create");
  if (created.length > 0) {
    shape.push("new");
    parts.push(`a_new AS (
      INSERT INTO assignments (ticket_id, department_id, role, dispatched_at, sign_by, signed_at, outcome)
      SELECT u.id, n.department_id, n.role::"AssignmentRole", $24, n.sign_by,
             CASE WHEN n.signed THEN $24::timestamptz END,
             CASE WHEN n.signed THEN 'signed' ELSE 'pending' END::"AssignmentOutcome"
        FROM u, unnest(${param(created.map((op) => op.departmentId))}::int[], ${param(created.map((op) => op.role))}::text[],
                       ${param(created.map((op) => op.signBy))}::timestamptz[], ${param(created.map((op) => op.signed))}::bool[])
             AS n(department_id, role, sign_by, signed))`);
  }
  if (d.extension?.op === "request") {
    shape.push("xreq");
    parts.push(`x_req AS (
      INSERT INTO extension_requests (ticket_id, requested_by_id, until, reason, created_at)
      SELECT u.id, $28, ${param(d.extension.until)}::timestamptz, ${param(d.extension.reason)}, $24 FROM u)`);
  } else if (d.extension?.op === "decide") {
    shape.push("xdec");
    parts.push(`x_dec AS (
      UPDATE extension_requests x
         SET status = ${param(d.extension.approve ? "approved" : "rejected")}::"ExtensionStatus", decided_by_id = $28,
             decided_at = $24, decision_reason = ${param(d.extension.reason)}
        FROM u
       WHERE x.id = (SELECT id FROM extension_requests WHERE ticket_id = u.id AND status = 'pending'
                      ORDER BY id DESC LIMIT 1))`);
  }
  if (d.callback) {
    shape.push("cb");
    parts.push(`cb AS (
      INSERT INTO callbacks (ticket_id, agent_id, rating, resolved, contacted, note, at)
      SELECT u.id, $28, ${param(d.callback.rating)}::"CallbackRating", ${param(d.callback.resolved)}::bool,
             ${param(d.callback.contacted)}::bool, ${param(d.callback.note)}, $24 FROM u)`);
  }
  if (meta.auditPhoneRead) {
    shape.push("audit");
    parts.push(`aud AS (
      INSERT INTO audit_log (actor_id, action, ticket_id, detail)
      SELECT ${param(meta.auditPhoneRead.actorId)}::int, 'read_citizen_phone', u.id,
             ${param(JSON.stringify({ role: meta.auditPhoneRead.role }))}::jsonb FROM u)`);
  }
  if (meta.idempotency) {
    const k = meta.idempotency;
    shape.push("idem");
    parts.push(`idem AS (
      INSERT INTO idempotency_keys (user_id, key, request_hash, status, response)
      SELECT ${param(k.userId)}::int, ${param(k.key)}, ${param(k.requestHash)}, ${param(k.status)}::int,
             ${param(JSON.stringify(k.response))}::jsonb FROM u)`);
  }
  let ledgerSelect = "NULL::json";
  if (d.timers) {
    shape.push("ledger");
    const plan = d.timers;
    parts.push(`plan AS (
      SELECT p.* FROM u, unnest(${param(plan.map((p) => p.deadlineVersion))}::int[], ${param(plan.map((p) => p.kind))}::text[],
                                ${param(plan.map((p) => p.status))}::"TicketStatus"[], ${param(plan.map((p) => p.dueAt))}::timestamptz[],
                                ${param(plan.map((p) => p.state))}::text[])
             AS p(deadline_version, kind, status, due_at, state))`);
    parts.push(`l_del AS (
      DELETE FROM timer_firings f USING u
       WHERE f.ticket_id = u.id
         AND NOT EXISTS (SELECT 1 FROM plan p WHERE p.deadline_version = f.deadline_version AND p.kind = f.kind))`);
    parts.push(`l_up AS (
      INSERT INTO timer_firings AS f (ticket_id, deadline_version, kind, status, due_at, state, fired_at)
      SELECT $1, deadline_version, kind, status, due_at, state, CASE WHEN state = 'fired' THEN now() END FROM plan
      ${LEDGER_UPSERT}
      RETURNING f.deadline_version, f.kind, f.status::text AS status, f.due_at, f.state)`);
    ledgerSelect = `(SELECT json_agg(json_build_object('deadlineVersion', l.deadline_version, 'kind', l.kind,
                       'status', l.status, 'dueAt', l.due_at)) FROM l_up l WHERE l.state = 'pending')`;
  }

  const { rows } = await c.query<TicketRecord & { _ledger: LedgerJson[] | null }>({
    name: `ticket_write:${shape.join(",")}`,
    text: `WITH u AS (
             UPDATE tickets t SET
               status = $2::"TicketStatus", version = t.version + 1, context = $3::jsonb,
               department_id = $4, co_department_ids = $5::int[], sub_department_id = $6,
               reopen_count = $7, supervision_level = $8, dispatch_count = $9,
               last_rating = $10::"CallbackRating", last_resolved = $11, directly_answered = $12,
               merged_into_id = $13, closed_at = $14, deadline_version = $15, dispatched_at = $16, ${publicParams},
               sign_by = $17, first_response_by = $18, due_at = $19, callback_by = $20, signed_at = $21,
               first_response_at = $22, first_approved_reply_at = $23, updated_at = $24,
               first_reply_on_time = $33${fixes.map((f) => `, ${f}`).join("")}
              WHERE t.id = $1 AND t.version = $25
             RETURNING ${TICKET_RECORD_COLUMNS}
           ), e AS (
             INSERT INTO ticket_events (ticket_id, seq, type, from_status, to_status, actor_id, actor_role,
                                        department_id, payload, at)
             SELECT u.id, u.version, $26, $27::"TicketStatus", $2::"TicketStatus", $28, $29, $30, $31::jsonb, $24
               FROM u
           ), o AS (
             INSERT INTO stats_outbox (ticket_id, bump) SELECT u.id, $32 FROM u
           )${parts.map((p) => `, ${p}`).join("")}
           SELECT u.*, ${ledgerSelect} AS _ledger FROM u`,
    values,
  });
  const row = rows[0];
  if (!row) return null;
  const { _ledger, ...ticket } = row;
  const ledger: LedgerRow[] = (_ledger ?? []).map((l) => ({
    ticketId: t.id,
    deadlineVersion: l.deadlineVersion,
    kind: l.kind,
    status: l.status,
    dueAt: new Date(l.dueAt),
    state: "pending",
  }));
  return { ticket, ledger };
}

/** The column of each correctable field (writeDecision). */
const CORRECTION_COLUMNS: Record<keyof TicketCorrection, string> = {
  citizenName: "citizen_name",
  citizenPhone: "citizen_phone",
  area: "area",
  address: "address",
  categoryId: "category_id",
  urgency: "urgency",
  title: "title",
  description: "description",
};

interface LedgerJson {
  deadlineVersion: number;
  kind: LedgerRow["kind"];
  status: LedgerRow["status"];
  dueAt: string;
}

/**
 * Makes the ledger of `ticketIds` exactly `plan`: rows not in it are deleted (superseded
 * deadline versions, timers of a status the ticket left), plan rows are inserted or updated.
 * A fired row stays fired; a deferred row stays deferred while the status is unchanged.
 * Returns the pending rows as stored (the queue needs to wake up for them).
 */
export async function writeLedger(
  c: pg.ClientBase,
  ticketIds: number[],
  plan: ReadonlyArray<Omit<LedgerRow, "state"> & { state: LedgerRow["state"] }>,
): Promise<LedgerRow[]> {
  const { rows } = await c.query<{
    ticket_id: number;
    deadline_version: number;
    kind: LedgerRow["kind"];
    status: LedgerRow["status"];
    due_at: Date;
    state: LedgerRow["state"];
  }>({
    name: "ledger_write",
    text: `WITH plan AS (
             SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::"TicketStatus"[], $5::timestamptz[], $6::text[])
               AS p(ticket_id, deadline_version, kind, status, due_at, state)
           ), removed AS (
             DELETE FROM timer_firings f
              WHERE f.ticket_id = ANY($7::int[])
                AND NOT EXISTS (SELECT 1 FROM plan p WHERE p.ticket_id = f.ticket_id
                                  AND p.deadline_version = f.deadline_version AND p.kind = f.kind)
           )
           INSERT INTO timer_firings AS f (ticket_id, deadline_version, kind, status, due_at, state, fired_at)
           SELECT ticket_id, deadline_version, kind, status, due_at, state,
                  CASE WHEN state = 'fired' THEN now() END
             FROM plan
           ${LEDGER_UPSERT}
           RETURNING f.ticket_id, f.deadline_version, f.kind, f.status::text AS status, f.due_at, f.state`,
    values: [
      plan.map((p) => p.ticketId),
      plan.map((p) => p.deadlineVersion),
      plan.map((p) => p.kind),
      plan.map((p) => p.status),
      plan.map((p) => p.dueAt),
      plan.map((p) => p.state),
      ticketIds,
    ],
  });
  return rows
    .filter((r) => r.state === "pending")
    .map((r) => ({
      ticketId: r.ticket_id,
      deadlineVersion: r.deadline_version,
      kind: r.kind,
      status: r.status,
      dueAt: r.due_at,
      state: r.state,
    }));
}

/** A new ticket as registered (CREATE), with its first event and its stats outbox row. */
export interface NewTicket {
  channel: string;
  citizenName: string;
  citizenPhone: string;
  confidential: boolean;
  address: string | null;
  area: string | null;
  lat: number | null;
  lng: number | null;
  categoryId: number;
  urgency: string;
  title: string;
  description: string;
  externalRef: string | null;
  context: TicketContext;
}

/**
 * Inserts a new ticket with its CREATE event. `partner`: an Open311 partner reported it (the
 * event has no user actor), so it is public and records the partner's key; the admin who issued
 * the key is its creator.
 */
export async function insertTicket(
  c: pg.Pool | pg.ClientBase,
  n: NewTicket,
  meta: EventMeta & { payload: Record<string, unknown> },
  partner?: { keyId: number; createdById: number },
): Promise<TicketRecord> {
  const { rows } = await c.query<TicketRecord>({
    name: "ticket_insert",
    text: `WITH t AS (
             INSERT INTO tickets (channel, citizen_name, citizen_phone, confidential, address, area, lat, lng,
                                  category_id, urgency, title, description, external_ref, context, created_by_id,
                                  created_at, updated_at, public, open311_key_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::"Urgency", $11, $12, $13, $14::jsonb,
                     coalesce($21::int, $15::int), $16, $16, $20::int IS NOT NULL, $20::int)
             RETURNING *
           ), e AS (
             INSERT INTO ticket_events (ticket_id, seq, type, from_status, to_status, actor_id, actor_role,
                                        department_id, payload, at)
             SELECT t.id, 1, 'CREATE', NULL, 'registered', $15, $17, $18, $19::jsonb, $16 FROM t
           ), o AS (
             INSERT INTO stats_outbox (ticket_id, bump) SELECT t.id, true FROM t
           )
           SELECT ${TICKET_RECORD_COLUMNS} FROM t`,
    values: [
      n.channel,
      n.citizenName,
      n.citizenPhone,
      n.confidential,
      n.address,
      n.area,
      n.lat,
      n.lng,
      n.categoryId,
      n.urgency,
      n.title,
      n.description,
      n.externalRef,
      JSON.stringify(n.context),
      meta.actorId,
      meta.at,
      meta.actorRole,
      meta.departmentId,
      JSON.stringify(meta.payload),
      partner?.keyId ?? null,
      partner?.createdById ?? null,
    ],
  });
  const ticket = rows[0];
  if (!ticket) throw new Error("ticket insert returned no row");
  return ticket;
}

// ─── System events (timers), many tickets at once ────────────────────────────

/** Events only the system sends: timer flags and automatic escalation, with their timer's identity. */
export type SystemEvent =
  | { type: TimerEventType; payload: TimerPayload }
  | { type: "SUPERVISE"; payload: TimerPayload & { level: 1 | 2 | 3; note: string } };

export interface TimerPayload {
  kind: string;
  deadlineVersion: number;
  dueAt: string;
}

/** A ticket as read under its row lock, in the transaction that will write it. */
export interface LockedTicket {
  id: number;
  version: number;
  status: TicketState;
  context: TicketContext;
}

export interface SystemWrite {
  ticket: LockedTicket;
  events: SystemEvent[];
}

/** What changed, per ticket version written (tests and callers' reports). */
export interface TicketChange {
  ticket: { id: number; version: number; status: TicketState };
  event: { type: string; actorRole: string };
}

export interface SystemWriteResult {
  changes: TicketChange[];
  /** Per write, per event: whether the machine accepted it (a refused one is not recorded). */
  accepted: boolean[][];
}

const SYSTEM: Actor = { role: "system", userId: null, relation: "none" };

function systemMachineEvent(e: SystemEvent, at: string): TicketEvent {
  return e.type === "SUPERVISE"
    ? { type: "SUPERVISE", level: e.payload.level, note: e.payload.note, actor: SYSTEM, at }
    : { type: e.type, actor: SYSTEM, at };
}

/**
 * The batch form of the writer, for system events: applies them to many tickets at once, on
 * `c`, a connection whose open transaction holds the tickets' row locks (the caller read them
 * with `FOR NO KEY UPDATE`). Each event goes through the ticket machine in order, exactly as a
 * single event would; then all tickets are written in one UPDATE (checked against the versions
 * read), all events in one INSERT and the stats outbox rows with them, so a batch of timer
 * effects costs one statement instead of several per ticket.
 *
 * System events never change a ticket's status or its columns other than `context` and
 * `supervision_level` (the machine's tests hold it to that); a transition that did would be a
 * bug and fails the batch.
 */
export async function writeSystemEvents(
  c: pg.ClientBase,
  writes: SystemWrite[],
  at: Date = new Date(),
): Promise<SystemWriteResult> {
  const iso = at.toISOString();
  const tickets: Array<{ t: LockedTicket; context: TicketContext; version: number }> = [];
  const events: Array<{ ticketId: number; seq: number; status: TicketState; e: SystemEvent }> = [];
  const changes: TicketChange[] = [];
  const accepted = writes.map(({ ticket: t, events: list }) => {
    let context = t.context;
    let version = t.version;
    const ok = list.map((e) => {
      const r = applyEvent({ status: t.status, context }, systemMachineEvent(e, iso));
      if (!r.ok) return false;
      if (r.status !== t.status)
        throw new Error(`system event ${e.type} moved ticket ${t.id} to ${r.status}`);
      context = r.context;
      version += 1;
      events.push({ ticketId: t.id, seq: version, status: t.status, e });
      changes.push({
        ticket: { id: t.id, version, status: t.status },
        event: { type: e.type, actorRole: "system" },
      });
      return true;
    });
    if (version !== t.version) tickets.push({ t, context, version });
    return ok;
  });
  if (tickets.length === 0) return { changes, accepted };

  const { rows } = await c.query<{ updated: number; inserted: number }>({
    name: "system_events_write",
    text: `WITH u AS (
             UPDATE tickets t
                SET context = v.context, supervision_level = v.supervision_level, version = v.version,
                    updated_at = $6
               FROM unnest($1::int[], $2::int[], $3::int[], $4::jsonb[], $5::int[])
                    AS v(id, read_version, version, context, supervision_level)
              WHERE t.id = v.id AND t.version = v.read_version
             RETURNING t.id
           ), e AS (
             INSERT INTO ticket_events (ticket_id, seq, type, from_status, to_status, actor_role, payload, at)
             SELECT ticket_id, seq, type, status, status, 'system', payload, $6
               FROM unnest($7::int[], $8::int[], $9::text[], $10::"TicketStatus"[], $11::jsonb[])
                    AS ev(ticket_id, seq, type, status, payload)
             RETURNING 1
           ), o AS (
             INSERT INTO stats_outbox (ticket_id, bump) SELECT id, true FROM u
           )
           SELECT (SELECT count(*) FROM u)::int AS updated, (SELECT count(*) FROM e)::int AS inserted`,
    values: [
      tickets.map((x) => x.t.id),
      tickets.map((x) => x.t.version),
      tickets.map((x) => x.version),
      tickets.map((x) => JSON.stringify(x.context)),
      tickets.map((x) => x.context.supervisionLevel),
      at,
      events.map((x) => x.ticketId),
      events.map((x) => x.seq),
      events.map((x) => x.e.type),
      events.map((x) => x.status),
      events.map((x) => JSON.stringify(x.e.payload)),
    ],
  });
  // The row locks make this impossible; if it happens anyway, nothing of the batch is kept.
  if (rows[0]?.updated !== tickets.length) {
    throw new Error(
      `system events: ${rows[0]?.updated} of ${tickets.length} tickets were at the version read`,
    );
  }
  return { changes, accepted };
}

// ─── Imported histories, many tickets at once ────────────────────────────────
//
// The batch form of the writer for the history import (tickets/import.ts). Each ticket comes
// folded from its history (tickets/history.ts): every event went through decide() and the
// decision was applied to rows in memory the way `writeDecision` applies it to the tables, so
// what is written here is what the events above would have written one by one. New tickets
// only, on a client whose transaction the caller opened: the rows are streamed in with COPY
// (or, when another writer may be inserting the same tickets, INSERT … ON CONFLICT DO NOTHING).
// No stats outbox rows: the import writes the tickets' facts in the same transaction itself.

import { copyRows } from "../db/copy.ts";
import { localDate } from "../sla/calendar.ts";
import type { FoldedTicket } from "./history.ts";

/** A ticket to import: its intake fields and its folded history. */
export interface ImportedTicket extends Omit<NewTicket, "context"> {
  /** The source system's ticket number; null = numbered as new tickets are (local date + sequence). */
  number: string | null;
  folded: FoldedTicket;
}

export interface ImportedWrite {
  /** Per written ticket: its index in the input, its id and its assignments' ids (in fold order). */
  written: Array<{ index: number; id: number; assignmentIds: number[] }>;
  /** Indexes of tickets whose externalRef or number exists: not written. */
  duplicates: number[];
  /** The pending ledger rows written (the timers may need waking for them). */
  ledger: LedgerRow[];
}

export interface ImportWriteOptions {
  /** Author of the historical callbacks and extension requests (the importing user) and creator of the tickets. */
  userId: number;
  /** The centre's time zone: new ticket numbers start with the local date of creation. */
  timeZone: string;
  /**
   * `copy`: duplicates are set aside first, then COPY (fast; a concurrent writer of the same
   * externalRef makes it fail with a unique violation). `insert`: INSERT … ON CONFLICT DO
   * NOTHING, race-proof.
   */
  mode: "copy" | "insert";
}

const IMPORTED_TICKET_COLUMNS = [
  "id",
  "number",
  "external_ref",
  "channel",
  "status",
  "version",
  "citizen_name",
  "citizen_phone",
  "confidential",
  "address",
  "area",
  "lat",
  "lng",
  "category_id",
  "urgency",
  "title",
  "description",
  "department_id",
  "co_department_ids",
  "sub_department_id",
  "context",
  "reopen_count",
  "supervision_level",
  "dispatch_count",
  "last_rating",
  "last_resolved",
  "directly_answered",
  "merged_into_id",
  "public",
  "public_summary",
  "deadline_version",
  "dispatched_at",
  "sign_by",
  "first_response_by",
  "due_at",
  "callback_by",
  "signed_at",
  "first_response_at",
  "first_approved_reply_at",
  "first_reply_on_time",
  "closed_at",
  "created_by_id",
  "created_at",
  "updated_at",
] as const;

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/** A ticket row in IMPORTED_TICKET_COLUMNS order (COPY text values). */
function importedTicketRow(x: ImportedTicket, id: number, number: string | null, userId: number): unknown[] {
  const t = x.folded;
  return [
    id,
    number,
    x.externalRef,
    x.channel,
    t.status,
    t.version,
    x.citizenName,
    x.citizenPhone,
    x.confidential,
    x.address,
    x.area,
    x.lat,
    x.lng,
    x.categoryId,
    x.urgency,
    x.title,
    x.description,
    t.departmentId,
    `{${t.coDepartmentIds.join(",")}}`,
    t.subDepartmentId,
    t.context,
    t.reopenCount,
    t.supervisionLevel,
    t.dispatchCount,
    t.lastRating,
    t.lastResolved,
    t.directlyAnswered,
    t.mergedIntoId,
    t.public,
    t.publicSummary,
    t.deadlineVersion,
    isoOrNull(t.dispatchedAt),
    isoOrNull(t.signBy),
    isoOrNull(t.firstResponseBy),
    isoOrNull(t.dueAt),
    isoOrNull(t.callbackBy),
    isoOrNull(t.signedAt),
    isoOrNull(t.firstResponseAt),
    isoOrNull(t.firstApprovedReplyAt),
    t.firstReplyOnTime,
    isoOrNull(t.closedAt),
    userId,
    t.createdAt.toISOString(),
    t.updatedAt.toISOString(),
  ];
}

/** Writes new tickets with their whole history (see the section's comment). */
export async function writeImportedTickets(
  c: pg.ClientBase,
  tickets: readonly ImportedTicket[],
  opts: ImportWriteOptions,
): Promise<ImportedWrite> {
  if (tickets.length === 0) return { written: [], duplicates: [], ledger: [] };
  const ids = await (opts.mode === "copy" ? copyImported : insertImported)(c, tickets, opts);
  const written: ImportedWrite["written"] = [];
  const duplicates: number[] = [];
  ids.forEach((id, index) => {
    if (id === null) duplicates.push(index);
    else written.push({ index, id, assignmentIds: [] });
  });
  const ledger = await writeImportedChildren(c, tickets, written, opts.userId);
  return { written, duplicates, ledger };
}

/** COPY path: per input ticket its new id, or null for a duplicate (externalRef or number taken). */
async function copyImported(
  c: pg.ClientBase,
  tickets: readonly ImportedTicket[],
  opts: ImportWriteOptions,
): Promise<Array<number | null>> {
  const refs = tickets.map((x) => x.externalRef).filter((r): r is string => r !== null);
  const numbers = tickets.map((x) => x.number).filter((n): n is string => n !== null);
  const { rows: taken } = await c.query<{ k: string }>({
    name: "import_taken",
    text: `SELECT 'r' || external_ref AS k FROM tickets WHERE external_ref = ANY($1::text[])
           UNION ALL SELECT 'n' || number FROM tickets WHERE number = ANY($2::text[])`,
    values: [refs, numbers],
  });
  const seen = new Set(taken.map((r) => r.k));
  const fresh = tickets.map((x) => {
    const keys = [x.externalRef !== null && `r${x.externalRef}`, x.number !== null && `n${x.number}`].filter(
      (k): k is string => typeof k === "string",
    );
    if (keys.some((k) => seen.has(k))) return false;
    for (const k of keys) seen.add(k);
    return true;
  });
  const n = fresh.filter(Boolean).length;
  if (n === 0) return tickets.map(() => null);
  const { rows: seq } = await c.query<{ id: number; n: string }>({
    name: "import_ticket_ids",
    text: `SELECT nextval(pg_get_serial_sequence('tickets', 'id'))::int AS id, nextval('ticket_number_seq')::text AS n
             FROM generate_series(1, $1)`,
    values: [n],
  });
  let k = 0;
  const ids: Array<number | null> = [];
  const rows: unknown[][] = [];
  tickets.forEach((x, i) => {
    if (!fresh[i]) {
      ids.push(null);
      return;
    }
    const s = seq[k++] as { id: number; n: string };
    const number =
      x.number ??
      `${localDate(x.folded.createdAt, opts.timeZone).replaceAll("-", "")}${s.n.padStart(8, "0")}`;
    ids.push(s.id);
    rows.push(importedTicketRow(x, s.id, number, opts.userId));
  });
  await copyRows(c, "tickets", IMPORTED_TICKET_COLUMNS, rows);
  return ids;
}

/** INSERT path: per input ticket its new id, or null when a ticket with its externalRef or number exists. */
async function insertImported(
  c: pg.ClientBase,
  tickets: readonly ImportedTicket[],
  opts: ImportWriteOptions,
): Promise<Array<number | null>> {
  const { rows: seq } = await c.query<{ id: number }>({
    name: "import_ticket_ids_only",
    text: `SELECT nextval(pg_get_serial_sequence('tickets', 'id'))::int AS id FROM generate_series(1, $1)`,
    values: [tickets.length],
  });
  const ids = seq.map((r) => r.id);
  const cols = IMPORTED_TICKET_COLUMNS.filter((col) => col !== "number");
  const values = tickets.map((x, i) => {
    const row = importedTicketRow(x, ids[i] as number, null, opts.userId);
    row.splice(1, 1);
    return Object.fromEntries([...cols.map((col, j) => [col, row[j]]), ["number", x.number]]);
  });
  const { rows } = await c.query<{ id: number }>(
    `INSERT INTO tickets (${cols.join(", ")}, number)
     SELECT u.*, coalesce(v.number, to_char(u.created_at AT TIME ZONE $2, 'YYYYMMDD')
                || lpad(nextval('ticket_number_seq')::text, 8, '0'))
       FROM json_populate_recordset(NULL::tickets, $1::json) AS v,
            LATERAL (SELECT ${cols.map((col) => `v.${col}`).join(", ")}) AS u
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [JSON.stringify(values), opts.timeZone],
  );
  const inserted = new Set(rows.map((r) => r.id));
  return ids.map((id) => (inserted.has(id) ? id : null));
}

/**
 * The rows hanging off the tickets just written (nothing else can conflict with them, so COPY):
 * timeline, assignments (ids allocated here, reported in `written`), callbacks, extension
 * requests and the timer ledger. Returns the pending ledger rows.
 */
async function writeImportedChildren(
  c: pg.ClientBase,
  tickets: readonly ImportedTicket[],
  written: ImportedWrite["written"],
  userId: number,
): Promise<LedgerRow[]> {
  if (written.length === 0) return [];
  const total = written.reduce(
    (n, w) => n + (tickets[w.index] as ImportedTicket).folded.assignments.length,
    0,
  );
  const { rows: aids } =
    total === 0
      ? { rows: [] as Array<{ id: number }> }
      : await c.query<{ id: number }>({
          name: "import_assignment_ids",
          text: `SELECT nextval(pg_get_serial_sequence('assignments', 'id'))::int AS id FROM generate_series(1, $1)`,
          values: [total],
        });
  const firedAt = new Date().toISOString();
  const events: unknown[][] = [];
  const assignments: unknown[][] = [];
  const callbacks: unknown[][] = [];
  const extensions: unknown[][] = [];
  const ledgerRows: unknown[][] = [];
  const pending: LedgerRow[] = [];
  let a = 0;
  for (const w of written) {
    const t = (tickets[w.index] as ImportedTicket).folded;
    const id = w.id;
    for (const e of t.events) {
      events.push([
        id,
        e.seq,
        e.type,
        e.fromStatus,
        e.toStatus,
        e.actorRole,
        e.departmentId,
        e.payload,
        e.at.toISOString(),
      ]);
    }
    for (const x of t.assignments) {
      const aid = (aids[a++] as { id: number }).id;
      w.assignmentIds.push(aid);
      assignments.push([
        aid,
        id,
        x.departmentId,
        x.role,
        x.dispatchedAt.toISOString(),
        isoOrNull(x.signBy),
        isoOrNull(x.signedAt),
        x.outcome,
        isoOrNull(x.endedAt),
      ]);
    }
    for (const cb of t.callbacks)
      callbacks.push([id, userId, cb.rating, cb.resolved, cb.contacted, cb.note, cb.at.toISOString()]);
    for (const x of t.extensions) {
      extensions.push([
        id,
        userId,
        x.until.toISOString(),
        x.reason,
        x.status,
        x.decidedAt ? userId : null,
        isoOrNull(x.decidedAt),
        x.decisionReason,
        x.createdAt.toISOString(),
      ]);
    }
    for (const r of t.ledger) {
      ledgerRows.push([
        id,
        r.deadlineVersion,
        r.kind,
        r.status,
        r.dueAt.toISOString(),
        r.state,
        r.state === "fired" ? firedAt : null,
      ]);
      if (r.state === "pending") pending.push({ ...r, ticketId: id });
    }
  }
  await copyRows(
    c,
    "ticket_events",
    ["ticket_id", "seq", "type", "from_status", "to_status", "actor_role", "department_id", "payload", "at"],
    events,
  );
  await copyRows(
    c,
    "assignments",
    [
      "id",
      "ticket_id",
      "department_id",
      "role",
      "dispatched_at",
      "sign_by",
      "signed_at",
      "outcome",
      "ended_at",
    ],
    assignments,
  );
  await copyRows(
    c,
    "callbacks",
    ["ticket_id", "agent_id", "rating", "resolved", "contacted", "note", "at"],
    callbacks,
  );
  await copyRows(
    c,
    "extension_requests",
    [
      "ticket_id",
      "requested_by_id",
      "until",
      "reason",
      "status",
      "decided_by_id",
      "decided_at",
      "decision_reason",
      "created_at",
    ],
    extensions,
  );
  await copyRows(
    c,
    "timer_firings",
    ["ticket_id", "deadline_version", "kind", "status", "due_at", "state", "fired_at"],
    ledgerRows,
  );
  return pending;
}

/** Statuses of existing tickets (a MERGE's targets), by id. */
export async function ticketStatuses(
  c: pg.ClientBase,
  ids: readonly number[],
): Promise<Map<number, TicketState>> {
  if (ids.length === 0) return new Map();
  const { rows } = await c.query<{ id: number; status: TicketState }>({
    name: "ticket_statuses",
    text: "SELECT id, status::text AS status FROM tickets WHERE id = ANY($1::int[])",
    values: [[...new Set(ids)]],
  });
  return new Map(rows.map((r) => [r.id, r.status]));
}

/**
 * Imported MERGEs that named their target by externalRef, once every ticket is in: the ticket
 * (and its context) gets the target's id where a ticket with that externalRef exists. Returns how
 * many were resolved.
 */
export async function resolveImportedMerges(
  c: pg.ClientBase,
  merges: ReadonlyArray<{ id: number; intoExternalRef: string }>,
): Promise<number> {
  if (merges.length === 0) return 0;
  const { rowCount } = await c.query(
    `UPDATE tickets t SET merged_into_id = target.id,
            context = jsonb_set(t.context, '{mergedIntoId}', to_jsonb(target.id))
       FROM unnest($1::int[], $2::text[]) AS m(id, ref)
       JOIN tickets target ON target.external_ref = m.ref
      WHERE t.id = m.id AND target.id <> m.id`,
    [merges.map((m) => m.id), merges.map((m) => m.intoExternalRef)],
  );
  return rowCount ?? 0;
}
