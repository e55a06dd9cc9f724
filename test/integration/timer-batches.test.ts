import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DUE_WINDOW_MS, dueWindowEnd } from "../../src/sla/timer-plan.ts";
import type { Services } from "../../src/system.ts";
import type { TicketContext } from "../../src/tickets/ticket.machine.ts";
import { writeSystemEvents } from "../../src/tickets/ticket.repository.ts";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

/**
 * Timers applied in batches, without workers, by calling the scheduler the way the due-window
 * job and the reconciliation do, at chosen instants. Policy "noise": resolve within P1D on the
 * calendar clock, so nothing comes due by itself while the test runs.
 */
describe("timers applied in batches", () => {
  let sys: TestSystem;
  let s: Services;
  let agent: ApiClient;
  let handler: ApiClient;
  let sql: pg.Pool;

  beforeAll(async () => {
    sys = await startTestSystem({ workers: false });
    s = sys.system.services;
    const admin = await sys.as("admin");
    const put = await admin.put("/api/v1/sla-policies/noise/normal", {
      signWithin: "PT4H",
      firstResponseWithin: "PT8H",
      resolveWithin: "P1D",
      callbackWithin: "P2D",
      clock: "calendar",
    });
    expect(put.status).toBe(200);
    agent = await sys.as("agent1");
    handler = await sys.as("handler1");
    sql = new pg.Pool({ connectionString: s.databaseUrl, max: 2 });
  });
  afterAll(async () => {
    await sql?.end();
    await sys?.stop();
  });

  const openSigned = async (n: number) => {
    const dongcheng = await deptId(agent, "dongcheng");
    const tickets = [];
    for (let i = 0; i < n; i++) {
      const t = await createTicket(agent);
      expect((await agent.event(t.id, "DISPATCH", { departmentId: dongcheng })).status).toBe(200);
      const signed = await handler.event(t.id, "SIGN");
      expect(signed.status).toBe(200);
      // Answered: no first-response timers, only the resolution ones these tests apply.
      expect((await handler.event(t.id, "FIRST_RESPONSE", { note: "已联系市民" })).status).toBe(200);
      tickets.push({ id: t.id, dueAt: new Date(String(signed.body.dueAt)) });
    }
    return tickets;
  };
  const systemEvents = async (ids: number[]) => {
    const { rows } = await sql.query<{ ticket_id: number; type: string; kind: string; seq: number }>(
      `SELECT ticket_id, type, payload->>'kind' AS kind, seq FROM ticket_events
        WHERE actor_role = 'system' AND ticket_id = ANY($1::int[]) ORDER BY ticket_id, seq`,
      [ids],
    );
    return rows;
  };
  const version = async (id: number) => {
    const { rows } = await sql.query<{ deadline_version: number }>(
      "SELECT deadline_version FROM tickets WHERE id = $1",
      [id],
    );
    return rows[0]?.deadline_version as number;
  };

  it("one call applies the due timers of many tickets in order, once each, however often it is replayed", async () => {
    const tickets = await openSigned(12);
    const ids = tickets.map((t) => t.id);
    const latest = new Date(Math.max(...tickets.map((t) => t.dueAt.getTime())));
    const refs = await Promise.all(
      tickets.map(async (t) => ({
        ticketId: t.id,
        deadlineVersion: await version(t.id),
        kind: "resolve-overdue" as const,
      })),
    );
    // A stale reference (an older deadline version) rides along and does nothing.
    const first = refs[0] as (typeof refs)[number];
    const stale = { ...first, deadlineVersion: first.deadlineVersion - 1 };
    const results = await s.timers.fireMany([...refs, stale], latest);
    expect(results.slice(0, -1).map((r) => r.outcome)).toEqual(ids.map(() => "applied"));
    expect(results.at(-1)?.outcome).toBe("superseded");
    // The warning (due at 75 %) is applied before the overdue, in the same transaction.
    expect(results[0]?.applied).toEqual(["resolve-warning", "resolve-overdue"]);

    const replays = await Promise.all([1, 2, 3].map(() => s.timers.fireMany(refs, latest)));
    expect(replays.flat().map((r) => r.outcome)).toEqual(replays.flat().map(() => "already"));

    const events = await systemEvents(ids);
    expect(events.map((e) => `${e.ticket_id}:${e.type}:${e.kind}`)).toEqual(
      ids.flatMap((id) => [`${id}:RESOLVE_WARNING:resolve-warning`, `${id}:RESOLVE_OVERDUE:resolve-overdue`]),
    );
    // Each event took the next version; the ticket shows both flags and the ledger says fired.
    const { rows } = await sql.query<{ version: number; max_seq: number; flags: TicketContext["flags"] }>(
      `SELECT t.version, (SELECT max(seq) FROM ticket_events e WHERE e.ticket_id = t.id) AS max_seq,
              t.context->'flags' AS flags
         FROM tickets t WHERE t.id = ANY($1::int[])`,
      [ids],
    );
    for (const r of rows) {
      expect(r.version).toBe(r.max_seq);
      expect(r.flags).toMatchObject({ resolveWarning: true, resolveOverdue: true });
    }
    const ledger = await sql.query<{ state: string; n: number }>(
      `SELECT state, count(*)::int AS n FROM timer_firings
        WHERE ticket_id = ANY($1::int[]) AND kind IN ('resolve-warning', 'resolve-overdue') GROUP BY state`,
      [ids],
    );
    expect(ledger.rows).toEqual([{ state: "fired", n: ids.length * 2 }]);
  });

  it("a due window's job applies exactly the timers due in its window", async () => {
    const [a, b] = await openSigned(2);
    if (!a || !b) throw new Error("two tickets");
    const { rows } = await sql.query<{ ticket_id: number; kind: string; due_at: Date }>(
      `SELECT ticket_id, kind, due_at FROM timer_firings
        WHERE ticket_id = ANY($1::int[]) AND state = 'pending' ORDER BY due_at, ticket_id, kind`,
      [[a.id, b.id]],
    );
    const first = rows[0];
    if (!first) throw new Error("planned timers");
    const at = dueWindowEnd(first.due_at);
    const inWindow = rows.filter((r) => r.due_at.getTime() > at - DUE_WINDOW_MS && r.due_at.getTime() <= at);

    const result = await s.timers.fireDue(at, new Date(at));
    expect(result).toEqual({ timers: inWindow.length, applied: inWindow.length });
    const events = await systemEvents([a.id, b.id]);
    expect(events.map((e) => `${e.ticket_id}:${e.kind}`).sort()).toEqual(
      inWindow.map((r) => `${r.ticket_id}:${r.kind}`).sort(),
    );
    const pending = await sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM timer_firings WHERE ticket_id = ANY($1::int[]) AND state = 'pending'",
      [[a.id, b.id]],
    );
    expect(pending.rows[0]?.n).toBe(rows.length - inWindow.length);
    // The same window again: nothing left to do.
    expect(await s.timers.fireDue(at, new Date(at))).toEqual({ timers: 0, applied: 0 });
  });

  it("writes nothing when a ticket is not at the version read, and skips what the machine refuses", async () => {
    const [t] = await openSigned(1);
    if (!t) throw new Error("a ticket");
    const { rows } = await sql.query<{ version: number; context: TicketContext; deadline_version: number }>(
      "SELECT version, context, deadline_version FROM tickets WHERE id = $1",
      [t.id],
    );
    const row = rows[0];
    if (!row) throw new Error("the ticket row");
    const c = await sql.connect();
    try {
      await c.query("BEGIN");
      // Read at another version than the row has (the row locks make this a bug, never a race).
      const other = {
        id: t.id,
        version: row.version + 5,
        status: "processing" as const,
        context: row.context,
      };
      const timer = (kind: string) => ({
        kind,
        deadlineVersion: row.deadline_version,
        dueAt: new Date().toISOString(),
      });
      await expect(
        writeSystemEvents(c, [
          { ticket: other, events: [{ type: "RESOLVE_WARNING", payload: timer("resolve-warning") }] },
        ]),
      ).rejects.toThrow(/version/);
      await c.query("ROLLBACK");

      await c.query("BEGIN");
      const current = { ...other, version: row.version };
      const out = await writeSystemEvents(c, [
        {
          ticket: current,
          // A sign warning does not apply once signed; the resolution warning does.
          events: [
            { type: "SIGN_WARNING", payload: timer("sign-warning") },
            { type: "RESOLVE_WARNING", payload: timer("resolve-warning") },
          ],
        },
      ]);
      await c.query("COMMIT");
      expect(out.accepted).toEqual([[false, true]]);
      expect(out.changes).toEqual([
        {
          ticket: { id: t.id, version: row.version + 1, status: "processing" },
          event: { type: "RESOLVE_WARNING", actorRole: "system" },
        },
      ]);
    } finally {
      c.release();
    }
    expect((await systemEvents([t.id])).map((e) => e.type)).toEqual(["RESOLVE_WARNING"]);
  });
});
