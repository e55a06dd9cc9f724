/**
 * Issue 12, the dashboard for managers: every category named on the chart, filters kept in the
 * URL (reload, back/forward), a ranking that means something by default, and click-through from
 * the figures to their tickets with the CSV of that list. Screenshots:
 * test/e2e/__screenshots__/drill-*.png.
 */
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
  }
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
    expect(await page.textContent("[data-testid=kpi-received]")).toBe("3");

    // Back: the sort, then the granularity, then the department go, one step each.
    await page.goBack();
    await expect
      .poll(() => page.getAttribute("th[aria-sort=descending] button", "data-testid"))
      .toBe("sort-responseRate");
    await page.goBack();
    await expect.poll(() => page.inputValue("select[name=granularity]")).toBe("auto");
    await reloadingAfter(() => page.goBack());
    expect(await page.inputValue("[data-testid=department-filter]")).toBe("");
    expect(await page.textContent("[data-testid=kpi-received]")).toBe(String(CATEGORIES.length));
    await reloadingAfter(() => page.goForward());
    expect(await page.inputValue("[data-testid=department-filter]")).toBe(xicheng);
    expect(await page.textContent("[data-testid=kpi-received]")).toBe("3");

    // A custom period in the URL is shown in the date inputs.
    await page.goto("/dashboard.html?period=custom&from=2020-01-01&to=2020-01-31");
    await expect.poll(loads).toBeGreaterThan(0);
    expect(await page.inputValue("[data-testid=custom-from]")).toBe("2020-01-01");
    expect(await page.inputValue("[data-testid=custom-to]")).toBe("2020-01-31");
    expect(await page.textContent("[data-testid=kpi-received]")).toBe("0");
    await page.goto("/dashboard.html");
    await expect.poll(loads).toBeGreaterThan(0);
    await shot(page, "drill-dashboard");
  });

  it("no page errors, console errors or untranslated strings", async () => {
    await expectNoProblems(desk);
  });
});
