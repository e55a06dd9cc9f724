/**
 * Issue 12: a session that expires while the user fills in a form loses nothing. The token is
 * revoked server-side (as an expiry, a password change or a disabled account would); submitting
 * shows "登录已过期" over the page, and after the password the same content is sent. A reload
 * keeps the draft too. Screenshots: test/e2e/__screenshots__/session-*.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import { type Desk, expectNoProblems, launchBrowser, login, openDesk, shot } from "./browser.ts";

let sys: TestSystem;
let browser: Browser;
const desks: Desk[] = [];

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem({ workers: false }), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

/** End the page's session on the server: its token is revoked, the next request is a 401. */
async function revokeToken(page: Page): Promise<void> {
  const token = await page.evaluate(() => localStorage.getItem("hotline.token"));
  const res = await fetch(`${sys.url}/api/v1/auth/logout`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(204);
}

/** The re-login dialog is up: a wrong password is refused in place, the right one continues. */
async function reLogin(page: Page, name: string): Promise<void> {
  await page.waitForSelector("[data-testid=reauth-dialog][open]");
  expect(await page.textContent("[data-testid=reauth-dialog] h2")).toBe("登录已过期");
  await shot(page, `session-${name}-expired`);
  await page.fill("#reauth-password", "wrong-password");
  await page.click("[data-testid=reauth-submit]");
  await expect.poll(() => page.textContent("[data-testid=reauth-message]")).toBe("密码错误，请重试");
  await page.fill("#reauth-password", "demo12345");
  await page.click("[data-testid=reauth-submit]");
  await page.waitForSelector("[data-testid=reauth-dialog]", { state: "detached" });
}

describe("session expiry keeps typed work", () => {
  it("an agent's new-ticket form survives a reload and an expired session, and is registered as typed", async () => {
    const desk = await openDesk(browser, sys.url);
    desks.push(desk);
    const { page } = desk;
    await login(page, "agent1");
    await page.waitForSelector("#new-ticket-form");
    await page.fill("#nt-citizenName", "钱先生");
    await page.fill("#nt-citizenPhone", "13811112222");
    await page.fill("#nt-category", "供水问题");
    await page.fill("#nt-title", "小区停水三天");
    await page.fill("#nt-description", "和平里七区停水已三天，无任何通知。");

    await page.reload();
    await page.waitForSelector("#new-ticket-form");
    expect(await page.inputValue("#nt-title")).toBe("小区停水三天");
    expect(await page.inputValue("#nt-description")).toBe("和平里七区停水已三天，无任何通知。");

    await revokeToken(page);
    await page.press("#nt-description", "Control+Enter");
    await reLogin(page, "new-ticket");
    await page.waitForSelector("[data-testid=created-number]");
    const number = ((await page.textContent("[data-testid=created-number]")) ?? "").replace(/\D/g, "");

    const agent = await sys.as("agent2");
    const found = await agent.get<{ items: Array<{ id: number; number: string }> }>(
      `/api/v1/tickets?q=${number}`,
    );
    const id = found.body.items.find((x) => x.number === number)?.id;
    const ticket = (await agent.get(`/api/v1/tickets/${id}`)).body;
    expect(ticket).toMatchObject({
      title: "小区停水三天",
      description: "和平里七区停水已三天，无任何通知。",
      citizenName: "钱先生",
      categoryCode: "water-supply",
    });
    // Registered once, even though the first attempt was refused.
    const all = await agent.get<{ items: unknown[] }>("/api/v1/tickets?q=小区停水三天");
    expect(all.body.items).toHaveLength(1);
  });

  it("a handler's reply survives a reload and an expired session, and is sent as typed", async () => {
    const agent = await sys.as("agent1");
    const departments = await agent.get<{ items: Array<{ id: number; code: string }> }>(
      "/api/v1/departments",
    );
    const dongcheng = departments.body.items.find((d) => d.code === "dongcheng")?.id;
    const created = await agent.post<{ id: number }>("/api/v1/tickets", {
      channel: "phone",
      citizenName: "孙女士",
      citizenPhone: "13922223333",
      categoryCode: "sanitation",
      urgency: "normal",
      title: "楼道垃圾堆放",
      description: "三单元楼道堆满杂物",
    });
    const id = created.body.id;
    expect((await agent.event(id, "DISPATCH", { departmentId: dongcheng })).status).toBe(200);
    expect((await (await sys.as("handler1")).event(id, "SIGN")).status).toBe(200);

    const desk = await openDesk(browser, sys.url);
    desks.push(desk);
    const { page } = desk;
    await login(page, "handler1");
    await page.goto(`/index.html#/tickets/${id}`);
    await page.click("[data-testid=action-REPLY]");
    const form = "[data-testid=event-form-REPLY]";
    await page.fill(`${form} textarea[name=result]`, "已清理楼道杂物，并告知物业加强巡查。");
    await page.selectOption(`${form} select[name=outcome]`, "explained");

    // A reload reopens the reply form with what was typed.
    await page.reload();
    await page.waitForSelector(form);
    expect(await page.inputValue(`${form} textarea[name=result]`)).toBe(
      "已清理楼道杂物，并告知物业加强巡查。",
    );
    expect(await page.inputValue(`${form} select[name=outcome]`)).toBe("explained");

    await revokeToken(page);
    await page.click("[data-testid=submit-REPLY]");
    await reLogin(page, "reply");
    await expect.poll(() => page.textContent(".detail-head [data-testid=status]")).toBe("待审核");
    await shot(page, "session-reply-sent");

    const events = await agent.get<{ items: Array<{ type: string; payload: Record<string, unknown> }> }>(
      `/api/v1/tickets/${id}/events`,
    );
    const reply = events.body.items.find((e) => e.type === "REPLY");
    expect(reply?.payload).toMatchObject({
      result: "已清理楼道杂物，并告知物业加强巡查。",
      outcome: "explained",
    });
    // Sent: the draft is gone, a later visit opens no form.
    await page.reload();
    await page.waitForSelector("[data-testid=ticket-detail]");
    expect(await page.$(form)).toBeNull();
  });

  it("no page errors or untranslated strings", async () => {
    for (const desk of desks) await expectNoProblems(desk);
  });
});
