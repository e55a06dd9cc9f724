/**
 * The login page's message when the login throttle refuses (429): it says how long to wait and
 * that waits grow to at most 15 minutes (src/auth/login-throttle.ts: 10 free failures per
 * username, then 15 s doubling up to 15 min), in Chinese and in English.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { expectNoProblems, launchBrowser, openDesk, shot } from "./browser.ts";

let sys: TestSystem;
let browser: Browser;

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem({ workers: false }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

describe("login throttle message", () => {
  it("after ten failed logins the page says to wait, for how long, and that it lasts at most 15 minutes", {
    timeout: 60_000,
  }, async () => {
    const anon = new ApiClient(sys.url, null);
    for (let i = 0; i < 10; i++) {
      const res = await anon.post("/api/v1/auth/login", { username: "handler2", password: `wrong-${i}` });
      expect(res.status).toBe(401);
    }
    const desk = await openDesk(browser, sys.url);
    try {
      const { page } = desk;
      await page.goto("/login.html");
      await page.fill("#username", "handler2");
      await page.fill("#password", "demo12345");
      await page.press("#password", "Enter");
      await expect
        .poll(() => page.textContent("#login-message"))
        .toMatch(/^登录失败次数过多，请 1[0-5] 秒后再试/);
      expect(await page.textContent("#login-message")).toContain("最长 15 分钟");
      await shot(page, "login-throttled");
      await page.click("#lang");
      await page.press("#password", "Enter");
      await expect
        .poll(() => page.textContent("#login-message"))
        .toMatch(/^Too many failed logins: try again in \d+ s\./);
      expect(await page.textContent("#login-message")).toContain("up to 15 minutes");
      await expectNoProblems(desk);
    } finally {
      await desk.context.close();
    }
  });
});
