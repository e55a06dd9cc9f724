/**
 * Issue 11, Open311: an agent publishes a phone call's ticket from the desk with a summary
 * written for the public; Open311's public read then shows that summary and nothing of the call.
 * Screenshot: test/e2e/__screenshots__/open311-publish.png.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket } from "../helpers/fixtures.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import { expectNoProblems, launchBrowser, login, openDesk, shot } from "./browser.ts";

let sys: TestSystem;
let browser: Browser;
beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem({ workers: false }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

describe("publishing on Open311 from the desk", () => {
  it("an agent publishes a ticket with a summary; the public read shows the summary only", async () => {
    const api = await sys.as("agent1");
    const t = await createTicket(api, {
      citizenName: "周先生",
      citizenPhone: "13611112222",
      description: "周先生来电：家门口（幸福里5号）井盖缺失",
    });
    const publicRead = () => fetch(`${sys.url}/open311/v2/requests/${t.number}.json`);
    expect((await publicRead()).status).toBe(404);

    const desk = await openDesk(browser, sys.url);
    const page = desk.page;
    await login(page, "agent1");
    await page.goto(`/index.html#/tickets/${t.id}`);
    await page.waitForSelector(`[data-testid=ticket-detail][data-id="${t.id}"]`);
    await page.click("[data-testid=action-PUBLISH]");
    const form = "[data-testid=event-form-PUBLISH]";
    await page.waitForSelector(form);
    await page.check(`${form} input[name=public][value=true]`);

    // Without a summary the server refuses (a call's own text is never shown) and says why.
    await page.click("[data-testid=submit-PUBLISH]");
    await expect.poll(() => page.textContent(`${form} .form-message`)).not.toBe("");
    expect((await publicRead()).status).toBe(404);

    await page.fill(`${form} textarea[name=summary]`, "幸福里路段井盖缺失");
    await page.click("[data-testid=submit-PUBLISH]");
    await page.waitForSelector("[data-testid=timeline-row][data-type=PUBLISH]");
    await expect.poll(() => page.textContent("[data-testid=ticket-detail]")).toContain("幸福里路段井盖缺失");
    await shot(page, "open311-publish");

    const res = await publicRead();
    expect(res.status).toBe(200);
    const body = JSON.stringify(await res.json());
    expect(body).toContain("幸福里路段井盖缺失");
    for (const secret of ["周先生", "13611112222", "幸福里5号"]) expect(body).not.toContain(secret);
    await expectNoProblems(desk);
    await desk.context.close();
  });
});
