import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

let sys: TestSystem;
let agent: ApiClient;
let handler: ApiClient;
let reviewer: ApiClient;

beforeAll(async () => {
  sys = await startTestSystem();
  agent = await sys.as("agent1");
  handler = await sys.as("handler1");
  reviewer = await sys.as("reviewer1");
});
afterAll(async () => sys?.stop());

/** A ticket of Dongcheng brought to the callback stage over HTTP. */
async function toCallback(): Promise<number> {
  const t = await createTicket(agent, { categoryCode: "noise" });
  const steps: Array<[ApiClient, string, Record<string, unknown>]> = [
    [agent, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") }],
    [handler, "SIGN", {}],
    [handler, "REPLY", { result: "已处理", outcome: "resolved" }],
    [reviewer, "APPROVE_REPLY", {}],
  ];
  for (const [client, type, payload] of steps) {
    const res = await client.event(t.id, type, payload);
    expect(res.status, `${type}: ${JSON.stringify(res.body)}`).toBe(200);
  }
  return t.id;
}

describe("the callback survey records contacted (响应)", () => {
  it("stores contacted beside rating and resolved, in the callbacks row and the timeline", async () => {
    const id = await toCallback();
    const res = await agent.event(id, "CALLBACK", { rating: "satisfied", resolved: true, contacted: false });
    expect(res.status).toBe(200);
    const { rows } = await sys.system.services.pool.query(
      "SELECT rating::text, resolved, contacted FROM callbacks WHERE ticket_id = $1",
      [id],
    );
    expect(rows).toEqual([{ rating: "satisfied", resolved: true, contacted: false }]);
    const timeline = await agent.get<{ items: Array<{ type: string; payload: Record<string, unknown> }> }>(
      `/api/v1/tickets/${id}/events`,
    );
    expect(timeline.body.items.at(-1)).toMatchObject({
      type: "CALLBACK",
      payload: { rating: "satisfied", resolved: true, contacted: false },
    });
  });

  it("leaves contacted null when the callback did not ask, and refuses a non-boolean answer", async () => {
    const id = await toCallback();
    const bad = await agent.event(id, "CALLBACK", { rating: "satisfied", resolved: true, contacted: "yes" });
    expect(bad.status).toBe(422);
    const res = await agent.event(id, "CALLBACK", { rating: "basically_satisfied", resolved: true });
    expect(res.status).toBe(200);
    const { rows } = await sys.system.services.pool.query(
      "SELECT contacted FROM callbacks WHERE ticket_id = $1",
      [id],
    );
    expect(rows).toEqual([{ contacted: null }]);
  });
});
