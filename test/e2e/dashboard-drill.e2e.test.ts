/**
 * Issue 12, the dashboard for managers: every category named on the chart, filters kept in the
 * URL (reload, back/forward), a ranking that means something by default, and click-through from
 * the figures to their tickets with the CSV of that list. Screenshots:
 * test/e2e/__screenshots__/drill-*.png.
 */
import { readFile } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";
import {
  type Desk,
  expectNoProblems,
  launchBrowser,
  login,
  openDesk,
  selectByText,
  shot,
} from "./browser.ts";

type Summary = Record<string, number | null>;

/** Twelve categories, busiest first: the chart shows the top ten. */
const CATEGORIES = [
  "noise",
  "noise",
  "noise",
  "sanitation",
  "sanitation",
  "water-supply",
  "road-traffic",
  "property-mgmt",
  "wage-arrears",
  "education",
  "healthcare",
  "food-safety",
  "greening",
  "air-pollution",
];

let sys: TestSystem;
let browser: Browser;
let desk: Desk;
let page: Page;
let manager: ApiClient;
let overdueId = 0;

async function loads(): Promise<number> {
  return Number(await page.getAttribute("body", "data-loaded"));
}

/** Run `action`, then wait for the dashboard to finish the reload it causes. */
async function reloadingAfter(action: () => Promise<unknown>): Promise<void> {
  const before = await loads();
  await action();
  await expect.poll(loads).toBeGreaterThan(before);
}

/** The y-axis of the category chart: its labels and the tick labels Chart.js actually draws. */
function categoryAxis(): Promise<{ labels: string[]; ticks: string[] }> {
  return page.evaluate(() => {
    type AnyChart = {
      data: { labels: string[] };
      scales: { y: { ticks: Array<{ label: string }> } };
    };
    const { Chart } = window as unknown as { Chart: { getChart(el: Element | null): AnyChart } };
    const chart = Chart.getChart(document.querySelector("[data-testid=chart-categories]"));
    return { labels: chart.data.labels, ticks: chart.scales.y.ticks.map((t) => String(t.label)) };
  });
}

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem(), launchBrowser()]);
  const agent = await sys.as("agent1");
  const handler = await sys.as("handler1");
  manager = await sys.as("manager1");
  const dongcheng = await deptId(agent, "dongcheng");
  const xicheng = await deptId(agent, "xicheng");
  // Six tickets to 东城区 (one signed, one closed), three to 西城区, the rest not yet dispatched.
  for (const [i, code] of CATEGORIES.entries()) {
    const t = await createTicket(agent, { categoryCode: code, title: `看板测试工单 ${i + 1}` });
    const dept = i < 6 ? dongcheng : i < 9 ? xicheng : null;
    if (dept) expect((await agent.event(t.id, "DISPATCH", { departmentId: dept })).status).toBe(200);
    if (i === 0) expect((await handler.event(t.id, "SIGN")).status).toBe(200);
    if (i === 0) overdueId = t.id;
  }
  // The signed one is past its deadline now (moved back in the database, as time would).
  const services = sys.system.services;
  await services.pool.query("UPDATE tickets SET due_at = now() - interval '1 hour' WHERE id = $1", [
    overdueId,
  ]);
  await services.stats.processTicket(overdueId);
  for (let i = 0; ; i++) {
    const s = (await manager.get<Summary>("/api/v1/stats/summary")).body;
    if (s.received === CATEGORIES.length) break;
    if (i > 150) throw new Error("stats never counted the tickets");
    await new Promise((r) => setTimeout(r, 200));
  }
  desk = await openDesk(browser, sys.url, { acceptDownloads: true });
  page = desk.page;
  await login(page, "manager1");
  await page.waitForSelector("body[data-loaded]");
});

afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

