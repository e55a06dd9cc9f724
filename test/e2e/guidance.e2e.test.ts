/**
 * Issue 12: actions don't disappear without a reason. While a co-handling unit has not sent its
 * opinion, the lead unit sees why 办理答复 is not offered (naming the unit); the co-handling unit
 * sees its role; the reviewer sees the reply under review beside the approve and reject buttons,
 * on the first screen at 1366×768. Screenshots: test/e2e/__screenshots__/guidance-*.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import { type Desk, expectNoProblems, launchBrowser, login, openDesk, shot, VIEWPORT } from "./browser.ts";

let sys: TestSystem;
let browser: Browser;
const desks: Desk[] = [];
let ticketId = 0;

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem({ workers: false }), launchBrowser()]);
  const agent = await sys.as("agent1");
  const t = await createTicket(agent, { title: "跨区道路积水", categoryCode: "road-traffic" });
  ticketId = t.id;
  const res = await agent.event(t.id, "DISPATCH", {
    departmentId: await deptId(agent, "dongcheng"),
    coDepartmentIds: [await deptId(agent, "xicheng")],
  });
  expect(res.status).toBe(200);
  expect((await (await sys.as("handler1")).event(t.id, "SIGN")).status).toBe(200);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

async function deskOf(username: string): Promise<Page> {
  const desk = await openDesk(browser, sys.url);
  desks.push(desk);
  await login(desk.page, username);
  return desk.page;
}

async function open(page: Page): Promise<string[]> {
  const target = `/index.html#/tickets/${ticketId}`;
  // Same hash: no hashchange, so reload to see the ticket as it is now.
  if (page.url().endsWith(target)) await page.reload();
  else await page.goto(target);
  await page.waitForSelector(`[data-testid=ticket-detail][data-id="${ticketId}"]`);
  return page.$$eval("[data-testid=actions] button", (bs) =>
    bs.map((b) => (b as HTMLElement).dataset.event ?? ""),
  );
}

describe("actions come with their reasons", () => {
  let lead: Page;
  let co: Page;

  it("the lead unit is told which co-handling unit it waits for", async () => {
    lead = await deskOf("handler1");
    expect(await open(lead)).not.toContain("REPLY");
    expect(await lead.textContent("[data-testid=guidance]")).toContain("等待协办单位答复：西城区");
    await shot(lead, "guidance-lead-waiting");
  });

  it("the co-handling unit sees its role and sends its opinion", async () => {
    co = await deskOf("handler2");
    expect(await open(co)).toContain("ASSIST_REPLY");
    expect(await co.textContent("[data-testid=guidance]")).toContain("本单位为协办单位");
    expect(await co.textContent("[data-testid=guidance]")).toContain("东城区");
    await shot(co, "guidance-co-role");
    await co.click("[data-testid=action-ASSIST_REPLY]");
    await co.fill("[data-testid=event-form-ASSIST_REPLY] textarea[name=note]", "西城段排水管网已疏通");
    await co.click("[data-testid=submit-ASSIST_REPLY]");
    await co.waitForSelector("[data-testid=timeline-row][data-type=ASSIST_REPLY]");
    expect(await co.textContent("[data-testid=guidance]")).toContain("已提交协办意见");
  });

  it("then the lead unit replies, and the reviewer sees the reply beside the buttons", async () => {
    expect(await open(lead)).toContain("REPLY");
    expect(await lead.$("[data-testid=guidance]")).toBeNull();
    await lead.click("[data-testid=action-REPLY]");
    await lead.fill(
      "[data-testid=event-form-REPLY] textarea[name=result]",
      "东城段已清淤，积水已排除，已回复市民",
    );
    await lead.click("[data-testid=submit-REPLY]");
    await expect.poll(() => lead.textContent(".detail-head [data-testid=status]")).toBe("待审核");

    const reviewer = await deskOf("reviewer1");
    await open(reviewer);
    const box = await reviewer.$("[data-testid=reply-under-review]");
    expect(await box?.textContent()).toContain("东城段已清淤，积水已排除，已回复市民");
    expect(await box?.textContent()).toContain("西城段排水管网已疏通");
    // On the first screen, with the buttons that decide on it.
    const reply = await box?.boundingBox();
    const approve = await reviewer.$eval(
      "[data-testid=action-APPROVE_REPLY]",
      (b) => b.getBoundingClientRect().bottom,
    );
    expect((reply?.y ?? 0) + (reply?.height ?? 0)).toBeLessThanOrEqual(VIEWPORT.height);
    expect(approve).toBeLessThanOrEqual(VIEWPORT.height);
    await shot(reviewer, "guidance-reply-under-review");
  });

  it("no page errors or untranslated strings", async () => {
    for (const desk of desks) await expectNoProblems(desk);
  });
});
