import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId, type TicketBody } from "../helpers/fixtures.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => sys?.stop());

describe("roles", () => {
  it("each step refuses the roles that may not take it and accepts the one that may", async () => {
    const agent = await sys.as("agent1");
    const reviewer = await sys.as("reviewer1");
    const handler = await sys.as("handler1");
    const manager = await sys.as("manager1");
    const admin = await sys.as("admin");
    const dongcheng = await deptId(agent, "dongcheng");
    const t = await createTicket(agent);
    const refused = async (
      clients: (typeof agent)[],
      type: string,
      payload: Record<string, unknown> = {},
    ) => {
      for (const c of clients) {
        const res = await c.event(t.id, type, payload);
        // Out of scope is 404 (a handler cannot see an undispatched ticket); in scope but not allowed is 409.
        expect([404, 409], `${type} should be refused`).toContain(res.status);
      }
    };
    await refused([handler, manager, admin], "DISPATCH", { departmentId: dongcheng });
    expect((await agent.event(t.id, "DISPATCH", { departmentId: dongcheng })).status).toBe(200);
    await refused([agent, reviewer, manager, admin], "SIGN");
    expect((await handler.event(t.id, "SIGN")).status).toBe(200);
    await refused([agent, reviewer, manager], "REPLY", { result: "ok", outcome: "resolved" });
    expect((await handler.event(t.id, "REPLY", { result: "ok", outcome: "resolved" })).status).toBe(200);
    await refused([agent, handler, manager, admin], "APPROVE_REPLY");
    expect((await reviewer.event(t.id, "APPROVE_REPLY")).status).toBe(200);
    await refused([handler, manager, admin], "CALLBACK", { rating: "satisfied", resolved: true });
    // SUPERVISE is the manager's, URGE also the agent's; neither changes the state.
    await refused([agent, handler], "SUPERVISE", { level: 1, note: "督办" });
    const sup = await manager.event(t.id, "SUPERVISE", { level: 2, note: "请尽快回访" });
    expect(sup.body).toMatchObject({ status: "callback", supervisionLevel: 2 });
    expect((await agent.event(t.id, "URGE", { note: "催办" })).status).toBe(200);
    expect((await agent.event(t.id, "CALLBACK", { rating: "satisfied", resolved: true })).body.status).toBe(
      "closed",
    );
  });

  it("allowedEvents in the detail differs by caller", async () => {
    const agent = await sys.as("agent1");
    const handler = await sys.as("handler1");
    const manager = await sys.as("manager1");
    const t = await createTicket(agent);
    await agent.event(t.id, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") });
    const byAgent = (await agent.get<TicketBody>(`/api/v1/tickets/${t.id}`)).body.allowedEvents;
    const byHandler = (await handler.get<TicketBody>(`/api/v1/tickets/${t.id}`)).body.allowedEvents;
    const byManager = (await manager.get<TicketBody>(`/api/v1/tickets/${t.id}`)).body.allowedEvents;
    expect(byAgent).toContain("RECALL");
    expect(byAgent).not.toContain("SIGN");
    expect(byHandler).toEqual(expect.arrayContaining(["SIGN", "REQUEST_RETURN", "COMMENT"]));
    expect(byHandler).not.toContain("RECALL");
    expect(byManager.sort()).toEqual(["COMMENT", "SUPERVISE", "URGE"]);
  });
});

describe("department scoping", () => {
  it("a handler sees its subtree's tickets only; others get 404", async () => {
    const agent = await sys.as("agent1");
    const h1 = await sys.as("handler1");
    const h2 = await sys.as("handler2");
    const h3 = await sys.as("handler3");
    const hepingli = await deptId(agent, "dc-hepingli");
    const xicheng = await deptId(agent, "xicheng");
    const inStreet = await createTicket(agent, { title: "街道工单" });
    await agent.event(inStreet.id, "DISPATCH", { departmentId: hepingli });
    const inXicheng = await createTicket(agent, { title: "西城工单" });
    await agent.event(inXicheng.id, "DISPATCH", { departmentId: xicheng });

    // 东城区 (handler1) is the street's parent: it sees the street's ticket; 西城区 does not.
    expect((await h1.get(`/api/v1/tickets/${inStreet.id}`)).status).toBe(200);
    expect((await h3.get(`/api/v1/tickets/${inStreet.id}`)).status).toBe(200);
    expect((await h2.get(`/api/v1/tickets/${inStreet.id}`)).status).toBe(404);
    expect((await h2.get(`/api/v1/tickets/${inStreet.id}/events`)).status).toBe(404);
    expect((await h2.event(inStreet.id, "SIGN")).status).toBe(404);
    expect((await h1.get(`/api/v1/tickets/${inXicheng.id}`)).status).toBe(404);
    // The street handler cannot see its parent district's other tickets.
    expect((await h3.get(`/api/v1/tickets/${inXicheng.id}`)).status).toBe(404);

    const ids = async (c: typeof h1) =>
      (await c.get<{ items: TicketBody[] }>("/api/v1/tickets?limit=200")).body.items.map((t) => t.id);
    expect(await ids(h1)).toContain(inStreet.id);
    expect(await ids(h1)).not.toContain(inXicheng.id);
    expect(await ids(h2)).toEqual([inXicheng.id]);
    // Registered (undispatched) tickets belong to no department.
    const undispatched = await createTicket(agent);
    expect(await ids(h1)).not.toContain(undispatched.id);
  });

  it("co-handling units see the ticket and the lead may reply only after every co-unit assisted", async () => {
    const agent = await sys.as("agent1");
    const lead = await sys.as("handler-water");
    const co = await sys.as("handler-housing");
    const t = await createTicket(agent, { categoryCode: "water-supply" });
    await agent.event(t.id, "DISPATCH", {
      departmentId: await deptId(agent, "water"),
      coDepartmentIds: [await deptId(agent, "housing")],
    });
    expect((await co.get(`/api/v1/tickets/${t.id}`)).status).toBe(200);
    await lead.event(t.id, "SIGN");
    expect((await lead.event(t.id, "REPLY", { result: "done", outcome: "resolved" })).status).toBe(409);
    expect((await co.event(t.id, "SIGN")).status).toBe(409);
    expect((await co.event(t.id, "ASSIST_REPLY", { note: "已配合检修" })).status).toBe(200);
    expect((await lead.event(t.id, "REPLY", { result: "done", outcome: "resolved" })).body.status).toBe(
      "reviewing",
    );
  });

  it("sub-dispatch goes to a direct child only and lets the child see the ticket", async () => {
    const agent = await sys.as("agent1");
    const h1 = await sys.as("handler1");
    const h3 = await sys.as("handler3");
    const t = await createTicket(agent);
    await agent.event(t.id, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") });
    await h1.event(t.id, "SIGN");
    expect(
      (await h1.event(t.id, "SUB_DISPATCH", { departmentId: await deptId(agent, "xicheng") })).status,
    ).toBe(422);
    expect(
      (await h1.event(t.id, "SUB_DISPATCH", { departmentId: await deptId(agent, "dc-jianguo") })).status,
    ).toBe(200);
    expect((await h3.get(`/api/v1/tickets/${t.id}`)).status).toBe(404);
    const res = await h1.event(t.id, "SUB_DISPATCH", { departmentId: await deptId(agent, "dc-hepingli") });
    expect(res.body.subDepartmentId).toBe(await deptId(agent, "dc-hepingli"));
    expect((await h3.event(t.id, "FIRST_RESPONSE", { note: "已联系市民" })).status).toBe(200);
  });
});

describe("citizen phone masking", () => {
  it("full for the hotline and the handling department (audited), masked for others and confidential tickets", async () => {
    const agent = await sys.as("agent1");
    const handler = await sys.as("handler1");
    const manager = await sys.as("manager1");
    const admin = await sys.as("admin");
    const dongcheng = await deptId(agent, "dongcheng");
    const open = await createTicket(agent, { citizenPhone: "13912345678" });
    const secret = await createTicket(agent, { citizenPhone: "13987654321", confidential: true });
    for (const t of [open, secret]) await agent.event(t.id, "DISPATCH", { departmentId: dongcheng });

    expect((await agent.get(`/api/v1/tickets/${secret.id}`)).body.citizenPhone).toBe("13987654321");
    expect((await handler.get(`/api/v1/tickets/${open.id}`)).body.citizenPhone).toBe("13912345678");
    expect((await handler.get(`/api/v1/tickets/${secret.id}`)).body.citizenPhone).toBe("139****4321");
    expect((await manager.get(`/api/v1/tickets/${open.id}`)).body.citizenPhone).toBe("139****5678");
    expect((await admin.get(`/api/v1/tickets/${open.id}`)).body.citizenPhone).toBe("139****5678");
    const list = await handler.get<{ items: TicketBody[] }>("/api/v1/tickets");
    for (const t of list.body.items) expect(t.citizenPhone).toMatch(/\*{4}/);

    const audit = await sys.system.services.db.auditLog.findMany({ where: { ticketId: open.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "read_citizen_phone" });
    expect(await sys.system.services.db.auditLog.count({ where: { ticketId: secret.id } })).toBe(0);
  });

  it("an event's answer that shows a handler the full number is audited like a read", async () => {
    const agent = await sys.as("agent1");
    const handler = await sys.as("handler1");
    const t = await createTicket(agent, { citizenPhone: "13911112222" });
    await agent.event(t.id, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") });
    const signed = await handler.event(t.id, "SIGN");
    expect(signed.body.citizenPhone).toBe("13911112222");
    const audit = await sys.system.services.db.auditLog.findMany({ where: { ticketId: t.id } });
    expect(audit.map((a) => a.action)).toEqual(["read_citizen_phone"]);
  });
});

describe("CSV export", () => {
  it("exports the caller's filtered scope with phones masked except for the hotline", async () => {
    const agent = await sys.as("agent1");
    const handler = await sys.as("handler2");
    const t = await createTicket(agent, {
      categoryCode: "food-safety",
      citizenPhone: "13511112222",
      title: "过期食品",
    });
    await agent.event(t.id, "DISPATCH", { departmentId: await deptId(agent, "xicheng") });
    const byAgent = await agent.get("/api/v1/tickets/export.csv?categoryCode=food-safety");
    expect(byAgent.status).toBe(200);
    expect(byAgent.headers.get("content-type")).toContain("text/csv");
    const lines = String(byAgent.body)
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines[0]).toContain("工单编号");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("13511112222");
    expect(lines[1]).toContain("过期食品");
    const byHandler = String((await handler.get("/api/v1/tickets/export.csv?categoryCode=food-safety")).body);
    expect(byHandler).toContain("135****2222");
    expect(byHandler).not.toContain("13511112222");
    const outOfScope = String(
      (await (await sys.as("handler1")).get("/api/v1/tickets/export.csv?categoryCode=food-safety")).body,
    );
    expect(outOfScope).not.toContain("过期食品");
  });
});

describe("create: idempotency and externalRef", () => {
  const body = {
    channel: "upstream",
    citizenName: "李女士",
    citizenPhone: "13700001111",
    categoryCode: "water-supply",
    urgency: "urgent",
    title: "停水",
    description: "整栋楼停水",
  };

  it("the same Idempotency-Key replays the first response; a different body is refused", async () => {
    const agent = await sys.as("agent1");
    const key = `k-${Date.now()}`;
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        agent.post<TicketBody>("/api/v1/tickets", body, { "idempotency-key": key }),
      ),
    );
    const ids = new Set(results.map((r) => r.body.id));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(ids.size).toBe(1);
    const other = await agent.post("/api/v1/tickets", { ...body, title: "别的" }, { "idempotency-key": key });
    expect(other.status).toBe(422);
    expect(
      await sys.system.services.db.ticket.count({
        where: { title: "停水", citizenPhone: "13700001111", externalRef: null },
      }),
    ).toBe(1);
  });

  it("externalRef deduplicates tickets from an upstream hotline", async () => {
    const agent = await sys.as("agent1");
    const first = await agent.post<TicketBody>("/api/v1/tickets", { ...body, externalRef: "UP-2026-0001" });
    const again = await agent.post<TicketBody>("/api/v1/tickets", { ...body, externalRef: "UP-2026-0001" });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });
});

describe("list", () => {
  it("filters and pages with a cursor without gaps or repeats", async () => {
    const agent = await sys.as("agent1");
    const made: number[] = [];
    for (let i = 0; i < 7; i++)
      made.push(
        (await createTicket(agent, { categoryCode: "greening", urgency: i % 2 ? "urgent" : "normal" })).id,
      );
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: TicketBody[]; nextCursor: string | null } } =
        await agent.get(`/api/v1/tickets?categoryCode=greening&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((t) => t.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...made].reverse());
    const reopened = await agent.get<{ items: TicketBody[] }>(
      "/api/v1/tickets?categoryCode=greening&reopened=true",
    );
    expect(reopened.body.items).toHaveLength(0);
    const urgent = await agent.get<{ items: TicketBody[] }>(
      "/api/v1/tickets?categoryCode=greening&urgency=urgent",
    );
    expect(urgent.body.items).toHaveLength(3);
    const byStatus = await agent.get<{ items: TicketBody[] }>(
      "/api/v1/tickets?categoryCode=greening&status=dispatched,processing",
    );
    expect(byStatus.body.items).toHaveLength(0);
    expect((await agent.get("/api/v1/tickets?cursor=garbage")).status).toBe(400);
    expect((await agent.get("/api/v1/tickets?limit=5000")).status).toBe(422);
  });
});
