import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem({ workers: false });
});
afterAll(async () => sys?.stop());

type Problem = { status: number; type: string; errors?: Record<string, string> };
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe("GET /api/v1/sla/deadline", () => {
  it.each([
    // 2026: 1–5 May are the Labour Day holiday and Saturday 9 May a make-up working day.
    ["2026-05-08T10:00:00+08:00", "P2D", "working", "2026-05-11T02:00:00.000Z"],
    ["2026-04-30T10:00:00+08:00", "P1D", "working", "2026-05-06T02:00:00.000Z"],
    // PT4H from 16:00 with the day ending at 18:00: 2 h today, 2 h from 09:00 tomorrow.
    ["2026-03-03T16:00:00+08:00", "PT4H", "working", "2026-03-04T03:00:00.000Z"],
    ["2026-05-01T23:50:00+08:00", "PT30M", "calendar", "2026-05-01T16:20:00.000Z"],
  ])("%s + %s on the %s clock = %s", async (start, duration, clock, deadline) => {
    const agent = await sys.as("agent1");
    const res = await agent.get(`/api/v1/sla/deadline?${q({ start, duration, clock })}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ deadline, duration, clock });
  });

  it("keeps working hours in the centre's time zone (HOTLINE_TIME_ZONE)", async () => {
    const urumqi = await startTestSystem({ workers: false, env: { HOTLINE_TIME_ZONE: "Asia/Urumqi" } });
    try {
      const agent = await urumqi.as("agent1");
      // 16:00 in Urumqi (UTC+6) + PT4H: 2 h today, 2 h from 09:00 local tomorrow: 11:00 local.
      // (On Beijing working hours the same instant is 18:00, so it would end 14:00 = 06:00 UTC.)
      const res = await agent.get(
        `/api/v1/sla/deadline?${q({ start: "2026-03-03T16:00:00+06:00", duration: "PT4H", clock: "working" })}`,
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ deadline: "2026-03-04T05:00:00.000Z" });
    } finally {
      await urumqi.stop();
    }
  });

  it("defaults to now on the working clock", async () => {
    const agent = await sys.as("agent1");
    const res = await agent.get<{ deadline: string; clock: string; start: string }>(
      `/api/v1/sla/deadline?${q({ duration: "P1D" })}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.clock).toBe("working");
    expect(Date.parse(res.body.deadline)).toBeGreaterThan(Date.parse(res.body.start));
  });

  it.each([
    [{ start: "2026-05-08T10:00:00+08:00", duration: "5 days" }, "duration"],
    [{ start: "2026-05-08T10:00:00+08:00", duration: "P1.5D" }, "duration"],
    [{ start: "2026-05-08T10:00:00+08:00", duration: "P100000D" }, "duration"],
    [{ start: "yesterday", duration: "P1D" }, "start"],
    [{ start: "2026-05-08T10:00:00+08:00", duration: "P1D", clock: "lunar" }, "clock"],
    [{ start: "2026-05-08T10:00:00+08:00" }, "duration"],
  ])("422 for %j, naming %s", async (params, field) => {
    const agent = await sys.as("agent1");
    const res = await agent.get<Problem>(`/api/v1/sla/deadline?${q(params as Record<string, string>)}`);
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.body.errors?.[field]).toEqual(expect.any(String));
  });
});

