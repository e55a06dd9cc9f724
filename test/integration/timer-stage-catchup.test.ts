import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

type Ev = { type: string; actorRole: string; payload: Record<string, unknown> };

/**
 * A user event that ends a stage while the workers are down (or behind) must not drop that
 * stage's due timers: SIGN after the sign deadline and its first escalation came due, with no
 * worker running, still records SIGN_WARNING, SIGN_OVERDUE and the escalation, before SIGN.
 */
describe("timers due when a user event ends their stage", () => {
  let sys: TestSystem;
  let agent: ApiClient;
  let handler: ApiClient;

  beforeAll(async () => {
    sys = await startTestSystem({
      workers: false,
      env: { HOTLINE_ESCALATION_AFTER: "PT1S", HOTLINE_ESCALATION_CLOCK: "calendar" },
    });
    const admin = await sys.as("admin");
    const put = await admin.put("/api/v1/sla-policies/noise/normal", {
      signWithin: "PT1S",
      firstResponseWithin: "PT1M",
      resolveWithin: "PT1H",
      callbackWithin: "PT1H",
      clock: "calendar",
    });
    expect(put.status).toBe(200);
    agent = await sys.as("agent1");
    handler = await sys.as("handler1");
  });
  afterAll(async () => sys?.stop());

  it("SIGN after the sign deadline and first escalation applies them first, once", async () => {
    const t = await createTicket(agent);
    const dispatched = await agent.event(t.id, "DISPATCH", {
      departmentId: await deptId(agent, "dongcheng"),
    });
    expect(dispatched.status).toBe(200);
    // Sign deadline at +1 s, first escalation at +2 s: wait until the escalation is due (by the ledger).
    const { rows } = await sys.system.services.pool.query<{ due: Date }>(
      "SELECT due_at AS due FROM timer_firings WHERE ticket_id = $1 AND kind = 'sign-escalate-1'",
      [t.id],
    );
    const due = rows[0]?.due.getTime() ?? 0;
    expect(due).toBeGreaterThan(0);
    while (Date.now() <= due + 50) await new Promise((r) => setTimeout(r, 50));

    const signed = await handler.event(t.id, "SIGN");
    expect(signed.status).toBe(200);
    const evs = (await agent.get<{ items: Ev[] }>(`/api/v1/tickets/${t.id}/events`)).body.items;
    expect(evs.map((e) => (e.actorRole === "system" ? `${e.type}:${e.payload.kind}` : e.type))).toEqual([
      "CREATE",
      "DISPATCH",
      "SIGN_WARNING:sign-warning",
      "SIGN_OVERDUE:sign-overdue",
      "SUPERVISE:sign-escalate-1",
      "SIGN",
    ]);
    expect(signed.body.supervisionLevel).toBeGreaterThanOrEqual(1);
  });
});
