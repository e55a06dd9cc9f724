import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

/**
 * The queue (Redis here) unreachable while people work: events still commit and answer within
 * the producers' bound (3 s), and the timer ledger is written, so reconciliation schedules the
 * timers once the queue is back. Nothing listens on port 1.
 */
describe("with the queue unreachable", () => {
  let sys: TestSystem;

  beforeAll(async () => {
    sys = await startTestSystem({ backend: "redis", redisUrl: "redis://127.0.0.1:1", workers: false });
  });
  afterAll(async () => sys?.stop());

  it("tickets are created and dispatched, each answer within the enqueue bound, timers in the ledger", async () => {
    const agent = await sys.as("agent1");
    const started = Date.now();
    const t = await createTicket(agent);
    const dispatched = await agent.event(t.id, "DISPATCH", {
      departmentId: await deptId(agent, "dongcheng"),
    });
    expect(dispatched.status).toBe(200);
    expect(dispatched.body.status).toBe("dispatched");
    // Two writes, each waiting at most ~3 s for its hooks (which run side by side).
    expect(Date.now() - started).toBeLessThan(9_000);
    const { rows } = await sys.system.services.timers.store.withClient((c) =>
      c.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM timer_firings WHERE ticket_id = $1 AND state = 'pending'",
        [t.id],
      ),
    );
    expect(rows[0]?.n).toBeGreaterThan(0);
  }, 30_000);
});
