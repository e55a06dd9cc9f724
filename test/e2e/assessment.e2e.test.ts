/**
 * Issue 13 in the browser: a handler files an appeal (申诉) from the ticket, a reviewer accepts it
 * in the appeals queue, and the dashboard's assessment ranking (三率考核) shows the raw and the
 * adjusted (核减后) figures, the drill-down and the CSV, in Chinese and English. Screenshots go
 * to test/e2e/__screenshots__/assessment-*.png.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { type Desk, expectNoProblems, launchBrowser, login, openDesk, shot } from "./browser.ts";

let sys: TestSystem;
let browser: Browser;
let admin: ApiClient;
let dissatisfiedId: number;
let groupId: number;
let dongcheng: number;
const desks: Desk[] = [];

async function deskOf(username: string): Promise<Desk> {
  const desk = await openDesk(browser, sys.url, { acceptDownloads: true });
  desks.push(desk);
  await login(desk.page, username);
  return desk;
}

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem(), launchBrowser()]);
  admin = await sys.as("admin");
  const agent = await sys.as("agent1");
  const reviewer = await sys.as("reviewer1");
  dongcheng = await deptId(agent, "dongcheng");
  const xicheng = await deptId(agent, "xicheng");
  const group = await admin.post<{ id: number }>("/api/v1/assessment-groups", {
    name: "区政府",
    departmentIds: [dongcheng, xicheng, await deptId(agent, "nanhu")],
  });
  expect(group.status).toBe(201);
  groupId = group.body.id;
  const callbacks: Array<[number, string, Record<string, unknown>]> = [
    [dongcheng, "handler1", { rating: "dissatisfied", resolved: false, contacted: true }],
    [dongcheng, "handler1", { rating: "satisfied", resolved: true, contacted: true }],
    [xicheng, "handler2", { rating: "basically_satisfied", resolved: true, contacted: false }],
  ];
  for (const [dept, handlerName, callback] of callbacks) {
    const handler = await sys.as(handlerName);
    const t = await createTicket(agent, { title: `考核演示 ${handlerName} ${callback.rating}` });
    for (const [client, type, payload] of [
      [agent, "DISPATCH", { departmentId: dept }],
      [handler, "SIGN", {}],
      [handler, "REPLY", { result: "已处理", outcome: "resolved" }],
      [reviewer, "APPROVE_REPLY", {}],
      [agent, "CALLBACK", callback],
    ] as const)
      expect((await client.event(t.id, type, payload)).status).toBe(200);
    if (callback.rating === "dissatisfied") dissatisfiedId = t.id;
  }
}, 120_000);
afterAll(async () => {
  for (const d of desks) await d.context.close();
  await browser?.close();
  await sys?.stop();
});

describe("appeals and the assessment ranking in the browser", () => {
  it("a handler files an appeal from the ticket; it shows in the timeline", async () => {
    const desk = await deskOf("handler1");
    const { page } = desk;
    await page.goto(`/index.html#/tickets/${dissatisfiedId}`);
    await page.waitForSelector("[data-testid=appeal-form]");
    await page.selectOption("[data-testid=appeal-form] select[name=ground]", "rating");
    await page.fill(
      "[data-testid=appeal-form] textarea[name=reason]",
      "市民诉求属历史遗留问题，已按政策答复",
    );
    await page.fill("[data-testid=appeal-form] textarea[name=evidence]", "区住建委复函（2026）12号");
    await page.click("[data-testid=appeal-submit]");
    await page.waitForSelector("[data-testid=appeal] [data-testid=appeal-status]");
    expect(await page.textContent("[data-testid=appeal] [data-testid=appeal-status]")).toBe("待审核");
    await page.waitForSelector("[data-testid=timeline-row][data-type=APPEAL_FILED]");
    expect(await page.textContent("[data-testid=timeline-row][data-type=APPEAL_FILED]")).toContain(
      "提出申诉",
    );
    await page.locator("[data-testid=appeals-panel]").scrollIntoViewIfNeeded();
    await shot(page, "assessment-appeal-filed");
    await expectNoProblems(desk);
  });

  it("a reviewer accepts it in the appeals queue", async () => {
    const desk = await deskOf("reviewer1");
    const { page } = desk;
    await page.goto("/index.html#/appeals");
    await page.waitForSelector("[data-testid=appeal-row]");
    expect(await page.$$eval("[data-testid=appeal-row]", (rows) => rows.length)).toBe(1);
    await shot(page, "assessment-appeals-queue");
    await page.fill("[data-testid=appeal-row] textarea[name=reason]", "经核实属实，同意核减");
    await page.click("[data-testid=appeal-accept]");
    await page.waitForSelector("[data-testid=appeals-empty]");
    await page.click("[data-testid=appeals-tab-accepted]");
    await page.waitForSelector("[data-testid=appeal-row]");
    expect(await page.textContent("[data-testid=appeal-row] [data-testid=appeal-status]")).toBe("已核减");
    await shot(page, "assessment-appeal-accepted");
    await expectNoProblems(desk);
  });

  it("the dashboard ranks the group with raw and adjusted figures, drills down, exports CSV, speaks English", async () => {
    const desk = await deskOf("manager1");
    const { page } = desk;
    await page.goto("/dashboard.html");
    await page.waitForSelector("[data-testid=assessment-group] option:nth-child(2)", { state: "attached" });
    await page.selectOption("[data-testid=assessment-group]", String(groupId));
    const row = `[data-testid=assessment-row][data-department-id="${dongcheng}"]`;
    await page.waitForSelector(row);
    await page.locator("[data-testid=assessment]").scrollIntoViewIfNeeded();

    const period = await page.inputValue("[data-testid=assessment-period]");
    type Figures = { satisfactionRate: number | null; score: number; rank: number };
    const api = await admin.get<{ rows: Array<Figures & { departmentId: number; adjusted: Figures }> }>(
      `/api/v1/stats/assessment?period=${period}&groupId=${groupId}`,
    );
    const dc = api.body.rows.find((r) => r.departmentId === dongcheng);
    if (!dc) throw new Error("no 东城区 row");
    // 东城区: one dissatisfied, one satisfied; the dissatisfied one is adjusted out of 满意率.
    expect([dc.satisfactionRate, dc.adjusted.satisfactionRate]).toEqual([0.5, 1]);
    const cells = await page.$$eval(`${row} td`, (tds) => tds.map((td) => td.textContent ?? ""));
    expect(cells).toEqual([
      String(dc.rank),
      "—",
      "东城区",
      "区政府",
      "2",
      "100.0%",
      "50.0%",
      "50.0%",
      dc.score.toFixed(1),
      "1",
      "100.0%",
      "50.0%",
      "100.0%",
      dc.adjusted.score.toFixed(1),
      String(dc.adjusted.rank),
    ]);
    await shot(page, "assessment-ranking");

    await page.click(`${row} a`);
    await page.waitForSelector("[data-testid=assessment-ticket]");
    expect(await page.$$eval("[data-testid=assessment-ticket]", (r) => r.length)).toBe(2);
    await page.locator("[data-testid=assessment-drill]").scrollIntoViewIfNeeded();
    await shot(page, "assessment-drill");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click("[data-testid=assessment-csv]"),
    ]);
    expect(download.suggestedFilename()).toBe(`assessment_${period}_g${groupId}.csv`);

    await page.click("[data-testid=lang-switch]");
    await page.waitForFunction(() =>
      document.querySelector("#assessment-h")?.textContent?.startsWith("Monthly"),
    );
    await page.locator("[data-testid=assessment]").scrollIntoViewIfNeeded();
    await shot(page, "assessment-ranking-en");
    await expectNoProblems(desk);
  });
});