describe("the dashboard's fixes", () => {
  it("names every one of the ten hot categories on the chart", async () => {
    const axis = await categoryAxis();
    expect(axis.labels).toHaveLength(10);
    expect(axis.ticks).toEqual(axis.labels);
    expect(axis.labels.slice(0, 2)).toEqual(["噪声扰民", "环境卫生"]);
  });

  it("ranks by signed-on-time rate by default, leaving departments with too few tickets unranked", async () => {
    expect(await page.getAttribute("th[aria-sort=descending] button", "data-testid")).toBe(
      "sort-responseRate",
    );
    expect(await page.textContent("[data-testid=ranking-note]")).toContain("按时签收率");
    const rows = await page.$$eval("[data-testid=ranking-row]", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 3).map((td) => td.textContent)),
    );
    // 东城区: six received, its one judged dispatch signed on time: ranked first.
    // 西城区: three received: listed, but without a rank.
    expect(rows[0]).toEqual(["1", "东城区", "6"]);
    expect(rows.find((r) => r[1] === "西城区")).toEqual(["—", "西城区", "3"]);
  });

  it("keeps every filter in the URL: a reload shows the same view, back and forward step through", async () => {
    await reloadingAfter(() => page.click("[data-testid=period-30d]"));
    expect(new URL(page.url()).searchParams.get("period")).toBe("30d");
    const xicheng = await reloadingAfter(() =>
      selectByText(page, "[data-testid=department-filter]", "西城区"),
    ).then(() => new URL(page.url()).searchParams.get("departmentId"));
    expect(xicheng).toMatch(/^\d+$/);
    await reloadingAfter(() => page.selectOption("select[name=granularity]", "week"));
    await page.click("[data-testid=sort-received]");
    const url = new URL(page.url());
    expect(Object.fromEntries(url.searchParams)).toEqual({
      period: "30d",
      departmentId: xicheng,
      granularity: "week",
      sort: "received",
      order: "desc",
    });

    await page.reload();
    await expect.poll(loads).toBeGreaterThan(0);
    expect(await page.getAttribute("[data-testid=period-30d]", "aria-pressed")).toBe("true");
    expect(await page.inputValue("[data-testid=department-filter]")).toBe(xicheng);
    expect(await page.inputValue("select[name=granularity]")).toBe("week");
    expect(await page.getAttribute("th[aria-sort=descending] button", "data-testid")).toBe("sort-received");
    await expect.poll(() => page.textContent("[data-testid=kpi-received]")).toBe("3");

    // Back: the sort, then the granularity, then the department go, one step each.
    await page.goBack();
    await expect
      .poll(() => page.getAttribute("th[aria-sort=descending] button", "data-testid"))
      .toBe("sort-responseRate");
    await page.goBack();
    await expect.poll(() => page.inputValue("select[name=granularity]")).toBe("auto");
    await reloadingAfter(() => page.goBack());
    expect(await page.inputValue("[data-testid=department-filter]")).toBe("");
    await expect.poll(() => page.textContent("[data-testid=kpi-received]")).toBe(String(CATEGORIES.length));
    await reloadingAfter(() => page.goForward());
    expect(await page.inputValue("[data-testid=department-filter]")).toBe(xicheng);
    await expect.poll(() => page.textContent("[data-testid=kpi-received]")).toBe("3");

    // A custom period in the URL is shown in the date inputs.
    await page.goto("/dashboard.html?period=custom&from=2020-01-01&to=2020-01-31");
    await expect.poll(loads).toBeGreaterThan(0);
    expect(await page.inputValue("[data-testid=custom-from]")).toBe("2020-01-01");
    expect(await page.inputValue("[data-testid=custom-to]")).toBe("2020-01-31");
    await expect.poll(() => page.textContent("[data-testid=kpi-received]")).toBe("0");
    await page.goto("/dashboard.html");
    await expect.poll(loads).toBeGreaterThan(0);
    await shot(page, "drill-dashboard");
  });
});

/** The rows the desk's list shows once every page is loaded. */
async function listedRows(): Promise<number> {
  await page.waitForSelector("[data-testid=ticket-table], .empty:not([hidden])");
  for (;;) {
    await page.waitForFunction(() => !document.querySelector("[data-testid=load-more]:disabled"));
    const more = await page.$("[data-testid=load-more]:not([hidden])");
    if (!more) break;
    await more.click();
  }
  return (await page.$$("[data-testid=ticket-row]")).length;
}

/** Download the list's CSV; its data rows (the header dropped). */
async function exportedRows(): Promise<string[]> {
  const [file] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=list-export]")]);
  expect(file.suggestedFilename()).toMatch(/\.csv$/);
  const text = await readFile(await file.path(), "utf8");
  return text.trimEnd().split("\r\n").slice(1);
}