describe("the holiday calendar", () => {
  it("GET /calendar/2026 lists the shipped holidays and make-up days with the working hours", async () => {
    const agent = await sys.as("agent1");
    const res = await agent.get<{
      year: number;
      days: Array<{ date: string; kind: string; name: string }>;
      workingHours: unknown;
      timeZone: string;
    }>("/api/v1/calendar/2026");
    expect(res.status).toBe(200);
    expect(res.body.year).toBe(2026);
    expect(res.body.days).toContainEqual({ date: "2026-10-01", kind: "holiday", name: "国庆节" });
    expect(res.body.days).toContainEqual({ date: "2026-05-09", kind: "workday", name: "劳动节" });
    expect(res.body.days.every((d) => d.date.startsWith("2026-"))).toBe(true);
    expect(res.body.workingHours).toEqual([
      { start: "09:00", end: "12:00" },
      { start: "13:00", end: "18:00" },
    ]);
    expect(res.body.timeZone).toBe("Asia/Shanghai");
  });

  it("PUT /calendar/:year is for admins only", async () => {
    for (const user of ["agent1", "reviewer1", "manager1", "handler1"]) {
      const res = await (await sys.as(user)).put<Problem>("/api/v1/calendar/2027", { days: [] });
      expect(res.status, user).toBe(403);
    }
    const anonymous = new ApiClient(sys.url, null);
    expect((await anonymous.put("/api/v1/calendar/2027", { days: [] })).status).toBe(401);
    expect((await anonymous.get("/api/v1/calendar/2027")).status).toBe(401);
  });

  it.each([
    [[{ date: "2026-12-31", kind: "holiday", name: "x" }], "days.0.date"],
    [[{ date: "2027-02-30", kind: "holiday", name: "x" }], "days.0.date"],
    [[{ date: "2027/01/01", kind: "holiday", name: "x" }], "days.0.date"],
    [[{ date: "2027-01-01", kind: "vacation", name: "x" }], "days.0.kind"],
    [[{ date: "2027-01-01", kind: "holiday", name: "" }], "days.0.name"],
    [
      [
        { date: "2027-01-01", kind: "holiday", name: "元旦" },
        { date: "2027-01-01", kind: "workday", name: "元旦" },
      ],
      "days.1.date",
    ],
  ])("422 for %j, naming %s", async (days, field) => {
    const admin = await sys.as("admin");
    const res = await admin.put<Problem>("/api/v1/calendar/2027", { days });
    expect(res.status).toBe(422);
    expect(res.body.errors?.[field]).toEqual(expect.any(String));
  });

  it("an admin's year replaces the overrides and deadlines follow at once", async () => {
    const admin = await sys.as("admin");
    const agent = await sys.as("agent1");
    const before = await agent.get<{ deadline: string }>(
      `/api/v1/sla/deadline?${q({ start: "2026-12-31T10:00:00+08:00", duration: "P1D" })}`,
    );
    expect(before.body.deadline).toBe("2027-01-01T02:00:00.000Z"); // 2027 not shipped: Fri 1 Jan works

    const days = [
      { date: "2027-01-01", kind: "holiday", name: "元旦" },
      { date: "2027-01-04", kind: "holiday", name: "测试假日" },
      { date: "2027-01-09", kind: "workday", name: "测试调休" },
    ];
    const put = await admin.put<{ days: unknown[] }>("/api/v1/calendar/2027", { days });
    expect(put.status).toBe(200);
    expect(put.body.days).toEqual(days);
    expect((await agent.get<{ days: unknown[] }>("/api/v1/calendar/2027")).body.days).toEqual(days);

    const after = await agent.get<{ deadline: string }>(
      `/api/v1/sla/deadline?${q({ start: "2026-12-31T10:00:00+08:00", duration: "P2D" })}`,
    );
    expect(after.body.deadline).toBe("2027-01-06T02:00:00.000Z"); // Fri and Mon off → Tue, Wed

    // Replacing again drops what is no longer listed; other years are untouched.
    expect((await admin.put("/api/v1/calendar/2027", { days: days.slice(0, 1) })).status).toBe(200);
    expect((await agent.get<{ days: unknown[] }>("/api/v1/calendar/2027")).body.days).toEqual(
      days.slice(0, 1),
    );
    expect((await agent.get<{ days: unknown[] }>("/api/v1/calendar/2026")).body.days.length).toBeGreaterThan(
      20,
    );
  });
});

