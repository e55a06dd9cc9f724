/**
 * Issue 12, the admin screens (web/js/desk/admin/): an admin adds a user who can then log in,
 * sees the department tree with the hotline centre marked as handling no tickets, sets a
 * dispatch catalogue entry, adds a holiday and sees the SLA deadline preview move by a working
 * day. Screenshots of every screen: test/e2e/__screenshots__/admin-*.png.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_PASSWORD, ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";
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
let page: Page;

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem({ workers: false }), launchBrowser()]);
  desk = await openDesk(browser, sys.url);
  page = desk.page;
  page.on("dialog", (d) => d.accept());
  await login(page, "admin", ADMIN_PASSWORD);
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

async function open(section: string, query = ""): Promise<void> {
  await page.goto(`/index.html#/admin/${section}${query}`);
  await page.waitForSelector(`[data-testid=admin-${section}].active`);
}

/** The preview's resolution deadline, e.g. "2026-12-16 10:00 周三". */
async function resolvePreview(): Promise<string> {
  const dd = page.locator("[data-testid=sla-preview] dd[data-stage=resolveWithin]");
  await dd.waitFor();
  return (await dd.textContent()) ?? "";
}

describe("admin screens", () => {
  it("the desk's toolbar leads an admin to administration; other roles have no such link", async () => {
    await page.goto("/index.html#/tickets");
    await page.click("[data-testid=tool-admin]");
    await page.waitForSelector("[data-testid=users-table] tbody tr");
    const agent = await openDesk(browser, sys.url);
    try {
      await login(agent.page, "agent1");
      await agent.page.waitForSelector("[data-testid=tool-new]");
      expect(await agent.page.$("[data-testid=tool-admin]")).toBeNull();
      await agent.page.goto("/index.html#/admin/users");
      await expect.poll(() => agent.page.textContent("#view")).toContain("您没有权限");
    } finally {
      await agent.context.close();
    }
  });

  it("users: create one who can log in, change the role, disable, reset the password", async () => {
    await open("users");
    await page.fill("[data-testid=user-create] [name=username]", "agent9");
    await page.fill("[data-testid=user-create] [name=displayName]", "周洁");
    await page.selectOption("[data-testid=user-create] [name=role]", "agent");
    await selectByText(page, "[data-testid=user-create] [name=departmentId]", "市12345热线中心");
    await page.fill("[data-testid=user-create] [name=password]", "agent9-start");
    await page.click("[data-testid=user-create] button[type=submit]");
    const row = page.locator("tr[data-username=agent9]");
    await row.waitFor();
    expect(await row.textContent()).toContain("周洁");
    expect(await row.textContent()).toContain("话务员");
    expect(await row.textContent()).toContain("市12345热线中心");
    expect(
      (
        await new ApiClient(sys.url, null).post("/api/v1/auth/login", {
          username: "agent9",
          password: "agent9-start",
        })
      ).status,
    ).toBe(200);

    // A weak password is refused next to its field.
    await page.fill("[data-testid=user-create] [name=username]", "weak1");
    await page.fill("[data-testid=user-create] [name=displayName]", "弱");
    await page.fill("[data-testid=user-create] [name=password]", "short");
    await page.click("[data-testid=user-create] button[type=submit]");
    await page.waitForSelector("[data-testid=user-create] [name=password][aria-invalid=true]");
    expect(await page.textContent("[data-testid=user-create] [data-field=password] .field-error")).toBe(
      "内容过短",
    );

    // Role: agent → reviewer.
    await row.getByRole("button", { name: "编辑" }).click();
    const editing = page.locator("tr.editing[data-username=agent9]");
    await editing.locator("[name=role]").selectOption("reviewer");
    await editing.getByRole("button", { name: "保存" }).click();
    await expect.poll(() => row.textContent()).toContain("审核员");

    await row.locator("[data-testid=user-toggle]").click();
    await expect.poll(() => row.textContent()).toContain("已停用");
    expect(
      (
        await new ApiClient(sys.url, null).post("/api/v1/auth/login", {
          username: "agent9",
          password: "agent9-start",
        })
      ).status,
    ).toBe(401);
    await row.locator("[data-testid=user-toggle]").click();
    await expect.poll(() => row.textContent()).not.toContain("已停用");

    await row.getByRole("button", { name: "重置密码" }).click();
    const generated = (await page.locator("[data-testid=new-password]").textContent()) ?? "";
    expect(generated.length).toBeGreaterThanOrEqual(8);
    expect(
      (
        await new ApiClient(sys.url, null).post("/api/v1/auth/login", {
          username: "agent9",
          password: generated,
        })
      ).status,
    ).toBe(200);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, "admin-users");
  });

  it("departments: a tree, the hotline centre marked as handling no tickets; add a unit below a district and rename it", async () => {
    await open("departments");
    const hotline = page.locator("li[data-code=hotline] > .dept-node");
    await hotline.waitFor();
    expect(await hotline.locator("[data-testid=no-tickets]").textContent()).toBe("不承办工单");
    expect(await page.locator("li[data-code=dongcheng] > .dept-node [data-testid=no-tickets]").count()).toBe(
      0,
    );
    // Streets sit inside their district's list.
    expect(await page.locator("li[data-code=dongcheng] li[data-code=dc-hepingli]").count()).toBe(1);

    await page
      .locator("li[data-code=dongcheng] > .dept-node")
      .getByRole("button", { name: "添加下级" })
      .click();
    const create = page.locator("[data-testid=dept-create]");
    await create.locator("[name=name]").fill("东直门街道");
    await create.locator("[name=code]").fill("dc-dongzhimen");
    await create.locator("[name=nameEn]").fill("Dongzhimen Street");
    await create.locator("button[type=submit]").click();
    const added = page.locator("li[data-code=dongcheng] li[data-code=dc-dongzhimen] > .dept-node");
    await added.waitFor();
    await added.getByRole("button", { name: "编辑" }).click();
    const edit = page.locator("[data-testid=dept-edit]");
    await edit.locator("[name=name]").fill("东直门街道办事处");
    await edit.locator("button[type=submit]").click();
    await expect.poll(() => added.locator(".dept-name").textContent()).toBe("东直门街道办事处");
    await shot(page, "admin-departments");
  });

  it("categories and the dispatch catalogue: an area entry shows in the catalogue and in the desk's suggestion", async () => {
    await open("categories");
    await page.waitForSelector("[data-testid=categories-table] tr[data-code=noise]");
    // The demo's consultations are answered on the call.
    expect(await page.locator("tr[data-code=policy-consult]").textContent()).toContain("直接答复");
    await page.fill("form.admin-form [name=code]", "traffic-info");
    await page.fill("form.admin-form [name=name]", "出行咨询");
    await page.check("form.admin-form [name=answerDirectly]");
    await page.click("form.admin-form button[type=submit]");
    await page.waitForSelector("[data-testid=categories-table] tr[data-code=traffic-info]");
    expect(await page.locator("tr[data-code=traffic-info]").textContent()).toContain("直接答复");
    const form = page.locator("[data-testid=rule-form]");
    await form.locator("[name=categoryCode]").selectOption("noise");
    await selectByText(page, "[data-testid=rule-form] [name=area]", "东城区");
    await selectByText(page, "[data-testid=rule-form] [name=departmentId]", "东城区城管局");
    await form.locator("button[type=submit]").click();
    const rule = page.locator("[data-testid=rules-table] tr[data-category=noise][data-area=dongcheng]");
    await rule.waitFor();
    expect(await rule.textContent()).toContain("东城区城管局");
    const admin = await sys.as("admin");
    const suggestion = await admin.get<{ departmentId: number }>(
      "/api/v1/categories/noise/suggestion?area=dongcheng",
    );
    const departments = (
      await admin.get<{ items: Array<{ id: number; code: string }> }>("/api/v1/departments")
    ).body.items;
    expect(departments.find((d) => d.id === suggestion.body.departmentId)?.code).toBe("dc-chengguan");
    await shot(page, "admin-categories");
  });

  it("SLA and the calendar: a holiday added on the calendar moves the deadline preview by a working day", async () => {
    // Monday 2026-12-14 10:00, resolve within 2 working days: Wednesday 10:00.
    await open("sla", "?start=2026-12-14T10:00");
    await page.waitForSelector("[data-testid=sla-table] tbody tr");
    await page.fill("[data-testid=sla-form] [name=resolveWithin]", "P2D");
    await expect.poll(resolvePreview).toBe("2026-12-16 10:00 周三");
    await shot(page, "admin-sla");

    await open("calendar", "?year=2026");
    // The shipped notice's days are there: National Day off, the Saturday after it worked (调休).
    await page.waitForSelector("[data-testid=cal-grid] [data-date='2026-10-01'].holiday");
    expect(
      await page.locator("[data-testid=cal-grid] [data-date='2026-10-10']").getAttribute("class"),
    ).toContain("makeup");
    expect(await page.locator("[data-testid=cal-grid] [data-date='2026-10-10'] small").textContent()).toBe(
      "班",
    );
    await page.fill("[data-testid=cal-add] [name=date]", "2026-12-15");
    await page.fill("[data-testid=cal-add] [name=name]", "测试假日");
    await page.click("[data-testid=cal-add] button[type=submit]");
    await page.waitForSelector("[data-testid=cal-grid] [data-date='2026-12-15'].holiday");
    await page.getByRole("button", { name: "保存" }).click();
    await expect.poll(() => page.textContent("#flash")).toContain("2026 年节假日已保存");
    await shot(page, "admin-calendar");

    await open("sla", "?start=2026-12-14T10:00");
    await page.waitForSelector("[data-testid=sla-table] tbody tr");
    await page.fill("[data-testid=sla-form] [name=resolveWithin]", "P2D");
    await expect.poll(resolvePreview).toBe("2026-12-17 10:00 周四");
  });

  it("assessment groups: group the districts, then move one unit to another group", async () => {
    await open("groups");
    await page.click("[data-testid=group-new]");
    const create = page.locator("[data-testid=group-create]");
    await create.locator("[name=name]").fill("各区");
    for (const unit of ["东城区", "西城区", "南湖区"])
      await create
        .locator("label.unit-check", { hasText: new RegExp(`^${unit}( \\(|$)`) })
        .locator("input")
        .check();
    await create.locator("button[type=submit]").click();
    const districts = page.locator("[data-testid=groups] section[data-group=各区]");
    await districts.waitFor();
    expect(await districts.locator(".chip").allTextContents()).toEqual(["东城区", "西城区", "南湖区"]);

    await page.click("[data-testid=group-new]");
    await create.locator("[name=name]").fill("市直部门");
    // A unit already in a group says which.
    expect(await create.locator("label.unit-check", { hasText: /^南湖区( \(|$)/ }).textContent()).toContain(
      "(各区)",
    );
    for (const unit of ["市水务集团", "南湖区"])
      await create
        .locator("label.unit-check", { hasText: new RegExp(`^${unit}( \\(|$)`) })
        .locator("input")
        .check();
    await create.locator("button[type=submit]").click();
    const bureaus = page.locator("[data-testid=groups] section[data-group=市直部门]");
    await bureaus.waitFor();
    expect(await bureaus.locator(".chip").allTextContents()).toEqual(["南湖区", "市水务集团"]);
    expect(await districts.locator(".chip").allTextContents()).toEqual(["东城区", "西城区"]);
    // The hotline centre handles no tickets: it is offered for no group.
    await page.click("[data-testid=group-new]");
    expect(await create.locator("label.unit-check", { hasText: "热线中心" }).count()).toBe(0);
    await shot(page, "admin-groups");
  });

  it("calendar: importing the State Council notice fills a year; a year not yet published says so", async () => {
    await open("calendar", "?year=2026");
    await page.waitForSelector("[data-testid=cal-list] tr[data-date='2026-12-15']");
    // Remove every day of the year, then import: the notice's days come back (the added one stays).
    const before = await page.locator("[data-testid=cal-list] tbody tr[data-date]").count();
    await page.locator("[data-testid=cal-list] tr[data-date='2026-10-01']").getByRole("button").click();
    await page.waitForSelector("[data-testid=cal-grid] [data-date='2026-10-01']:not(.holiday)");
    await page.click("[data-testid=cal-import]");
    await page.waitForSelector("[data-testid=cal-grid] [data-date='2026-10-01'].holiday");
    expect(await page.locator("[data-testid=cal-list] tbody tr[data-date]").count()).toBe(before);
    expect(await page.textContent("#flash")).toContain("chinese-days");

    await page.selectOption(".admin-head [name=year]", "2029");
    await page.waitForSelector("[data-testid=cal-list] td.muted");
    await page.click("[data-testid=cal-import]");
    await expect.poll(() => page.textContent("#flash")).toContain("还没有 2029 年的安排");

    // Every screen in English too (a missing key would be reported as a problem).
    await page.click("[data-testid=lang-switch]");
    for (const section of ["users", "departments", "categories", "sla", "calendar", "groups"]) {
      await open(section);
      await page.waitForLoadState("networkidle");
    }
    expect(await page.textContent("[data-testid=admin-calendar]")).toBe("Holidays");
    await open("sla", "?start=2026-12-14T10:00");
    await expect.poll(() => page.textContent("[data-testid=sla-preview]")).toContain("Resolve within");
    await shot(page, "admin-sla-en");
    await page.click("[data-testid=lang-switch]");
    await expectNoProblems(desk);
  });
});
