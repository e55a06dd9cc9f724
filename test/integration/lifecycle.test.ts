import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => sys?.stop());

describe("a ticket's whole life over HTTP", () => {
  it("create → dispatch → sign → reply → approve → dissatisfied → redo → satisfied → closed, every step in the timeline", async () => {
    const agent = await sys.as("agent1");
    const handler = await sys.as("handler1");
    const reviewer = await sys.as("reviewer1");
    const dongcheng = await deptId(agent, "dongcheng");
    const t = await createTicket(agent, { categoryCode: "noise" });
    expect(t.status).toBe("registered");
    expect(t.allowedEvents).toContain("DISPATCH");

    const steps: Array<[typeof agent, string, Record<string, unknown>, string]> = [
      [agent, "DISPATCH", { departmentId: dongcheng }, "dispatched"],
      [handler, "SIGN", {}, "processing"],
      [handler, "REPLY", { result: "已协调施工方停止夜间施工", outcome: "resolved" }, "reviewing"],
      [reviewer, "APPROVE_REPLY", {}, "callback"],
      [agent, "CALLBACK", { rating: "dissatisfied", resolved: false, note: "仍有噪声" }, "processing"],
      [handler, "REPLY", { result: "已再次核查并处罚", outcome: "resolved" }, "reviewing"],
      [reviewer, "APPROVE_REPLY", {}, "callback"],
      [agent, "CALLBACK", { rating: "satisfied", resolved: true }, "closed"],
    ];
    let last: Record<string, unknown> = t;
    for (const [client, type, payload, status] of steps) {
      const res = await client.event(t.id, type, payload);
      expect(res.status, `${type}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(res.body.status).toBe(status);
      last = res.body;
    }
    expect(last.reopenCount).toBe(1);
    expect(last.lastRating).toBe("satisfied");
    expect(last.closedAt).toBeTruthy();
    expect(last.dueAt).toBeTruthy();

    const timeline = await agent.get<{ items: Array<Record<string, unknown>> }>(
      `/api/v1/tickets/${t.id}/events`,
    );
    expect(timeline.status).toBe(200);
    expect(timeline.body.items.map((e) => e.type)).toEqual(["CREATE", ...steps.map((s) => s[1])]);
    expect(timeline.body.items.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const e of timeline.body.items) {
      expect(e.actorId).toEqual(expect.any(Number));
      expect(e.actorName).toEqual(expect.any(String));
      expect(Date.parse(String(e.at))).not.toBeNaN();
    }
    expect(timeline.body.items[2]).toMatchObject({
      type: "SIGN",
      actorRole: "handler",
      fromStatus: "dispatched",
      toStatus: "processing",
    });
  });
});
