/**
 * The desk's state and event words come from the server's vocabulary (src/tickets/vocabulary.ts,
 * served as /js/vocabulary.js), in both languages: the list's status filter, a ticket's status,
 * its timeline and its action buttons.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { vocabularyModule } from "../../src/tickets/vocabulary.routes.ts";
import {
  EVENT_LABELS,
  type Lang,
  OPEN_STATES,
  RECORDED_EVENT_LABELS,
  STATE_LABELS,
  TICKET_STATES,
} from "../../src/tickets/vocabulary.ts";
import { createTicket } from "../helpers/fixtures.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import { type Desk, expectNoProblems, launchBrowser, login, openDesk } from "./browser.ts";

let sys: TestSystem;
let browser: Browser;
let desk: Desk;

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem({ workers: false }), launchBrowser()]);
  desk = await openDesk(browser, sys.url);
  await login(desk.page, "agent1");
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

async function statusOptions(page: Page): Promise<Array<[string, string]>> {
  return page.$$eval("select[name=status] option", (options) =>
    options.map((o) => [(o as HTMLOptionElement).value, o.textContent ?? ""] as [string, string]),
  );
}

async function switchTo(page: Page, lang: Lang): Promise<void> {
  const now = await page.evaluate(() => document.documentElement.lang);
  if (now.startsWith(lang)) return;
  await page.click("[data-testid=lang-switch]");
  await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toMatch(new RegExp(`^${lang}`));
}

describe("the desk speaks the server's vocabulary", () => {
  it("the server serves the vocabulary module built from vocabulary.ts", async () => {
    const res = await fetch(`${sys.url}/js/vocabulary.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await res.text()).toBe(vocabularyModule());
  });

  it.each<Lang>(["zh", "en"])(
    "the list's status filter: open states and every state's label (%s)",
    async (lang) => {
      const { page } = desk;
      await page.goto("/index.html#/tickets");
      await switchTo(page, lang);
      await page.waitForSelector("select[name=status]");
      const options = await statusOptions(page);
      // The placeholder, then "open" (the vocabulary's open states), then each state in order.
      expect(options.slice(1).map(([value]) => value)).toEqual([OPEN_STATES.join(","), ...TICKET_STATES]);
      expect(options.slice(2)).toEqual(TICKET_STATES.map((s) => [s, STATE_LABELS[s][lang]]));
      await expectNoProblems(desk);
    },
  );

  it.each<Lang>(["zh", "en"])("a ticket's status, timeline and actions (%s)", async (lang) => {
    const { page } = desk;
    const ticket = await createTicket(await sys.as("agent1"));
    await page.goto(`/index.html#/tickets/${ticket.id}`);
    await switchTo(page, lang);
    await page.waitForSelector(`[data-testid=ticket-detail][data-id="${ticket.id}"]`);
    await expect
      .poll(() => page.textContent(".detail-head [data-testid=status]"))
      .toBe(STATE_LABELS.registered[lang]);
    await expect
      .poll(() => page.textContent("[data-testid=timeline-row][data-type=CREATE] .tl-label"))
      .toBe(RECORDED_EVENT_LABELS.CREATE[lang]);
    expect(ticket.allowedEvents).toContain("DISPATCH");
    for (const type of ["DISPATCH", "ANSWER_DIRECTLY"] as const)
      expect((await page.textContent(`[data-testid=action-${type}]`))?.trim()).toBe(EVENT_LABELS[type][lang]);
    await expectNoProblems(desk);
  });
});
