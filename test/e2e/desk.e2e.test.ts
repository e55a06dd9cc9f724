/**
 * Issue 5, the ticket desk: one ticket's whole life through the UI only, with every role at
 * its own browser. Screenshots of each screen go to test/e2e/__screenshots__/desk-*.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";
import {
  type Desk,
  expectNoProblems,
  focusedName,
  launchBrowser,
  login,
  openDesk,
  selectByText,
  shot,
} from "./browser.ts";

let sys: TestSystem;
let browser: Browser;
const desks = new Map<string, Desk>();

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

/** Each user at their own browser, logged in once through the login form. */
async function deskOf(username: string): Promise<Page> {
  let desk = desks.get(username);
  if (!desk) {
    desk = await openDesk(browser, sys.url);
    await login(desk.page, username);
    desks.set(username, desk);
  }
  return desk.page;
}

async function openTicket(page: Page, id: number): Promise<void> {
  const target = `/index.html#/tickets/${id}`;
  // Same hash: no hashchange, so reload to see the ticket as it is now.
  if (page.url().endsWith(target)) await page.reload();
  else await page.goto(target);
  await page.waitForSelector(`[data-testid=ticket-detail][data-id="${id}"]`);
}

async function expectStatus(page: Page, label: string): Promise<void> {
  await expect
    .poll(() => page.textContent(".detail-head [data-testid=status]"), { timeout: 10_000 })
    .toBe(label);
}

/** Click the action, fill its inline form with `fill`, submit, and wait for the new status. */
async function act(
  page: Page,
  type: string,
  status: string,
  fill?: (form: string) => Promise<void>,
): Promise<void> {
  await page.click(`[data-testid=action-${type}]`);
  const form = `[data-testid=event-form-${type}]`;
  await page.waitForSelector(form);
  await fill?.(form);
  await page.click(`[data-testid=submit-${type}]`);
  await expectStatus(page, status);
}

async function timelineTypes(page: Page): Promise<string[]> {
  return page.$$eval("[data-testid=timeline-row]", (rows) =>
    rows.map((r) => (r as HTMLElement).dataset.type ?? ""),
  );
}

