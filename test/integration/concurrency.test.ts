import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TicketService } from "../../src/tickets/ticket.service.ts";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => sys?.stop());

describe("concurrent events on one ticket", () => {
  it("50 parallel SIGN/RECALL: exactly one wins, the rest are refused, the timeline is consistent", async () => {
    const agent = await sys.as("agent1");
    const handler = await sys.as("handler1");
    const t = await createTicket(agent);
    await agent.event(t.id, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 ? handler.event(t.id, "SIGN") : agent.event(t.id, "RECALL", { reason: `撤回 ${i}` }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    // Refused: 409 when still in scope, 404 for the handler once a RECALL took the ticket out of its scope.
    expect(results.filter((r) => r.status === 409 || r.status === 404)).toHaveLength(49);
    if (ok[0]?.body.status === "processing") expect(results.filter((r) => r.status === 404)).toHaveLength(0);
    const final = await agent.get(`/api/v1/tickets/${t.id}`);
    const winner = ok[0]?.body.status;
    expect(final.body.status).toBe(winner);
    expect(final.body.version).toBe(3);
    const events = (
      await agent.get<{ items: Array<{ type: string; seq: number; toStatus: string }> }>(
        `/api/v1/tickets/${t.id}/events`,
      )
    ).body.items;
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(events[2]?.toStatus).toBe(winner);
  });

  it("50 parallel comments are all kept, in a gapless sequence", async () => {
    const agent = await sys.as("agent1");
    const t = await createTicket(agent);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => agent.event(t.id, "COMMENT", { note: `备注 ${i}` })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const events = (
      await agent.get<{ items: Array<{ seq: number; payload: { note?: string } }> }>(
        `/api/v1/tickets/${t.id}/events`,
      )
    ).body.items;
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    expect(new Set(events.slice(1).map((e) => e.payload.note)).size).toBe(50);
  });
});

describe("another process's write (this process's memory of the ticket is stale)", () => {
  it("is never overwritten nor judged on the stale state: the event is decided again on a fresh read", async () => {
    const agent = await sys.as("agent1");
    const handler = await sys.as("handler1");
    const t = await createTicket(agent);
    // This process writes (and remembers) the dispatch…
    expect(
      (await agent.event(t.id, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") })).status,
    ).toBe(200);
    // …then a second process (its own TicketService on the same database) signs it.
    const s = sys.system.services;
    const other = new TicketService(s.db, s.pool, s.org, s.sla, {
      after: s.config.timers.escalateAfter,
      clock: s.config.timers.escalateClock,
    });
    const handlerPrincipal = await s.auth.authenticate(`Bearer ${handler.token}`);
    const signedElsewhere = await other.applyUserEvent(handlerPrincipal, t.id, { type: "SIGN" });
    expect(signedElsewhere.status).toBe("processing");
    // Here the process still remembers "dispatched": a REPLY (refused on that stale state) is
    // accepted on the real one; then a second SIGN and a RECALL are refused; a comment lands last.
    const replied = await handler.event(t.id, "REPLY", { result: "已处理", outcome: "resolved" });
    expect(replied.status).toBe(200);
    expect(replied.body).toMatchObject({ status: "reviewing", version: 4 });
    expect((await handler.event(t.id, "SIGN")).status).toBe(409);
    expect((await agent.event(t.id, "RECALL", { reason: "误派" })).status).toBe(409);
    const commented = await agent.event(t.id, "COMMENT", { note: "市民再次来电" });
    expect(commented.body).toMatchObject({ status: "reviewing", version: 5 });
    const events = (
      await agent.get<{ items: Array<{ type: string; seq: number }> }>(`/api/v1/tickets/${t.id}/events`)
    ).body.items;
    expect(events.map((e) => `${e.seq}:${e.type}`)).toEqual([
      "1:CREATE",
      "2:DISPATCH",
      "3:SIGN",
      "4:REPLY",
      "5:COMMENT",
    ]);
  });
});
