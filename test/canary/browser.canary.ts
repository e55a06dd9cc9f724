import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { launchBrowser } from "../e2e/browser.ts";

/** The browser canary: a real page in the real Chromium, with an expectation that must fail. */
let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

it("fails on purpose in Chromium", async () => {
  const page = await browser.newPage();
  await page.setContent("<title>canary</title>");
  expect(await page.title()).toBe("not the canary");
});
