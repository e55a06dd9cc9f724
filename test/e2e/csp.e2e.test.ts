/**
 * The Content-Security-Policy (src/http/guards.ts) lets every page do its work: the login page,
 * the desk, the dashboard (Chart.js from /vendor, the SSE stream) and /docs (Swagger UI from
 * jsDelivr, started by /docs/init.js). Any violation is a failure. The CDN is not reachable from
 * the test machine, so its files are answered here by a stand-in that renders the spec's title.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import { type Desk, expectNoProblems, launchBrowser, login, openDesk } from "./browser.ts";

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

  it("/docs starts Swagger UI from its own script file, the bundle from the CDN", async () => {
    const [desk, violations] = await deskWithWatch();
    const cdn: string[] = [];
    await desk.context.route("https://cdn.jsdelivr.net/**", (route) => {
      const url = route.request().url();
      cdn.push(url);
      if (url.endsWith(".css")) return route.fulfill({ contentType: "text/css", body: "#swagger-ui{}" });
      return route.fulfill({
        contentType: "text/javascript",
        body: `window.SwaggerUIBundle = (cfg) => fetch(cfg.url).then((r) => r.json()).then((d) => {
          document.querySelector(cfg.dom_id).textContent = d.info.title;
        });`,
      });
    });
    try {
      const { page } = desk;
      await page.goto("/docs");
      await expect.poll(() => page.textContent("#swagger-ui")).toBe("12345 Hotline API");
      expect(cdn.some((u) => u.endsWith("swagger-ui-bundle.js"))).toBe(true);
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
