import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

/**
 * `Idempotency-Key` on events: a client that lost the answer (timeout, crash) retries with the
 * same key and gets the first answer; the event is recorded once.
 */
describe("Idempotency-Key on POST /tickets/:id/events", () => {
  let sys: TestSystem;
  let agent: ApiClient;
  let handler: ApiClient;

  beforeAll(async () => {
    sys = await startTestSystem({ workers: false });
    agent = await sys.as("agent1");
    handler = await sys.as("handler1");
  });
  afterAll(async () => sys?.stop());

  const timeline = async (id: number) =>
    (await agent.get<{ items: Array<{ type: string }> }>(`/api/v1/tickets/${id}/events`)).body.items.map(
      (e) => e.type,
    );

  it("a retried COMMENT is recorded once and answered as the first time", async () => {
    const t = await createTicket(agent);
    const key = { "idempotency-key": `c-${t.id}` };
    const first = await agent.event(t.id, "COMMENT", { note: "市民来电补充情况" }, key);
    const again = await agent.event(t.id, "COMMENT", { note: "市民来电补充情况" }, key);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(first.body.version);
    expect(again.body).toEqual(first.body);
    expect(await timeline(t.id)).toEqual(["CREATE", "COMMENT"]);
  });

  it("a retried SIGN answers 200 with the signed ticket, not 409", async () => {
    const t = await createTicket(agent);
    expect(
      (await agent.event(t.id, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") })).status,
    ).toBe(200);
    const key = { "idempotency-key": `s-${t.id}` };
    const first = await handler.event(t.id, "SIGN", {}, key);
    const retry = await handler.event(t.id, "SIGN", {}, key);
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.body.status).toBe("processing");
    expect(retry.body.version).toBe(first.body.version);
    // Without the key the same SIGN is (rightly) refused now.
    expect((await handler.event(t.id, "SIGN")).status).toBe(409);
  });

  it("the same key with another body is refused (422), and concurrent retries record one event", async () => {
    const t = await createTicket(agent);
    const key = { "idempotency-key": `k-${t.id}` };
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => agent.event(t.id, "URGE", { note: "请尽快处理" }, key)),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(new Set(answers.map((a) => a.body.version)).size).toBe(1);
    expect(await timeline(t.id)).toEqual(["CREATE", "URGE"]);
    const other = await agent.event(t.id, "URGE", { note: "另一个内容" }, key);
    expect(other.status).toBe(422);
    expect(String(other.headers.get("content-type"))).toContain("problem+json");
  });
});
