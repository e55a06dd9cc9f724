/**
 * Issue 12: the demo's dispatch catalogue suggests only units somebody can sign for, and
 * consultations (政策咨询) are answered directly rather than sent to the hotline centre.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem({ workers: false });
});
afterAll(async () => sys?.stop());

type Dept = { id: number; code: string; path: string; handlesTickets: boolean };
type Suggestion = { departmentId: number | null; answerDirectly: boolean };

describe("the demo's dispatch catalogue", () => {
  it("every suggested unit handles tickets and has an active handler whose scope holds it", async () => {
    const admin = await sys.as("admin");
    const depts = (await admin.get<{ items: Dept[] }>("/api/v1/departments")).body.items;
    const byId = new Map(depts.map((d) => [d.id, d]));
    const users = (
      await admin.get<{ items: Array<{ role: string; active: boolean; departmentId: number | null }> }>(
        "/api/v1/users?limit=200",
      )
    ).body.items;
    const signers = users
      .filter((u) => u.role === "handler" && u.active && u.departmentId !== null)
      .map((u) => byId.get(u.departmentId as number)?.path ?? "");
    const categories = (await admin.get<{ items: Array<{ code: string }> }>("/api/v1/categories")).body.items;
    const areas = [
      "",
      ...depts.filter((d) => ["dongcheng", "xicheng", "nanhu"].includes(d.code)).map((d) => d.code),
    ];
    let checked = 0;
    for (const c of categories) {
      for (const area of areas) {
        const s = (
          await admin.get<Suggestion>(`/api/v1/categories/${c.code}/suggestion${area ? `?area=${area}` : ""}`)
        ).body;
        if (s.answerDirectly) continue;
        const unit = byId.get(s.departmentId ?? -1);
        expect(unit, `${c.code} ${area}`).toBeDefined();
        expect(unit?.handlesTickets, `${c.code} ${area} → ${unit?.code}`).toBe(true);
        expect(
          signers.some((p) => unit?.path.startsWith(p)),
          `${c.code} ${area} → ${unit?.code}: nobody can sign`,
        ).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("噪声扰民 suggests a unit with a signer; 政策咨询 suggests answering directly", async () => {
    const agent = await sys.as("agent1");
    const noise = (await agent.get<Suggestion>("/api/v1/categories/noise/suggestion")).body;
    expect(noise.answerDirectly).toBe(false);
    // Dispatched as suggested, it is signed there.
    const created = await agent.post<{ id: number }>("/api/v1/tickets", {
      channel: "phone",
      citizenName: "吴先生",
      citizenPhone: "13655556666",
      categoryCode: "noise",
      urgency: "normal",
      title: "广场舞音响扰民",
      description: "每晚九点后仍有音响",
    });
    expect(
      (await agent.event(created.body.id, "DISPATCH", { departmentId: noise.departmentId })).status,
    ).toBe(200);
    expect((await (await sys.as("handler-eco")).event(created.body.id, "SIGN")).status).toBe(200);
    expect((await agent.get<Suggestion>("/api/v1/categories/policy-consult/suggestion")).body).toEqual({
      departmentId: null,
      answerDirectly: true,
    });
  });
});
