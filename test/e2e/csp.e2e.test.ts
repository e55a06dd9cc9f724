/**
 * The Content-Security-Policy (src/http/guards.ts) lets every page do its work: the login page,
 * the desk, the dashboard (Chart.js from /vendor, the SSE stream) and /docs (Swagger UI served by
 * the app from swagger-ui-dist, started by /docs/init.js). Any violation is a failure.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import { type Desk, expectNoProblems, launchBrowser, login, openDesk, shot } from "./browser.ts";

let sys: TestSystem;
let browser: Browser;

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem({ workers: false }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

/** Records CSP violations the page reports (in addition to console errors caught by openDesk). */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener("securitypolicyviolation", (e) =>
      seen.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return () => page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
}

async function deskWithWatch(): Promise<[Desk, () => Promise<string[]>]> {
  const desk = await openDesk(browser, sys.url);
  return [desk, await watchViolations(desk.page)];
}

describe("Content-Security-Policy", () => {
  it("the login page, the desk and the dashboard run without a violation", async () => {
    const [desk, violations] = await deskWithWatch();
    try {
      const { page } = desk;
      await login(page, "manager1");
      await page.waitForSelector("canvas");
      expect(await violations()).toEqual([]);
      await page.goto("/index.html");
      await page.waitForLoadState("networkidle");
      expect(await violations()).toEqual([]);
      await expectNoProblems(desk);
    } finally {
      await desk.context.close();
    }
  });

  it("/docs renders Swagger UI with every request outside the app's origin blocked", async () => {
    const [desk, violations] = await deskWithWatch();
    const outside: string[] = [];
    const origin = new URL(sys.url).origin;
    await desk.context.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("data:") || new URL(url).origin === origin) return route.continue();
      outside.push(url);
      return route.abort("internetdisconnected");
    });
    try {
      const { page } = desk;
      await page.goto("/docs");
      await page.waitForSelector(".opblock-summary-path", { timeout: 15_000 });
      const paths = await page.$$eval(".opblock-summary-path", (els) => els.map((e) => e.textContent));
      expect(paths.length).toBeGreaterThan(20);
      expect(paths).toContain("/api/v1/tickets");
      expect(await page.textContent(".info .title")).toContain("12345 Hotline API");
      await shot(page, "docs-offline");
      expect(outside).toEqual([]);
      expect(await violations()).toEqual([]);
      await expectNoProblems(desk);
    } finally {
      await desk.context.close();
    }
  });

  it("an inline script injected into a page is refused", async () => {
    const [desk, violations] = await deskWithWatch();
    try {
      const { page } = desk;
      await page.goto("/login.html");
      await page.evaluate(() => {
        const s = document.createElement("script");
        s.textContent = "window.__injected = true";
        document.body.append(s);
      });
      expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBe(
        undefined,
      );
      expect((await violations()).join()).toContain("script-src");
    } finally {
      await desk.context.close();
    }
  });
});