async function backToDashboard(): Promise<void> {
  await page.click("[data-testid=drill-banner] a");
  await page.waitForURL(/dashboard\.html/);
  await page.waitForSelector("[data-testid=drill-received]");
}

describe("click-through", () => {
  it("a manager clicks from a KPI to its tickets and exports them", async () => {
    await page.waitForSelector("[data-testid=drill-received]");
    const received = Number(await page.textContent("[data-testid=kpi-received]"));
    expect(received).toBe(CATEGORIES.length);
    await page.click("[data-testid=kpi-received]");
    await page.waitForURL(/index\.html#\/tickets\?figure=received/);
    const query = new URL(page.url().replace("#/tickets", "")).searchParams;
    expect(query.get("receivedFrom")).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await listedRows()).toBe(received);
    await expect
      .poll(() => page.getAttribute("[data-testid=list-total]", "data-value"))
      .toBe(String(received));
    expect(await page.textContent("[data-testid=drill-banner]")).toContain("受理工单");
    await shot(page, "drill-list-received");
    const rows = await exportedRows();
    expect(rows).toHaveLength(received);
    expect(rows.every((r) => r.includes("看板测试工单"))).toBe(true);

    // Overdue open: the one ticket past its deadline, the same in the list and in its CSV.
    await backToDashboard();
    expect(await page.textContent("[data-testid=kpi-overdueOpen]")).toBe("1");
    await page.click("[data-testid=kpi-overdueOpen]");
    await page.waitForURL(/figure=overdueOpen/);
    expect(await listedRows()).toBe(1);
    expect(await page.getAttribute("[data-testid=ticket-row]", "data-id")).toBe(String(overdueId));
    expect(await exportedRows()).toHaveLength(1);
    await shot(page, "drill-list-overdue");
  });

  it("a ranking row and a category bar open their tickets, with the period and the department kept", async () => {
    await backToDashboard();
    await reloadingAfter(() => selectByText(page, "[data-testid=department-filter]", "东城区"));
    const row = page.locator("[data-testid=ranking-row]", { hasText: "东城区" }).first();
    const received = Number(await row.locator("td").nth(2).textContent());
    expect(received).toBe(6);
    await row.locator("td").nth(1).locator("a").click();
    await page.waitForURL(/subtree=false/);
    expect(await listedRows()).toBe(received);
    expect(await page.textContent("[data-testid=drill-banner]")).toContain("东城区（仅本单位）");
    expect(await exportedRows()).toHaveLength(received);

    // The biggest bar (噪声扰民, 3 this week, all in 东城区): a click on the bar itself.
    await backToDashboard();
    expect(await page.inputValue("[data-testid=department-filter]")).not.toBe("");
    const bar = await page.evaluate(() => {
      type Bar = { x: number; y: number; base: number };
      const { Chart } = window as unknown as {
        Chart: { getChart(el: Element | null): { getDatasetMeta(i: number): { data: Bar[] } } };
      };
      const canvas = document.querySelector("[data-testid=chart-categories]") as HTMLCanvasElement;
      const first = Chart.getChart(canvas).getDatasetMeta(0).data[0] as Bar;
      const box = canvas.getBoundingClientRect();
      return { x: box.left + (first.base + first.x) / 2, y: box.top + first.y };
    });
    await page.mouse.click(bar.x, bar.y);
    await page.waitForURL(/categoryCode=noise/);
    expect(new URL(page.url().replace("#/tickets", "")).searchParams.get("departmentId")).toMatch(/^\d+$/);
    expect(await listedRows()).toBe(3);
    await shot(page, "drill-list-category");
  });

  it("the URL state and the click-through links, as the browser's modules compute them", async () => {
    type Result = {
      read: unknown;
      junk: unknown;
      roundTrip: string;
      defaults: string;
      ranking: string | null;
      category: string | null;
      unknown: string | null;
    };
    const r: Result = await page.evaluate(`(async () => {
      const u = await import("/js/dashboard/url-state.js");
      const d = await import("/js/dashboard/drill.js");
      const sort = { key: "responseRate", descending: true };
      const keys = ["received", "responseRate", "onTimeRate"];
      const read = u.readState("?period=custom&from=2026-10-01&to=2026-10-31&departmentId=7&granularity=week&sort=onTimeRate&order=asc", sort, keys);
      return {
        read,
        // Unknown values fall back to the defaults; custom dates only with a custom period.
        junk: u.readState("?period=decade&from=2026-10-01&departmentId=-1&granularity=hour&sort=name;drop", sort, keys),
        roundTrip: u.stateQuery(read, sort),
        defaults: u.stateQuery({ filters: u.defaultFilters(), sort }, sort),
        ranking: d.drillHref("onTimeRate", { from: "2026-10-01", to: "2026-11-01", departmentId: 7, subtree: false }),
        category: d.drillHref("received", { from: "2026-10-01", to: "2026-11-01", categoryCode: "noise" }),
        unknown: d.drillHref("departmentName", { from: "2026-10-01", to: "2026-11-01" }),
      };
    })()`);
    expect(r.read).toEqual({
      filters: {
        period: "custom",
        from: "2026-10-01",
        to: "2026-10-31",
        departmentId: "7",
        granularity: "week",
      },
      sort: { key: "onTimeRate", descending: false },
    });
    expect(r.junk).toEqual({
      filters: { period: "7d", from: "", to: "", departmentId: "", granularity: "auto" },
      sort: { key: "responseRate", descending: true },
    });
    expect(r.roundTrip).toBe(
      "?period=custom&from=2026-10-01&to=2026-10-31&departmentId=7&granularity=week&sort=onTimeRate&order=asc",
    );
    expect(r.defaults).toBe("");
    expect(r.ranking).toBe(
      "/index.html#/tickets?figure=late&receivedFrom=2026-10-01&receivedTo=2026-11-01&departmentId=7&subtree=false",
    );
    expect(r.category).toBe(
      "/index.html#/tickets?figure=received&receivedFrom=2026-10-01&receivedTo=2026-11-01&categoryCode=noise",
    );
    expect(r.unknown).toBeNull();
  });

  it("a bar of the trend opens the tickets received in its days", async () => {
    await backToDashboard(); // 东城区, 7 days
    const bar = await page.evaluate(() => {
      type Bar = { x: number; y: number; base: number };
      const { Chart } = window as unknown as {
        Chart: { getChart(el: Element | null): { getDatasetMeta(i: number): { data: Bar[] } } };
      };
      const canvas = document.querySelector("[data-testid=chart-trend]") as HTMLCanvasElement;
      const today = Chart.getChart(canvas).getDatasetMeta(0).data.at(-1) as Bar;
      const box = canvas.getBoundingClientRect();
      return { x: box.left + today.x, y: box.top + (today.y + today.base) / 2 };
    });
    await page.mouse.click(bar.x, bar.y);
    await page.waitForURL(/figure=received/);
    const query = new URL(page.url().replace("#/tickets", "")).searchParams;
    const from = query.get("receivedFrom") as string;
    expect(Date.parse(`${query.get("receivedTo")}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)).toBe(
      86_400_000,
    );
    expect(await listedRows()).toBe(6); // 东城区's six, all received today
  });

  it("a list longer than an export can hold says so instead of a number it cannot deliver", async () => {
    const counting = /\/api\/v1\/tickets\?.*total=true/;
    // The API counts up to 50,001; planting that many tickets would take minutes, so the count is answered here.
    await page.route(counting, (route) =>
      route.fulfill({ json: { items: [], nextCursor: null, total: 50_001 } }),
    );
    await page.goto("/index.html#/tickets?figure=received");
    await expect
      .poll(() => page.textContent("[data-testid=list-total]"))
      .toBe("超过 50,000 件（导出最多 50,000 行）");
    await page.unroute(counting);
  });

  it("no page errors, console errors or untranslated strings", async () => {
    await expectNoProblems(desk);
  });
});

describe("period-over-period change on the KPI cards", () => {
  it("compares with the previous period of the same length, each figure with its own sense of better", async () => {
    await page.goto("/dashboard.html");
    await page.waitForSelector("[data-testid=drill-received]");
    // The pure module as the browser loads it (a string: vitest would rewrite an import() in a function).
    type Change = { direction: string; sense: string; delta: number; relative: number | null } | null;
    const pure: Record<string, Change> & Record<"week" | "october", { from: string; to: string }> =
      await page.evaluate(`(async () => {
        const m = await import("/js/dashboard/change.js");
        return {
          onTimeUp: m.kpiChange("onTimeRate", "rate", 0.9, 0.8),
          reopenUp: m.kpiChange("reopenRate", "rate", 0.1, 0.05),
          returnDown: m.kpiChange("returnRate", "rate", 0.02, 0.05),
          satisfactionDown: m.kpiChange("satisfactionScore", "score", 88.2, 91),
          received: m.kpiChange("received", "count", 14, 10),
          fromNothing: m.kpiChange("received", "count", 3, 0),
          sameToATenth: m.kpiChange("onTimeRate", "rate", 0.8, 0.8004),
          overdue: m.kpiChange("overdueOpen", "count", 3, 1),
          noPrevious: m.kpiChange("onTimeRate", "rate", 0.9, null),
          week: m.previousRange("2026-11-24", "2026-12-01"),
          october: m.previousRange("2026-10-01", "2026-11-01"),
        };
      })()`);
    expect(pure.onTimeUp).toMatchObject({ direction: "up", sense: "good" });
    expect(pure.reopenUp).toMatchObject({ direction: "up", sense: "bad" });
    expect(pure.returnDown).toMatchObject({ direction: "down", sense: "good" });
    expect(pure.satisfactionDown).toMatchObject({ direction: "down", sense: "bad" });
    expect(pure.received).toEqual({ direction: "up", sense: "neutral", delta: 4, relative: 0.4 });
    expect(pure.fromNothing).toEqual({ direction: "up", sense: "neutral", delta: 3, relative: null });
    expect(pure.sameToATenth?.direction).toBe("flat");
    expect(pure.overdue).toBeNull(); // as of now: last period's tickets had longer to become overdue
    expect(pure.noPrevious).toBeNull();
    expect(pure.week).toEqual({ from: "2026-11-17", to: "2026-11-24" });
    expect(pure.october).toEqual({ from: "2026-08-31", to: "2026-10-01" });

    // Two tickets received eight days ago (the previous 7 days), one of them closed.
    const agent = await sys.as("agent1");
    const services = sys.system.services;
    for (const closed of [true, false]) {
      const t = await createTicket(agent, { categoryCode: "noise", title: "上周的工单" });
      if (closed) expect((await agent.event(t.id, "ANSWER_DIRECTLY", { answer: "已告知" })).status).toBe(200);
      await services.pool.query(
        "UPDATE tickets SET created_at = created_at - interval '8 days' WHERE id = $1",
        [t.id],
      );
      await services.stats.processTicket(t.id);
    }
    await page.reload();
    await expect
      .poll(() => page.textContent("[data-testid=change-received]"))
      .toBe(`环比 ▲ ${CATEGORIES.length - 2} (+600.0%)`);
    expect(await page.getAttribute("[data-testid=change-received]", "data-sense")).toBe("neutral");
    // Completion: 0 % now against 50 % then, a fall, in red.
    expect(await page.textContent("[data-testid=change-completionRate]")).toBe("环比 ▼ 50.0 个百分点");
    expect(await page.getAttribute("[data-testid=change-completionRate]", "data-sense")).toBe("bad");
    expect(await page.getAttribute("[data-testid=change-completionRate]", "title")).toMatch(
      /^上期（\d{4}-\d{2}-\d{2} 至 \d{4}-\d{2}-\d{2}）：50\.0%$/,
    );
    expect(await page.getAttribute("[data-testid=change-overdueOpen]", "title")).toBe(
      "按当前时刻统计，不作环比",
    );
    await shot(page, "drill-dashboard-change");
    await page.click("[data-testid=lang-switch]");
    await expect.poll(() => page.textContent("[data-testid=change-completionRate]")).toBe("Change ▼ 50.0 pp");
    await shot(page, "drill-dashboard-change-en");
    await page.click("[data-testid=lang-switch]");
    await expectNoProblems(desk);
  });
});
