/**
 * Issue 12, queues for a busy shift: a handler's queue shows the most urgent ticket first (by the
 * deadline each row shows), tabs count their tickets, rows say what is pending (return reason,
 * co-handling role), 签收 takes one click from the row; the agent's dispatch form offers only
 * units that handle tickets, searchable, with the co-handling units as chips.
 * Screenshots: test/e2e/__screenshots__/queues-*.png.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { type Desk, expectNoProblems, launchBrowser, login, openDesk, shot } from "./browser.ts";

let sys: TestSystem;
let browser: Browser;
const desks: Desk[] = [];

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem({ workers: false }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

async function ok(client: ApiClient, id: number, type: string, payload: Record<string, unknown> = {}) {
  const res = await client.event(id, type, payload);
  expect(res.status, `${type}: ${JSON.stringify(res.body)}`).toBe(200);
}

const rowIds = (desk: Desk) =>
  desk.page.$$eval("[data-testid=ticket-row]", (rows) =>
    rows.map((r) => Number((r as HTMLElement).dataset.id)),
  );

describe("queues for a busy shift", () => {
  const ids = { processing: 0, toSign: 0, co: 0, returned: 0 };

  beforeAll(async () => {
    const [agent, handler] = await Promise.all([sys.as("agent1"), sys.as("handler1")]);
    const [dongcheng, xicheng] = await Promise.all([deptId(agent, "dongcheng"), deptId(agent, "xicheng")]);
    const dispatched = async (title: string, payload: Record<string, unknown>) => {
      const t = await createTicket(agent, { title, categoryCode: "sanitation" });
      await ok(agent, t.id, "DISPATCH", payload);
      return t.id;
    };
    // Dispatched first: the earliest resolution deadline, but signed, so its sign deadline is done.
    ids.processing = await dispatched("楼道照明损坏", { departmentId: dongcheng });
    await ok(handler, ids.processing, "SIGN");
    ids.toSign = await dispatched("垃圾桶满溢", { departmentId: dongcheng });
    ids.co = await dispatched("跨区道路积水", { departmentId: xicheng, coDepartmentIds: [dongcheng] });
    ids.returned = await dispatched("非本区事项", { departmentId: dongcheng });
    await ok(handler, ids.returned, "REQUEST_RETURN", { reason: "属西城区管辖" });
  });

  it("a handler's queue shows the most urgent ticket first, with counts, reasons and roles", async () => {
    const desk = await openDesk(browser, sys.url);
    desks.push(desk);
    const { page } = desk;
    await login(page, "handler1");
    await page.waitForSelector(`[data-testid=ticket-row][data-id="${ids.returned}"]`);
    const order = await rowIds(desk);
    // Both unsigned tickets (signing due in hours) before the signed one (resolution due in days).
    expect(order.slice(0, 2)).toEqual([ids.toSign, ids.co]);
    expect(order.indexOf(ids.processing)).toBeGreaterThan(1);
    await expect.poll(() => page.textContent("[data-testid=count-work]")).toBe("4");
    await expect.poll(() => page.textContent("[data-testid=count-toSign]")).toBe("2");
    expect(await page.textContent("[data-testid=count-processing]")).toBe("1");
    expect(
      await page.textContent(`[data-testid=ticket-row][data-id="${ids.co}"] [data-testid=role-co]`),
    ).toBe("协办");
    expect(
      await page.textContent(`[data-testid=ticket-row][data-id="${ids.returned}"] [data-testid=row-details]`),
    ).toBe("退单理由：属西城区管辖");
    await shot(page, "queues-handler-work");
  });

  it("签收 in one click from the row, for the handler's own tickets only", async () => {
    const { page } = desks[0] as Desk;
    await page.click("[data-testid=queue-toSign]");
    await page.waitForSelector(`[data-testid=ticket-row][data-id="${ids.toSign}"]`);
    // A co-handling unit does not sign for the lead.
    expect(await page.$(`[data-testid=ticket-row][data-id="${ids.co}"] [data-testid=row-sign]`)).toBeNull();
    await shot(page, "queues-handler-to-sign");
    await page.click(`[data-testid=ticket-row][data-id="${ids.toSign}"] [data-testid=row-sign]`);
    await expect.poll(() => page.textContent("#flash")).toContain("已签收");
    await page.waitForSelector(`[data-testid=ticket-row][data-id="${ids.toSign}"]`, { state: "detached" });
    await expect.poll(() => page.textContent("[data-testid=count-toSign]")).toBe("1");
    const handler = await sys.as("handler1");
    expect((await handler.get(`/api/v1/tickets/${ids.toSign}`)).body.status).toBe("processing");
  });

  it("the dispatch form offers only units that handle tickets, searchable, co-handling units as chips", async () => {
    const agentApi = await sys.as("agent1");
    const t = await createTicket(agentApi, { title: "公园设施损坏", categoryCode: "greening" });
    const desk = await openDesk(browser, sys.url);
    desks.push(desk);
    const { page } = desk;
    await login(page, "agent1");
    await page.goto(`/index.html#/tickets/${t.id}`);
    await page.click("[data-testid=action-DISPATCH]");
    const form = "[data-testid=event-form-DISPATCH]";
    await page.waitForSelector(form);
    const leads = await page.$$eval(`${form} select[name=departmentId] option`, (os) =>
      os.map((o) => o.textContent?.trim()),
    );
    expect(leads).toContain("西城区");
    expect(leads).not.toContain("市12345热线中心");
    expect(leads).not.toContain("滨江市");
    await page.fill(`${form} [data-testid=search-departmentId]`, "西城");
    expect(
      await page.$eval(`${form} select[name=departmentId]`, (s) =>
        (s as HTMLSelectElement).selectedOptions[0]?.text.trim(),
      ),
    ).toBe("西城区");
    await page.fill(`${form} [data-testid=chips-input-coDepartmentIds]`, "东城区");
    await page.press(`${form} [data-testid=chips-input-coDepartmentIds]`, "Enter");
    await page.fill(`${form} [data-testid=chips-input-coDepartmentIds]`, "市12345热线中心");
    await page.press(`${form} [data-testid=chips-input-coDepartmentIds]`, "Enter");
    const chips = await page.$$eval(`${form} [data-testid=chips-coDepartmentIds] .chip span`, (els) =>
      els.map((e) => e.textContent),
    );
    expect(chips).toEqual(["东城区"]);
    await shot(page, "queues-dispatch-picker");
    await page.click("[data-testid=submit-DISPATCH]");
    await expect.poll(() => page.textContent(".detail-head [data-testid=status]")).toBe("待签收");
    const after = (
      await agentApi.get<{ departmentId: number; coDepartmentIds: number[] }>(`/api/v1/tickets/${t.id}`)
    ).body;
    expect(after.departmentId).toBe(await deptId(agentApi, "xicheng"));
    expect(after.coDepartmentIds).toEqual([await deptId(agentApi, "dongcheng")]);
  });

  it("a consultation (政策咨询) is proposed for 直接答复, not for the hotline centre", async () => {
    const desk = desks[1] as Desk;
    const { page } = desk;
    await page.goto("/index.html#/new");
    await page.waitForSelector("#new-ticket-form");
    await page.fill("#nt-citizenName", "郑女士");
    await page.fill("#nt-citizenPhone", "13577778888");
    await page.fill("#nt-category", "政策咨询");
    await expect.poll(() => page.textContent("[data-testid=suggestion]")).toContain("直接答复");
    await page.fill("#nt-title", "公积金提取条件");
    await page.fill("#nt-description", "咨询离职后公积金提取条件");
    await page.press("#nt-description", "Control+Enter");
    await page.waitForSelector("[data-testid=event-form-ANSWER_DIRECTLY] textarea[name=answer]");
    expect(
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.getAttribute("name")),
    ).toBe("answer");
    await shot(page, "queues-consultation-answer");
    await page.fill(
      "[data-testid=event-form-ANSWER_DIRECTLY] textarea[name=answer]",
      "已告知提取条件及所需材料",
    );
    await page.click("[data-testid=submit-ANSWER_DIRECTLY]");
    await page.waitForSelector("[data-testid=create-done]");
  });

  it("no page errors or untranslated strings", async () => {
    for (const desk of desks) await expectNoProblems(desk);
  });
});