describe("SLA policies", () => {
  type Policy = { categoryCode: string; urgency: string; source: string; signWithin: string; clock: string };
  const body = {
    signWithin: "PT10M",
    firstResponseWithin: "PT30M",
    resolveWithin: "PT6H",
    callbackWithin: "P1D",
    clock: "calendar",
  };

  it("GET lists the built-in defaults until an admin stores one", async () => {
    const agent = await sys.as("agent1");
    const res = await agent.get<{ items: Policy[] }>("/api/v1/sla-policies");
    expect(res.status).toBe(200);
    const defaults = res.body.items.filter((p) => p.categoryCode === "*");
    expect(defaults.map((p) => p.urgency).sort()).toEqual(["critical", "normal", "urgent"]);
    expect(defaults.find((p) => p.urgency === "critical")).toMatchObject({
      signWithin: "PT30M",
      clock: "calendar",
    });
  });

  it("PUT is for admins; 401 without a token", async () => {
    for (const user of ["agent1", "reviewer1", "manager1", "handler1"]) {
      const res = await (await sys.as(user)).put("/api/v1/sla-policies/noise/urgent", body);
      expect(res.status, user).toBe(403);
    }
    expect((await new ApiClient(sys.url, null).put("/api/v1/sla-policies/noise/urgent", body)).status).toBe(
      401,
    );
    expect((await new ApiClient(sys.url, null).get("/api/v1/sla-policies")).status).toBe(401);
  });

  it.each([
    [{ ...body, signWithin: "10 minutes" }, "signWithin"],
    [{ ...body, resolveWithin: "P1.5D" }, "resolveWithin"],
    [{ ...body, callbackWithin: "" }, "callbackWithin"],
    [{ ...body, clock: "lunar" }, "clock"],
    [{ ...body, firstResponseWithin: undefined }, "firstResponseWithin"],
  ])("422 for a bad field (%#), naming %s", async (input, field) => {
    const admin = await sys.as("admin");
    const res = await admin.put<Problem>("/api/v1/sla-policies/noise/urgent", input);
    expect(res.status).toBe(422);
    expect(res.body.errors?.[field]).toEqual(expect.any(String));
  });

  it("404 for an unknown category, 422 for an unknown urgency", async () => {
    const admin = await sys.as("admin");
    expect((await admin.put<Problem>("/api/v1/sla-policies/no-such-category/urgent", body)).status).toBe(404);
    expect((await admin.put<Problem>("/api/v1/sla-policies/noise/whenever", body)).status).toBe(422);
  });

  it("an admin's policy is listed and governs the next dispatch", async () => {
    const admin = await sys.as("admin");
    const saved = await admin.put<Policy>("/api/v1/sla-policies/noise/critical", body);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      categoryCode: "noise",
      urgency: "critical",
      source: "stored",
      ...body,
    });
    const list = await admin.get<{ items: Policy[] }>("/api/v1/sla-policies");
    expect(list.body.items).toContainEqual(
      expect.objectContaining({ categoryCode: "noise", urgency: "critical" }),
    );

    const agent = await sys.as("agent1");
    const t = await createTicket(agent, { categoryCode: "noise", urgency: "critical" });
    const d = await agent.event(t.id, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") });
    expect(d.status).toBe(200);
    const dispatchedAt = Date.parse(String(d.body.signBy)) - 10 * 60_000;
    expect(Date.parse(String(d.body.dueAt)) - dispatchedAt).toBe(6 * 3600_000);
  });

  it('"*" stores the default for every category without its own', async () => {
    const admin = await sys.as("admin");
    const res = await admin.put<Policy>("/api/v1/sla-policies/*/urgent", { ...body, clock: "working" });
    expect(res.status).toBe(200);
    const list = await admin.get<{ items: Policy[] }>("/api/v1/sla-policies");
    const urgent = list.body.items.filter((p) => p.categoryCode === "*" && p.urgency === "urgent");
    expect(urgent).toEqual([expect.objectContaining({ source: "stored", clock: "working" })]);
  });
});

describe("the OpenAPI document", () => {
  it("describes the deadline, calendar and policy routes", async () => {
    const res = await fetch(`${sys.url}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/sla/deadline",
        "/api/v1/calendar/{year}",
        "/api/v1/sla-policies",
        "/api/v1/sla-policies/{categoryCode}/{urgency}",
      ]),
    );
    expect(Object.keys(doc.paths["/api/v1/calendar/{year}"] ?? {}).sort()).toEqual(["get", "put"]);
  });
});
