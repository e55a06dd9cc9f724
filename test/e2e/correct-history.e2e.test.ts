/**
 * Issue 12: an agent corrects a registered ticket from its page (its own timeline entry, what
 * changed from → to), and an imported history's timeline shows labels and centre times, never
 * raw keys (dueAt, signBy, kind, …) or UTC ISO times.
 * Screenshots: test/e2e/__screenshots__/correct-*.png, history-*.png.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket } from "../helpers/fixtures.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import {
  type Desk,
  expectNoProblems,
  launchBrowser,
  login,
  openDesk,
  selectByText,
  shot,
} from "./browser.ts";

let sys: TestSystem;
let browser: Browser;
let desk: Desk;

beforeAll(async () => {
  [sys, browser] = await Promise.all([
    startTestSystem({ env: { HOTLINE_TIMER_RECONCILE_SECONDS: "1" } }),
    launchBrowser(),
  ]);
  desk = await openDesk(browser, sys.url);
  await login(desk.page, "agent1");
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

const RAW =
  /\b(dueAt|signBy|firstResponseBy|callbackBy|kind|deadlineVersion|departmentCode)\b|\d{4}-\d{2}-\d{2}T\d{2}/;

describe("correcting a ticket and reading an imported history", () => {
  it("an agent corrects a registered ticket; the timeline records what changed", async () => {
    const agent = await sys.as("agent1");
    const t = await createTicket(agent, {
      title: "噪音扰民",
      categoryCode: "noise",
      citizenPhone: "13800001111",
    });
    const { page } = desk;
    await page.goto(`/index.html#/tickets/${t.id}`);
    await page.click("[data-testid=action-CORRECT]");
    const form = "[data-testid=event-form-CORRECT]";
    await page.waitForSelector(form);
    expect(await page.inputValue(`${form} input[name=title]`)).toBe("噪音扰民");
    await page.fill(`${form} input[name=title]`, "小区停水");
    await page.fill(`${form} input[name=citizenPhone]`, "13900002222");
    await selectByText(page, `${form} select[name=categoryCode]`, "供水问题");
    await selectByText(page, `${form} select[name=area]`, "西城区");
    await shot(page, "correct-form");
    await page.click("[data-testid=submit-CORRECT]");
    const row = "[data-testid=timeline-row][data-type=CORRECT]";
    await page.waitForSelector(row);
    const text = (await page.textContent(row)) ?? "";
    expect(text).toContain("更正信息");
    expect(text).toContain("噪音扰民 → 小区停水");
    expect(text).toContain("诉求类别噪声扰民 → 供水问题");
    expect(text).toContain("138****1111 → 139****2222");
    expect(text).not.toMatch(RAW);
    expect(await page.textContent("h1")).toContain("小区停水");
    await shot(page, "correct-timeline");
  });

  it("an imported history's timeline has no raw keys or UTC times", async () => {
    const admin = await sys.as("admin");
    const day = (h: number) => new Date(Date.now() - 3 * 86_400_000 + h * 3_600_000).toISOString();
    const line = {
      externalRef: "SRC-2026-0001",
      channel: "upstream",
      citizenName: "钱女士",
      citizenPhone: "13611112222",
      area: "dongcheng",
      categoryCode: "sanitation",
      urgency: "normal",
      title: "垃圾清运不及时（上级转来）",
      description: "小区垃圾三天未清运",
      createdAt: day(0),
      events: [
        {
          type: "DISPATCH",
          at: day(0.1),
          actorRole: "agent",
          payload: { departmentCode: "dongcheng", signBy: day(2), firstResponseBy: day(4), dueAt: day(24) },
        },
        { type: "SIGN", at: day(1), actorRole: "handler", payload: {} },
      ],
    };
    const res = await fetch(`${sys.url}/api/v1/import/tickets`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin.token}`, "content-type": "application/x-ndjson" },
      body: `${JSON.stringify(line)}\n`,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { imported: number }).imported).toBe(1);
    const found = await admin.get<{ items: Array<{ id: number }> }>(
      `/api/v1/tickets?q=${encodeURIComponent("上级转来")}`,
    );
    const id = found.body.items[0]?.id;
    // Its resolution deadline passed two days ago: the reconciliation applies the due timers.
    await expect
      .poll(
        async () =>
          (
            await admin.get<{ items: Array<{ type: string }> }>(`/api/v1/tickets/${id}/events`)
          ).body.items.map((e) => e.type),
        { timeout: 20_000 },
      )
      .toContain("RESOLVE_OVERDUE");
    const { page } = desk;
    await page.goto(`/index.html#/tickets/${id}`);
    await page.waitForSelector("[data-testid=timeline-row][data-type=RESOLVE_OVERDUE]");
    const rows = await page.$$eval("[data-testid=timeline-row]", (els) =>
      els.map((e) => e.textContent ?? ""),
    );
    for (const r of rows) expect(r).not.toMatch(RAW);
    const dispatch = rows.find((r) => r.includes("派单")) ?? "";
    expect(dispatch).toContain("签收时限");
    expect(dispatch).toContain("办结时限");
    expect(dispatch).toContain("东城区");
    const overdue = (await page.textContent("[data-testid=timeline-row][data-type=RESOLVE_OVERDUE]")) ?? "";
    expect(overdue).toContain("办结时限");
    await shot(page, "history-timeline");
  });

  it("no page errors or untranslated strings", async () => {
    await expectNoProblems(desk);
  });
});