describe("ticket desk", () => {
  let ticketId = 0;
  let ticketNumber = "";

  it("the login page sends each role to its home", async () => {
    const visitor = await openDesk(browser, sys.url);
    await visitor.page.goto("/index.html#/queue/work");
    await visitor.page.waitForURL(/login\.html\?next=/); // not logged in: to the login page, and back after
    await visitor.page.fill("#username", "handler1");
    await visitor.page.fill("#password", "wrong-password");
    await visitor.page.press("#password", "Enter");
    await expect.poll(() => visitor.page.textContent("#login-message")).toBe("用户名或密码错误");
    await shot(visitor.page, "desk-login");
    await visitor.page.fill("#password", "demo12345");
    await visitor.page.press("#password", "Enter");
    await visitor.page.waitForURL(/index\.html#\/queue\/work$/);
    await visitor.context.close();
  });

  it("an agent registers a ticket from the keyboard and dispatches it on the spot", async () => {
    const page = await deskOf("agent1");
    await page.waitForSelector("#new-ticket-form");
    expect(page.url()).toMatch(/index\.html#\/new$/);
    await shot(page, "desk-new-ticket");

    // Nothing filled in: Ctrl+Enter shows "必填" next to the required fields, no request made.
    await page.keyboard.press("Control+Enter");
    await expect.poll(() => page.textContent("#nt-citizenName-error")).toBe("必填");

    /*
     * The agent's steps to create and dispatch (each a typing burst, a pick or a key chord):
     *   1 type caller name            (3 chars)        "王先生"
     *   2 Tab, type phone             (11 digits)      "13912345678"
     *   3 Tab Tab, pick area          (select)         东城区
     *   4 Tab, type address           (~8 chars)
     *   5 Tab, type category          (4 chars + pick from the datalist)
     *   6 Tab Tab Tab, type title     (~8 chars)       urgency and channel keep their defaults
     *   7 Tab, type description       (~25 chars)
     *   8 Ctrl+Enter                  registers the ticket; focus lands on the lead unit
     *   9 pick the lead unit          (only when overriding the catalogue's suggestion)
     *  10 Ctrl+Enter                  dispatches
     * 10 step groups, about 60 characters typed: 20–25 s for a practised agent, under 30 s.
     * With the catalogue's suggestion accepted it is 9 steps.
     */
    await page.focus("#nt-citizenName");
    await page.keyboard.type("王先生");
    await page.keyboard.press("Tab");
    expect(await focusedName(page)).toBe("citizenPhone");
    await page.keyboard.type("13912345678");
    await page.keyboard.press("Tab");
    expect(await focusedName(page)).toBe("confidential");
    await page.keyboard.press("Tab");
    expect(await focusedName(page)).toBe("area");
    await selectByText(page, "select[name=area]", "东城区");
    await page.keyboard.press("Tab");
    expect(await focusedName(page)).toBe("address");
    await page.keyboard.type("和平里东街12号");
    await page.keyboard.press("Tab");
    expect(await focusedName(page)).toBe("categoryCode");
    await page.keyboard.type("噪声扰民");
    await expect.poll(() => page.textContent("[data-testid=suggestion]")).toContain("市生态环境局");
    await page.keyboard.press("Tab");
    expect(await focusedName(page)).toBe("urgency");
    await page.keyboard.press("Tab");
    expect(await focusedName(page)).toBe("channel");
    await page.keyboard.press("Tab");
    expect(await focusedName(page)).toBe("title");
    await page.keyboard.type("夜间施工噪声扰民");
    await page.keyboard.press("Tab");
    expect(await focusedName(page)).toBe("description");
    await page.keyboard.type("小区旁工地每晚十一点后仍在施工，影响休息，请尽快处理。");
    await page.keyboard.press("Control+Enter");

    await page.waitForSelector("[data-testid=created-number]");
    ticketNumber = ((await page.textContent("[data-testid=created-number]")) ?? "").replace(/\D/g, "");
    expect(ticketNumber).toMatch(/^\d{8,}$/);
    // The dispatch form has focus on the lead unit, preselected from the dispatch catalogue.
    expect(await focusedName(page)).toBe("departmentId");
    const suggested = await page.$eval("[data-testid=event-form-DISPATCH] select[name=departmentId]", (s) =>
      (s as HTMLSelectElement).selectedOptions[0]?.text.trim(),
    );
    expect(suggested).toBe("市生态环境局");
    await selectByText(page, "[data-testid=event-form-DISPATCH] select[name=departmentId]", "东城区");
    await shot(page, "desk-dispatch");
    await page.keyboard.press("Control+Enter");

    await page.waitForSelector("[data-testid=create-done]");
    expect(await page.textContent("[data-testid=create-done]")).toContain(`已派至 东城区`);
    const href = await page.getAttribute("[data-testid=create-done] a", "href");
    ticketId = Number(href?.split("/").pop());
    expect(ticketId).toBeGreaterThan(0);
    await shot(page, "desk-dispatched");

    // The duplicate hint: a second call from the same number shows the open ticket.
    await page.click("[data-testid=next-call]");
    await page.fill("#nt-citizenPhone", "13912345678");
    await page.waitForSelector("[data-testid=duplicates] a");
    expect(await page.textContent("[data-testid=duplicates]")).toContain(ticketNumber);
    await shot(page, "desk-duplicate-hint");

    await openTicket(page, ticketId);
    await expectStatus(page, "待签收");
    expect(await timelineTypes(page)).toEqual(["CREATE", "DISPATCH"]);
    await shot(page, "desk-detail-agent");
  });

  it("a stale version and a refused action are explained in words", async () => {
    const page = await deskOf("agent1");
    await openTicket(page, ticketId);
    await page.click("[data-testid=action-URGE]");
    await page.fill("[data-testid=event-form-URGE] textarea[name=note]", "请尽快签收");
    // Meanwhile a colleague comments on the ticket: the version the page holds is stale.
    const colleague = await sys.as("agent2");
    expect((await colleague.event(ticketId, "COMMENT", { note: "市民再次来电" })).status).toBe(200);
    await page.click("[data-testid=submit-URGE]");
    await expect
      .poll(() => page.textContent("[data-testid=event-form-URGE] .form-message"))
      .toContain("工单已被他人更新，请刷新");
    await shot(page, "desk-stale-version");
    await page.click("[data-testid=event-form-URGE] .form-message button");
    await page.waitForSelector("[data-testid=timeline-row][data-type=COMMENT]");
  });

  it("handler2 (西城区) neither sees the ticket in its queue nor can open it", async () => {
    const page = await deskOf("handler2");
    expect(page.url()).toMatch(/#\/queue\/work$/);
    await page.waitForSelector("[data-testid=ticket-table]");
    await page.waitForFunction(() => document.querySelector(".list-status")?.textContent !== "加载中…");
    expect(await page.$(`[data-testid=ticket-row][data-id="${ticketId}"]`)).toBeNull();
    await page.goto(`/index.html#/tickets/${ticketId}`);
    await page.waitForSelector("[data-testid=not-found]");
    expect(await page.textContent("[data-testid=not-found]")).toBe("工单不存在，或不在您的权限范围内");
    await shot(page, "desk-handler2-not-found");
  });

  it("handler1 signs and replies; reviewer1 approves; a dissatisfied callback reopens it", async () => {
    const handler = await deskOf("handler1");
    expect(handler.url()).toMatch(/#\/queue\/work$/);
    const row = `[data-testid=ticket-row][data-id="${ticketId}"]`;
    await handler.waitForSelector(row);
    expect(await handler.getAttribute(`${row} [data-testid=light]`, "data-light")).toBe("normal");
    await handler.click("[data-testid=queue-toSign]");
    await handler.waitForSelector(row);
    await shot(handler, "desk-handler-queue");
    await handler.click(`${row} td:nth-child(2) a`);
    await handler.waitForSelector(`[data-testid=ticket-detail][data-id="${ticketId}"]`);
    await expectStatus(handler, "待签收");
    // Exactly the allowed events are offered.
    const offered = await handler.$$eval("[data-testid=actions] button", (bs) =>
      bs.map((b) => (b as HTMLElement).dataset.event),
    );
    expect(offered).toContain("SIGN");
    expect(offered).not.toContain("REPLY");
    await act(handler, "SIGN", "办理中");
    await act(handler, "REPLY", "待审核", async (form) => {
      await handler.fill(`${form} textarea[name=result]`, "已协调施工方停止夜间施工");
      await handler.selectOption(`${form} select[name=outcome]`, "resolved");
      await shot(handler, "desk-handler-reply");
    });

    const reviewer = await deskOf("reviewer1");
    expect(reviewer.url()).toMatch(/#\/queue\/review$/);
    await reviewer.waitForSelector(row);
    await shot(reviewer, "desk-reviewer-queue");
    await openTicket(reviewer, ticketId);
    await act(reviewer, "APPROVE_REPLY", "待回访");

    const agent = await deskOf("agent1");
    await agent.goto("/index.html#/queue/callback");
    await agent.waitForSelector(row);
    await openTicket(agent, ticketId);
    await act(agent, "CALLBACK", "办理中", async (form) => {
      await agent.check(`${form} input[name=rating][value=dissatisfied]`);
      await agent.check(`${form} input[name=resolved][value=false]`);
      await agent.check(`${form} input[name=contacted][value=true]`);
      await agent.fill(`${form} textarea[name=note]`, "夜间仍有施工噪声");
      await shot(agent, "desk-callback");
    });
  });

  it("the reopened ticket is redone, approved, and a satisfied callback closes it", async () => {
    const row = `[data-testid=ticket-row][data-id="${ticketId}"]`;
    const handler = await deskOf("handler1");
    await handler.goto("/index.html#/queue/reopened");
    await handler.waitForSelector(row);
    await openTicket(handler, ticketId);
    await act(handler, "REPLY", "待审核", async (form) => {
      await handler.fill(`${form} textarea[name=result]`, "已再次核查并依法处罚施工方");
    });

    const reviewer = await deskOf("reviewer1");
    await openTicket(reviewer, ticketId);
    await act(reviewer, "APPROVE_REPLY", "待回访");

    const agent = await deskOf("agent1");
    await openTicket(agent, ticketId);
    await act(agent, "CALLBACK", "已办结", async (form) => {
      await agent.check(`${form} input[name=rating][value=satisfied]`);
      await agent.check(`${form} input[name=resolved][value=true]`);
      await agent.check(`${form} input[name=contacted][value=true]`);
    });
    expect(await timelineTypes(agent)).toEqual([
      "CREATE",
      "DISPATCH",
      "COMMENT",
      "SIGN",
      "REPLY",
      "APPROVE_REPLY",
      "CALLBACK",
      "REPLY",
      "APPROVE_REPLY",
      "CALLBACK",
    ]);
    const labels = await agent.$$eval("[data-testid=timeline-row] .tl-label", (els) =>
      els.map((e) => e.textContent),
    );
    expect(labels).toEqual([
      "受理登记",
      "派单",
      "备注",
      "签收",
      "办理答复",
      "审核通过",
      "回访",
      "办理答复",
      "审核通过",
      "回访",
    ]);
    const rows = await agent.$$eval("[data-testid=timeline-row]", (els) =>
      els.map((e) => e.textContent ?? ""),
    );
    expect(rows[3]).toContain("东城区 陈静"); // the handler who signed, by name
    expect(rows[6]).toContain("不满意");
    expect(rows[6]).toContain("夜间仍有施工噪声");
    expect(rows[9]).toContain("满意");
    expect(await agent.textContent("[data-field=reopenCount] dd")).toBe("1");
    expect(await agent.$$("[data-testid=actions] button")).not.toHaveLength(0); // REOPEN, COMMENT remain
    await shot(agent, "desk-closed");

    // The same screen in English.
    await agent.click("[data-testid=lang-switch]");
    await expectStatus(agent, "Closed");
    expect(await agent.textContent("[data-testid=timeline-row][data-type=SIGN] .tl-label")).toBe("Sign");
    await shot(agent, "desk-closed-en");
    await agent.click("[data-testid=lang-switch]");
    await expectStatus(agent, "已办结");
  });

  it("the list view filters and pages with load more", async () => {
    const agent = await deskOf("agent1");
    const api = await sys.as("agent1");
    for (let i = 0; i < 3; i++) {
      const res = await api.post("/api/v1/tickets", {
        channel: "phone",
        citizenName: "李女士",
        citizenPhone: "13700000000",
        categoryCode: "water-supply",
        urgency: "urgent",
        title: `停水 ${i}`,
        description: "整栋楼停水",
      });
      expect(res.status).toBe(201);
    }
    await agent.goto("/index.html#/tickets?urgency=urgent");
    await agent.waitForSelector("[data-testid=ticket-row]");
    expect(await agent.$$("[data-testid=ticket-row]")).toHaveLength(3);
    // Cursor paging: two at a time, "load more" until the four tickets are all there.
    await agent.goto("/index.html#/tickets?limit=2");
    await expect.poll(() => agent.$$eval("[data-testid=ticket-row]", (r) => r.length)).toBe(2);
    await agent.click("[data-testid=load-more]");
    await expect.poll(() => agent.$$eval("[data-testid=ticket-row]", (r) => r.length)).toBe(4);
    expect(await agent.isVisible("[data-testid=load-more]")).toBe(false);
    await agent.goto("/index.html#/tickets");
    await agent.waitForSelector("[data-testid=ticket-row]");
    await agent.selectOption("select[name=status]", "closed");
    await agent.click(".filters button[type=submit]");
    await expect
      .poll(() => agent.$$eval("[data-testid=ticket-row]", (r) => r.length), { timeout: 10_000 })
      .toBe(1);
    await shot(agent, "desk-list");
  });

  it("a rejected reply lands in 退回重办; an extension goes through the reviewer's queue", async () => {
    const api = await sys.as("agent1");
    const created = await api.post<{ id: number }>("/api/v1/tickets", {
      channel: "phone",
      citizenName: "赵女士",
      citizenPhone: "13600000000",
      categoryCode: "sanitation",
      urgency: "normal",
      title: "垃圾清运不及时",
      description: "小区垃圾三天未清运",
    });
    const id = created.body.id;
    const dongcheng = (
      await api.get<{ items: Array<{ id: number; code: string }> }>("/api/v1/departments")
    ).body.items.find((d) => d.code === "dongcheng")?.id;
    const handlerApi = await sys.as("handler1");
    expect((await api.event(id, "DISPATCH", { departmentId: dongcheng })).status).toBe(200);
    expect((await handlerApi.event(id, "SIGN")).status).toBe(200);
    expect((await handlerApi.event(id, "REPLY", { result: "已清运", outcome: "resolved" })).status).toBe(200);

    const reviewer = await deskOf("reviewer1");
    await openTicket(reviewer, id);
    await act(reviewer, "REJECT_REPLY", "办理中", async (form) => {
      await reviewer.fill(`${form} textarea[name=reason]`, "未附清运照片，请补充");
    });

    const handler = await deskOf("handler1");
    const row = `[data-testid=ticket-row][data-id="${id}"]`;
    await handler.goto("/index.html#/queue/redo");
    await handler.waitForSelector(row);
    await openTicket(handler, id);
    // Request an extension: the form proposes a time; a reason is required.
    await handler.click("[data-testid=action-REQUEST_EXTENSION]");
    await handler.click("[data-testid=submit-REQUEST_EXTENSION]");
    await expect
      .poll(() =>
        handler.textContent("[data-testid=event-form-REQUEST_EXTENSION] [data-field=reason] .field-error"),
      )
      .toBe("必填");
    await handler.fill(
      "[data-testid=event-form-REQUEST_EXTENSION] textarea[name=reason]",
      "需协调环卫公司增派车辆",
    );
    await shot(handler, "desk-extension-request");
    await handler.click("[data-testid=submit-REQUEST_EXTENSION]");
    await handler.waitForSelector("[data-testid=timeline-row][data-type=REQUEST_EXTENSION]");

    await reviewer.goto("/index.html#/queue/extensions");
    await reviewer.waitForSelector(row);
    await openTicket(reviewer, id);
    expect(await reviewer.textContent("[data-field=pendingExtension] dd")).toContain(
      "需协调环卫公司增派车辆",
    );
    await reviewer.click("[data-testid=action-APPROVE_EXTENSION]");
    await reviewer.click("[data-testid=submit-APPROVE_EXTENSION]");
    await reviewer.waitForSelector("[data-testid=timeline-row][data-type=APPROVE_EXTENSION]");
    expect(await reviewer.textContent("[data-field=approvedExtensions] dd")).toBe("1");
  });

  it("validation errors from the server show next to the fields", async () => {
    const agent = await deskOf("agent1");
    await agent.goto("/index.html#/new");
    await agent.waitForSelector("#new-ticket-form");
    await agent.fill("#nt-citizenName", "张先生");
    await agent.fill("#nt-citizenPhone", "12");
    await agent.fill("#nt-category", "供水问题");
    await agent.fill("#nt-title", "水压低");
    await agent.fill("#nt-description", "高层水压不足");
    await agent.press("#nt-description", "Control+Enter");
    await expect.poll(() => agent.textContent("#nt-citizenPhone-error")).toBe("电话号码格式不正确");
    expect(await agent.getAttribute("#nt-citizenPhone", "aria-invalid")).toBe("true");
    await shot(agent, "desk-validation");
  });

  it("no page errors, console errors or untranslated strings on any screen", async () => {
    for (const desk of desks.values()) await expectNoProblems(desk);
  });
});
