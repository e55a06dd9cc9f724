import type pg from "pg";

/** One place where a ticket's timeline does not hold together. */
export interface ChainBreak {
  ticketId: number;
  seq: number;
  /** `hash`: the event or its predecessor was changed; `gap`: an event is missing before it; `tail`: events after it are missing. */
  reason: "hash" | "gap" | "tail";
}

export interface ChainReport {
  tickets: number;
  events: number;
  breaks: ChainBreak[];
  ok: boolean;
}

/**
 * Checks every ticket's timeline against its hash chain (the migration
 * 20261130140000_append_only_audit): each event's stored hash must equal the digest of the
 * previous event's stored hash and the event itself, seqs must run 1, 2, 3… without a gap, and
 * the last seq must be the ticket's version. One set-based pass over ticket_events; an edit made
 * around the append-only triggers shows as a break at the changed event (or the one after it).
 */
export async function verifyAuditChain(pool: pg.Pool, opts: { limit?: number } = {}): Promise<ChainReport> {
  const limit = opts.limit ?? 1000;
  const { rows: breaks } = await pool.query<{ ticket_id: number; seq: number; reason: ChainBreak["reason"] }>(
    `WITH x AS (
       SELECT e.ticket_id, e.seq, e.hash,
              ticket_event_digest(lag(e.hash) OVER w, e.ticket_id, e.seq, e.type, e.from_status, e.to_status,
                                  e.actor_id, e.actor_role, e.department_id, e.payload, e.at) AS expected,
              coalesce(lag(e.seq) OVER w, 0) AS prev_seq
         FROM ticket_events e
       WINDOW w AS (PARTITION BY e.ticket_id ORDER BY e.seq)
     )
     SELECT ticket_id, seq, CASE WHEN seq <> prev_seq + 1 THEN 'gap' ELSE 'hash' END AS reason
       FROM x WHERE seq <> prev_seq + 1 OR hash IS DISTINCT FROM expected
     UNION ALL
     SELECT t.id, coalesce(max(e.seq), 0), 'tail'
       FROM tickets t LEFT JOIN ticket_events e ON e.ticket_id = t.id
      GROUP BY t.id, t.version HAVING coalesce(max(e.seq), 0) <> t.version
     ORDER BY 1, 2
     LIMIT $1`,
    [limit],
  );
  const { rows: counts } = await pool.query<{ tickets: number; events: number }>(
    "SELECT (SELECT count(*) FROM tickets)::int AS tickets, (SELECT count(*) FROM ticket_events)::int AS events",
  );
  return {
    tickets: counts[0]?.tickets ?? 0,
    events: counts[0]?.events ?? 0,
    breaks: breaks.map((b) => ({ ticketId: b.ticket_id, seq: b.seq, reason: b.reason })),
    ok: breaks.length === 0,
  };
}
