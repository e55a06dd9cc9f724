/**
 * The login page's ?next= goes only to a path on this site: after logging in, a crafted link
 * (`/login.html?next=%2F%5Cevil.example%2Fx`, which a browser reads as //evil.example/x) must not
 * take the user to another origin. Anything but a same-origin path falls back to the role's home.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import { launchBrowser, openDesk } from "./browser.ts";

let sys: TestSystem;
let browser: Browser;

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem({ workers: false }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

/** Logs in from `/login.html?next=<next>` (raw, already encoded) and returns where the browser lands. */
async function landing(next: string): Promise<string> {
  const desk = await openDesk(browser, sys.url);
  const visited: string[] = [];
  // Whatever other host the page tries to reach answers here, so a redirect there is seen, not a DNS error.
  await desk.context.route(
    (url) => url.hostname !== "127.0.0.1",
    (route) => {
      visited.push(route.request().url());
      return route.fulfill({ status: 200, contentType: "text/html", body: "<h1>evil</h1>" });
    },
  );
  try {
    const { page } = desk;
    await page.goto(`/login.html?next=${next}`);
    await page.fill("#username", "agent1");
    await page.fill("#password", "demo12345");
    await page.press("#password", "Enter");
    await page.waitForURL((u) => !u.pathname.startsWith("/login.html"), { timeout: 10_000 });
    await page.waitForLoadState("domcontentloaded");
    const url = new URL(page.url());
    expect(visited, `requests to other hosts from next=${next}`).toEqual([]);
    return url.origin === new URL(sys.url).origin ? `${url.pathname}${url.hash}` : url.href;
  } finally {
    await desk.context.close();
  }
}

describe("login ?next=", () => {
  it("follows a path on this site", async () => {
    expect(await landing(encodeURIComponent("/index.html#/tickets"))).toBe("/index.html#/tickets");
  });

  for (const next of [
    "%2F%5Cevil.example%2Fx", // /\evil.example/x
    "%2F%2Fevil.example%2Fx", // //evil.example/x
    "%5C%5Cevil.example%2Fx", // \\evil.example/x
    "%2F%09%2Fevil.example%2Fx", // /<TAB>/evil.example/x (tabs are dropped by URL parsing)
    "%2F%5C%2Fevil.example", // /\/evil.example
    "https%3A%2F%2Fevil.example%2Fx",
    "javascript%3Aalert(1)",
    "%2F%2F%2Fevil.example", // ///evil.example
  ]) {
    it(`stays on this site for next=${next}`, async () => {
      const where = await landing(next);
      expect(where.startsWith("/"), where).toBe(true);
      expect(where).not.toContain("evil");
      expect(where.split("#")[0]).toBe("/index.html"); // agent1's home
    });
  }
});
