/**
 * Issue 12: correcting a registered ticket (CORRECT) — its own timeline event with what changed
 * (a phone number masked there), refused when nothing changes, for unknown categories, for
 * handlers and managers, and once the ticket is closed. Deadlines come from the category and
 * urgency in force at dispatch: a correction before dispatch decides them, one after leaves them.
 * A dispatch to a unit in another district moves the ticket's area there.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId, type TicketBody } from "../helpers/fixtures.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

let sys: TestSystem;
let agent: ApiClient;
let handler: ApiClient;
beforeAll(async () => {
  sys = await startTestSystem({ workers: false });
  [agent, handler] = await Promise.all([sys.as("agent1"), sys.as("handler1")]);
});
afterAll(async () => sys?.stop());

type Ticket = TicketBody & Record<string, unknown>;
type Events = { items: Array<{ type: string; payload: Record<string, unknown> }> };

async function ok(client: ApiClient, id: number, type: string, payload: Record<string, unknown> = {}) {
  const res = await client.event(id, type, payload);
  expect(res.status, `${type}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body as Ticket;
}

describe("CORRECT", () => {
  it("corrects a registered ticket, records what changed, and the dispatch uses the corrected category and urgency", async () => {
    const t = await createTicket(agent, {
      categoryCode: "noise",
      urgency: "normal",
      citizenPhone: "13812345678",
    });
    const fixed = await ok(agent, t.id, "CORRECT", {
      title: "小区停水",
      description: "整栋楼停水一天",
      categoryCode: "water-supply",
      urgency: "critical",
      citizenPhone: "13912345678",
      area: "dongcheng",
      address: "和平里七区3号楼",
      note: "来电人更正",
    });
    expect(fixed).toMatchObject({
      status: "registered",
      title: "小区停水",
      categoryCode: "water-supply",
      urgency: "critical",
      citizenPhone: "13912345678",
      area: "dongcheng",
      address: "和平里七区3号楼",
    });
    const events = (await agent.get<Events>(`/api/v1/tickets/${t.id}/events`)).body.items;
    const last = events.at(-1);
    expect(last?.type).toBe("CORRECT");
    expect(last?.payload).toMatchObject({
      note: "来电人更正",
      changes: {
        categoryCode: { from: "noise", to: "water-supply" },
        urgency: { from: "normal", to: "critical" },
        citizenPhone: { from: "138****5678", to: "139****5678" },
      },
    });
    // The search finds it under its corrected title.
    const found = await agent.get<{ items: Array<{ id: number }> }>(
      `/api/v1/tickets?q=${encodeURIComponent("小区停水")}`,
    );
    expect(found.body.items.map((x) => x.id)).toContain(t.id);

    // Dispatched now: the critical policy's deadlines (sign within 30 minutes, calendar clock).
    const dispatched = await ok(agent, t.id, "DISPATCH", { departmentId: await deptId(agent, "water") });
    expect(Date.parse(String(dispatched.signBy)) - Date.parse(String(dispatched.dispatchedAt))).toBe(
      30 * 60_000,
    );
  });

  it("refuses nothing to change, an unknown category, handlers and managers", async () => {
    const t = await createTicket(agent, { title: "路灯不亮" });
    const same = await agent.event(t.id, "CORRECT", { title: "路灯不亮" });
    expect(same.status).toBe(422);
    const empty = await agent.event(t.id, "CORRECT", {});
    expect(empty.status).toBe(422);
    const unknown = await agent.event(t.id, "CORRECT", { categoryCode: "no-such-category" });
    expect(unknown.status).toBe(422);
    expect((unknown.body as { errors: Record<string, string> }).errors.categoryCode).toBeDefined();
    const badPhone = await agent.event(t.id, "CORRECT", { citizenPhone: "12" });
    expect(badPhone.status).toBe(422);
    await ok(agent, t.id, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") });
    expect((await handler.event(t.id, "CORRECT", { title: "改标题" })).status).toBe(409);
    expect((await (await sys.as("manager1")).event(t.id, "CORRECT", { title: "改标题" })).status).toBe(409);
    expect((await handler.get<Ticket>(`/api/v1/tickets/${t.id}`)).body.allowedEvents).not.toContain(
      "CORRECT",
    );
    expect((await agent.get<Ticket>(`/api/v1/tickets/${t.id}`)).body.allowedEvents).toContain("CORRECT");
  });

  it("after dispatch the deadlines stay; a closed ticket is not corrected", async () => {
    const t = await createTicket(agent, { urgency: "normal" });
    await ok(agent, t.id, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") });
    const signed = await ok(handler, t.id, "SIGN");
    const corrected = await ok(agent, t.id, "CORRECT", { urgency: "critical", address: "安定门外大街1号" });
    expect(corrected.urgency).toBe("critical");
    expect(corrected.dueAt).toBe(signed.dueAt);
    expect(corrected.signBy).toBe(signed.signBy);

    const direct = await createTicket(agent, { categoryCode: "policy-consult" });
    await ok(agent, direct.id, "ANSWER_DIRECTLY", { answer: "已答复" });
    expect((await agent.event(direct.id, "CORRECT", { title: "改标题" })).status).toBe(409);
  });

  it("a dispatch to a unit in another district moves the area there", async () => {
    const t = await createTicket(agent, { area: "dongcheng" });
    await ok(agent, t.id, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") });
    await ok(handler, t.id, "REQUEST_RETURN", { reason: "属西城区" });
    const moved = await ok(agent, t.id, "APPROVE_RETURN", { departmentId: await deptId(agent, "xc-yuetan") });
    expect(moved.area).toBe("xicheng");
    // A city-wide unit leaves the area as it is.
    const u = await createTicket(agent, { area: "xicheng" });
    expect((await ok(agent, u.id, "DISPATCH", { departmentId: await deptId(agent, "water") })).area).toBe(
      "xicheng",
    );
  });
});
