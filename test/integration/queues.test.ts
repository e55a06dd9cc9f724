/**
 * Issue 12, queues for a busy shift: the hotline centre (a unit that handles no tickets) is
 * refused as a lead, co-handling or re-dispatch unit; `sort=stage` orders by the deadline each
 * row shows (signBy while 待签收, dueAt while 办理中); rows carry their latest return request,
 * reply, rejection or extension request; `queue=redo` holds exactly the rejected replies, and
 * `total` counts a queue.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId, type TicketBody } from "../helpers/fixtures.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

let sys: TestSystem;
let agent: ApiClient;
let handler: ApiClient;
let reviewer: ApiClient;
let dongcheng: number;
let hotline: number;

beforeAll(async () => {
  sys = await startTestSystem({ workers: false });
  [agent, handler, reviewer] = await Promise.all([sys.as("agent1"), sys.as("handler1"), sys.as("reviewer1")]);
  dongcheng = await deptId(agent, "dongcheng");
  hotline = await deptId(agent, "hotline");
});
afterAll(async () => sys?.stop());

async function ok(client: ApiClient, id: number, type: string, payload: Record<string, unknown> = {}) {
  const res = await client.event(id, type, payload);
  expect(res.status, `${type}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body as TicketBody;
}

type Item = TicketBody & { lastStep: { type: string; text: string | null } | null };
async function list(client: ApiClient, query: Record<string, string>) {
  const res = await client.get<{ items: Item[]; nextCursor: string | null; total?: number }>(
    `/api/v1/tickets?${new URLSearchParams(query)}`,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

describe("units that handle no tickets", () => {
  it("the hotline centre is refused as lead, co-handling and re-dispatch unit (422, naming the field)", async () => {
    const t = await createTicket(agent);
    const lead = await agent.event(t.id, "DISPATCH", { departmentId: hotline });
    expect(lead.status).toBe(422);
    expect(Object.keys((lead.body as { errors: object }).errors)).toEqual(["departmentId"]);
    const co = await agent.event(t.id, "DISPATCH", { departmentId: dongcheng, coDepartmentIds: [hotline] });
    expect(co.status).toBe(422);
    expect(Object.keys((co.body as { errors: object }).errors)).toEqual(["coDepartmentIds"]);
    expect((await agent.get<TicketBody>(`/api/v1/tickets/${t.id}`)).body.status).toBe("registered");

    await ok(agent, t.id, "DISPATCH", { departmentId: dongcheng });
    await ok(handler, t.id, "REQUEST_RETURN", { reason: "不属于本区" });
    const back = await agent.event(t.id, "APPROVE_RETURN", { departmentId: hotline });
    expect(back.status).toBe(422);
    expect((await agent.get<TicketBody>(`/api/v1/tickets/${t.id}`)).body.status).toBe("returnRequested");
  });
});

describe("a handler's queue", () => {
  let processing: TicketBody;
  let toSign: TicketBody;
  let returned: TicketBody;
  let redo: TicketBody;
  let replied: TicketBody;

  beforeAll(async () => {
    const dispatched = async (overrides: Record<string, unknown> = {}) => {
      const t = await createTicket(agent, { categoryCode: "sanitation", ...overrides });
      return ok(agent, t.id, "DISPATCH", { departmentId: dongcheng });
    };
    // Dispatched first, so its resolution deadline comes first; its signing deadline is long met.
    processing = await dispatched();
    processing = await ok(handler, processing.id, "SIGN");
    // Dispatched later: a later resolution deadline, but a signing deadline hours away.
    toSign = await dispatched();
    returned = await dispatched();
    await ok(handler, returned.id, "REQUEST_RETURN", { reason: "应由西城区办理" });
    redo = await dispatched();
    await ok(handler, redo.id, "SIGN");
    await ok(handler, redo.id, "REPLY", { result: "已清运", outcome: "resolved" });
    await ok(reviewer, redo.id, "REJECT_REPLY", { reason: "请附清运照片" });
    replied = await dispatched();
    await ok(handler, replied.id, "SIGN");
    await ok(handler, replied.id, "REPLY", { result: "已清运并拍照", outcome: "resolved" });
  });

  it("sort=stage orders by the deadline each row shows; sort=deadline by the resolution deadline", async () => {
    const ids = [processing.id, toSign.id];
    const query = { status: "dispatched,processing", limit: "200" };
    const byDue = (await list(handler, { ...query, sort: "deadline" })).items.map((t) => t.id);
    expect(byDue.filter((id) => ids.includes(id))).toEqual([processing.id, toSign.id]);
    const byStage = (await list(handler, { ...query, sort: "stage" })).items;
    expect(byStage.map((t) => t.id).filter((id) => ids.includes(id))).toEqual([toSign.id, processing.id]);
    const shown = byStage.map((t) => Date.parse(String(t.status === "dispatched" ? t.signBy : t.dueAt)));
    expect(shown).toEqual([...shown].sort((a, b) => a - b));
    // Page by page (cursor), the same order.
    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Item[]; nextCursor: string | null } = await list(handler, {
        ...query,
        sort: "stage",
        limit: "1",
        ...(cursor ? { cursor } : {}),
      });
      paged.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(byStage.map((t) => t.id));
  });

  it("rows carry the latest return request, reply or rejection with its text", async () => {
    const items = (await list(handler, { limit: "200" })).items;
    const step = (id: number) => items.find((t) => t.id === id)?.lastStep;
    expect(step(returned.id)).toMatchObject({ type: "REQUEST_RETURN", text: "应由西城区办理" });
    expect(step(redo.id)).toMatchObject({ type: "REJECT_REPLY", text: "请附清运照片" });
    expect(step(replied.id)).toMatchObject({ type: "REPLY", text: "已清运并拍照" });
    expect(step(toSign.id)).toBeNull();
  });

  it("queue=redo holds the rejected reply only, and total counts it", async () => {
    const page = await list(handler, { queue: "redo", total: "true", limit: "1" });
    expect(page.items.map((t) => t.id)).toEqual([redo.id]);
    expect(page.total).toBe(1);
    // Replied again: out of the queue.
    await ok(handler, redo.id, "REPLY", { result: "已补充照片", outcome: "resolved" });
    expect((await list(handler, { queue: "redo", total: "true" })).total).toBe(0);
  });
});
