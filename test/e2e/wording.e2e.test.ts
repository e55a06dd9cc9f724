/**
 * Issue 12's wording: the header names the user and the role once ("李娜 · 话务员", and the
 * admin, whose name is the role, once); an extension request is confirmed as "已申请延期" (not
 * "已延期申请", which reads as if the extension were granted).
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { ADMIN_PASSWORD, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { expectNoProblems, launchBrowser, login, openDesk } from "./browser.ts";

let sys: TestSystem;
let browser: Browser;

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem({ workers: false }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

describe("wording", () => {
  it("the header says who is logged in and the role once", async () => {
    for (const [username, password, expected] of [
      ["agent1", undefined, "李娜 · 话务员"],
      ["handler1", undefined, "东城区 陈静 · 承办人员"],
      ["admin", ADMIN_PASSWORD, "系统管理员"],
    ] as const) {
      const desk = await openDesk(browser, sys.url);
      try {
        await login(desk.page, username, password);
        await expect.poll(() => desk.page.textContent("[data-testid=whoami]")).toBe(expected);
        await expectNoProblems(desk);
      } finally {
        await desk.context.close();
      }
    }
  });

  it("a handler's extension request is confirmed as 已申请延期", async () => {
    const agent = await sys.as("agent1");
    const ticket = await createTicket(agent);
    await agent.event(ticket.id, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") });
    const desk = await openDesk(browser, sys.url);
    try {
      const { page } = desk;
      await login(page, "handler1");
      await page.goto(`/index.html#/tickets/${ticket.id}`);
      await page.click("[data-testid=action-SIGN]");
      await page.waitForSelector("[data-testid=event-form-SIGN]");
      await page.click("[data-testid=submit-SIGN]");
      await expect.poll(() => page.textContent("#flash")).toBe("已签收");
      await page.click("[data-testid=action-REQUEST_EXTENSION]");
      const form = "[data-testid=event-form-REQUEST_EXTENSION]";
      await page.waitForSelector(form);
      await page.fill(`${form} [name=reason]`, "需协调多个部门现场核查");
      await page.click("[data-testid=submit-REQUEST_EXTENSION]");
      await expect.poll(() => page.textContent("#flash")).toBe("已申请延期");
      await expectNoProblems(desk);
    } finally {
      await desk.context.close();
    }
  });
});
