import type pg from "pg";
import {
  type Actor,
  applyEvent,
  type TicketContext,
  type TicketEvent,
  type TicketState,
  type TimerEventType,
} from "./ticket.machine.ts";

/** Events only the system sends: timer flags and automatic escalation. */
export type SystemEventType = TimerEventType | "SUPERVISE";

export interface SystemEvent {
  type: SystemEventType;
  payload: Record<string, unknown>;
}

/** A ticket as read under its row lock, in the transaction that will write it. */
export interface LockedTicket {
  id: number;
  version: number;
  status: TicketState;
  context: TicketContext;
}

/** What the hooks (timers, stats) are told after a ticket changed. */
export interface TicketChange {
  ticket: { id: number; version: number; status: TicketState };
  event: { type: string; actorRole: string };
}

export interface SystemWrite {
  ticket: LockedTicket;
  events: SystemEvent[];
}

export interface SystemWriteResult {
  changes: TicketChange[];
  /** Per write, per event: whether the machine accepted it (a refused one is not recorded). */
  accepted: boolean[][];
}

const SYSTEM: Actor = { role: "system", userId: null, relation: "none" };

/**
 * Applies system events to many tickets at once, on `c`, a connection whose open transaction
 * holds the tickets' row locks (the caller read them with `FOR NO KEY UPDATE`). Each event goes
 * through the ticket machine in order, exactly as a single event would; then all tickets are
 * written in one UPDATE (checked against the versions read) and all events in one INSERT, so a
 * batch of timer effects costs two statements instead of several per ticket.
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
      const r = applyEvent({ status: t.status, context }, {
        ...e.payload,
        type: e.type,
        actor: SYSTEM,
        at: iso,
      } as unknown as TicketEvent);
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
