/**
 * Issue 12: one function (src/tickets/deadline-state.ts, served as /js/deadline-state.js) decides
 * every deadline's state, so the detail page, the 超期件 queue and the dashboard's overdue list
 * agree. Two tickets on a policy of seconds:
 *  - A reopened ticket back in 办理中 past its fresh resolution deadline: 办结时限 overdue (not
 *    "已完成"), a red row in 超期件, listed on the dashboard as overdue.
 *  - A ticket replied and approved after its deadline, now awaiting the callback: 办结时限
 *    "逾期完成" (not "超期 … and counting"), in neither overdue list.
 * Screenshots: test/e2e/__screenshots__/deadlines-*.png.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { type Desk, expectNoProblems, launchBrowser, login, openDesk, shot } from "./browser.ts";

let sys: TestSystem;
let browser: Browser;
const desks: Desk[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

async function run(client: ApiClient, id: number, type: string, payload: Record<string, unknown> = {}) {
  const res = await client.event(id, type, payload);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

describe("deadline states agree on every screen", () => {
  let reopened = 0;
  let repliedLate = 0;

  it("sets up a reopened ticket past its fresh deadline and one approved late", async () => {
    const admin = await sys.as("admin");
    const policy = await admin.put("/api/v1/sla-policies/greening/urgent", {
      signWithin: "PT1H",
      firstResponseWithin: "PT1H",
      resolveWithin: "PT4S",
      callbackWithin: "P1D",
      clock: "calendar",
    });
    expect(policy.status).toBe(200);
    const [agent, reviewer, handler] = await Promise.all([
      sys.as("agent1"),
      sys.as("reviewer1"),
      sys.as("handler1"),
    ]);
    const dongcheng = (
      await agent.get<{ items: Array<{ id: number; code: string }> }>("/api/v1/departments")
    ).body.items.find((d) => d.code === "dongcheng")?.id;
    const create = async (title: string) => {
      const res = await agent.post<{ id: number }>("/api/v1/tickets", {
        channel: "phone",
        citizenName: "周先生",
        citizenPhone: "13733334444",
        categoryCode: "greening",
        urgency: "urgent",
        title,
        description: "小区绿地被占用",
      });
      expect(res.status).toBe(201);
      await run(agent, res.body.id, "DISPATCH", { departmentId: dongcheng });
      await run(handler, res.body.id, "SIGN");
      return res.body.id;
    };
    reopened = await create("绿地被占（重办）");
    await run(handler, reopened, "REPLY", { result: "已清理", outcome: "resolved" });
    await run(reviewer, reopened, "APPROVE_REPLY");
    await run(agent, reopened, "CALLBACK", { rating: "dissatisfied", resolved: false });
    repliedLate = await create("绿地被占（逾期答复）");
    await sleep(4_500);
    await run(handler, repliedLate, "REPLY", { result: "已清理", outcome: "resolved" });
    await run(reviewer, repliedLate, "APPROVE_REPLY");
  });

  it("the detail page", async () => {
    const desk = await openDesk(browser, sys.url);
    desks.push(desk);
    const { page } = desk;
    await login(page, "manager1");
    const dueCell = async (id: number): Promise<{ state: string; text: string }> => {
      await page.goto(`/index.html#/tickets/${id}`);
      await page.waitForSelector(`[data-testid=ticket-detail][data-id="${id}"]`);
      return page.$eval("[data-testid=deadlines] tr[data-deadline=dueAt]", (tr) => ({
        state: (tr as HTMLElement).dataset.state ?? "",
        text: tr.querySelector("[data-testid=remaining-dueAt]")?.textContent ?? "",
      }));
    };
    const a = await dueCell(reopened);
    expect(a.state).toBe("overdue");
    expect(a.text).toMatch(/^超期/);
    expect(await page.textContent("[data-testid=light]")).toBe("超期");
    await shot(page, "deadlines-detail-reopened");
    const b = await dueCell(repliedLate);
    expect(b.state).toBe("metLate");
    expect(b.text).toMatch(/^逾期完成/);
    // The reply answered the citizen: the first response is met, not counting.
    expect(
      await page.getAttribute("[data-testid=deadlines] tr[data-deadline=firstResponseBy]", "data-state"),
    ).toBe("met");
    await shot(page, "deadlines-detail-replied-late");
  });

  it("the 超期件 queue", async () => {
    const { page } = desks[0] as Desk;
    await page.goto("/index.html#/queue/overdue");
    await page.waitForSelector(`[data-testid=ticket-row][data-id="${reopened}"]`);
    expect(await page.$(`[data-testid=ticket-row][data-id="${repliedLate}"]`)).toBeNull();
    const lights = await page.$$eval("[data-testid=ticket-row] [data-testid=light]", (els) =>
      els.map((e) => (e as HTMLElement).dataset.light),
    );
    expect(lights.length).toBeGreaterThan(0);
    expect(new Set(lights)).toEqual(new Set(["overdue"])); // no green 正常 rows
    await shot(page, "deadlines-overdue-queue");
  });

  it("the dashboard's overdue list", async () => {
    const { page } = desks[0] as Desk;
    const manager = await sys.as("manager1");
    // The list reads the stats worker's rows: wait until it has drained the writes.
    await expect
      .poll(
        async () =>
          (
            await manager.get<{ items: Array<{ id: number; dueState: string }> }>(
              "/api/v1/stats/overdue?limit=50",
            )
          ).body.items,
        { timeout: 20_000 },
      )
      .toContainEqual(expect.objectContaining({ id: reopened, dueState: "overdue" }));
    const items = (await manager.get<{ items: Array<{ id: number }> }>("/api/v1/stats/overdue?limit=50")).body
      .items;
    expect(items.map((i) => i.id)).not.toContain(repliedLate);
    // The 超期未办结 card counts the same tickets (its drill-down list is the card's own rows).
    const card = (
      await manager.get<{ items: Array<{ id: number }> }>("/api/v1/tickets?figure=overdueOpen&limit=100")
    ).body.items;
    expect(card.map((i) => i.id)).toContain(reopened);
    expect(card.map((i) => i.id)).not.toContain(repliedLate);
    await page.goto("/dashboard.html");
    await page.waitForSelector(`[data-testid=overdue-row][data-id="${reopened}"]`);
    expect(await page.$(`[data-testid=overdue-row][data-id="${repliedLate}"]`)).toBeNull();
    expect(await page.textContent(`[data-testid=overdue-row][data-id="${reopened}"]`)).toContain("超期");
    await shot(page, "deadlines-dashboard");
  });

  it("no page errors or untranslated strings", async () => {
    for (const desk of desks) await expectNoProblems(desk);
  });
});
