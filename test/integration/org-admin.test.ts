import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deptId } from "../helpers/fixtures.ts";
import type { ApiClient } from "../helpers/system.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

/** What the admin screens need beyond user administration: renaming departments, the notice's days. */
let sys: TestSystem;
let admin: ApiClient;
beforeAll(async () => {
  sys = await startTestSystem({ workers: false });
  admin = await sys.as("admin");
});
afterAll(async () => sys?.stop());

type Dept = { id: number; code: string; name: string; nameEn: string | null; handlesTickets: boolean };

describe("departments", () => {
  it("the demo's city and hotline centre handle no tickets; the units do", async () => {
    const items = (await admin.get<{ items: Dept[] }>("/api/v1/departments")).body.items;
    const by = new Map(items.map((d) => [d.code, d]));
    expect(by.get("hotline")?.handlesTickets).toBe(false);
    expect(by.get("city")?.handlesTickets).toBe(false);
    expect(by.get("dongcheng")?.handlesTickets).toBe(true);
    expect(by.get("dc-hepingli")?.handlesTickets).toBe(true);
  });

  it("an admin renames a department and marks whether it handles tickets; the tree shows it at once", async () => {
    const created = await admin.post<Dept>("/api/v1/departments", {
      name: "临时部门",
      code: "org-admin-tmp",
      parentId: await deptId(admin, "dongcheng"),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.handlesTickets).toBe(true);
    const id = created.body.id;
    const patched = await admin.request<Dept>("PATCH", `/api/v1/departments/${id}`, {
      name: "东城区信访办",
      nameEn: "Dongcheng Petitions Office",
      handlesTickets: false,
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(patched.body).toMatchObject({
      id,
      code: "org-admin-tmp",
      name: "东城区信访办",
      handlesTickets: false,
    });
    const listed = (await admin.get<{ items: Dept[] }>("/api/v1/departments")).body.items.find(
      (d) => d.id === id,
    );
    expect(listed).toMatchObject({
      name: "东城区信访办",
      nameEn: "Dongcheng Petitions Office",
      handlesTickets: false,
    });
    // An empty English name clears it; what is not given stays.
    const cleared = await admin.request<Dept>("PATCH", `/api/v1/departments/${id}`, { nameEn: "" });
    expect(cleared.body).toMatchObject({ name: "东城区信访办", nameEn: null, handlesTickets: false });
  });

  it("refuses an empty patch, an unknown department and non-admins", async () => {
    const id = await deptId(admin, "xicheng");
    expect((await admin.request("PATCH", `/api/v1/departments/${id}`, {})).status).toBe(422);
    expect((await admin.request("PATCH", `/api/v1/departments/${id}`, { name: " " })).status).toBe(422);
    expect((await admin.request("PATCH", "/api/v1/departments/999999", { name: "x" })).status).toBe(404);
    const manager = await sys.as("manager1");
    expect((await manager.request("PATCH", `/api/v1/departments/${id}`, { name: "x" })).status).toBe(403);
  });
});

describe("the State Council notice's days", () => {
  it("lists a shipped year's holidays and make-up working days, and says when a year is not covered", async () => {
    const y2026 = await admin.get<{
      covered: boolean;
      source: string;
      days: Array<{ date: string; kind: string; name: string }>;
    }>("/api/v1/calendar/2026/official");
    expect(y2026.status).toBe(200);
    expect(y2026.body.covered).toBe(true);
    expect(y2026.body.source).toMatch(/^chinese-days@/);
    expect(y2026.body.days.every((d) => d.date.startsWith("2026-"))).toBe(true);
    // 2026's National Day: 10-01..10-07 off (with the Mid-autumn Festival), 10-10 (Saturday) worked.
    expect(y2026.body.days).toContainEqual({ date: "2026-10-01", kind: "holiday", name: "国庆节" });
    expect(y2026.body.days).toContainEqual({ date: "2026-10-10", kind: "workday", name: "国庆节" });
    const y2030 = await admin.get<{ covered: boolean; days: unknown[] }>("/api/v1/calendar/2030/official");
    expect(y2030.body).toMatchObject({ covered: false, days: [] });
    // Filling a year from it is a plain PUT of those days.
    const put = await admin.request("PUT", "/api/v1/calendar/2026", { days: y2026.body.days });
    expect(put.status).toBe(200);
  });
});
