/**
 * Issue 4, the dashboard: KPI cards show what GET /api/v1/stats/summary says, charts are drawn,
 * filters change the requests and the numbers, it refreshes itself, and it speaks English on
 * request. Screenshots go to test/e2e/__screenshots__/dashboard-*.png.
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
  SCREENSHOTS,
  selectByText,
  shot,
} from "./browser.ts";

type Summary = Record<string, number | null>;

const KPI_KINDS: Record<string, "count" | "rate" | "score"> = {
  received: "count",
  closed: "count",
  completionRate: "rate",
  onTimeRate: "rate",
  responseRate: "rate",
  satisfactionRate: "rate",
  satisfactionScore: "score",
  resolutionRate: "rate",
  reopenRate: "rate",
  returnRate: "rate",
  overdueOpen: "count",
  warnings: "count",
};

/** How a KPI card shows a value: the UI's rule, restated. */
function shown(kind: "count" | "rate" | "score", v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  if (kind === "rate") return `${(v * 100).toFixed(1)}%`;
  if (kind === "score") return v.toFixed(1);
  return new Intl.NumberFormat("en-US").format(v);
}

let sys: TestSystem;
let browser: Browser;
let desk: Desk;
let page: Page;
let agent: ApiClient;
let manager: ApiClient;

/** Every stats/summary URL the page asked for, in order. */
const summaryRequests: string[] = [];

async function summaryFor(url: string): Promise<Summary> {
  const u = new URL(url);
  const res = await manager.get<Summary>(`${u.pathname}${u.search}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function kpiTexts(): Promise<Record<string, string>> {
  return page.$$eval("[data-testid^=kpi-]", (els) =>
    Object.fromEntries(
      els.map((e) => [(e as HTMLElement).dataset.testid?.slice(4) ?? "", e.textContent ?? ""]),
    ),
  );
}

/** The cards show exactly what the API says for the page's latest request. */
async function expectKpisMatchApi(): Promise<Summary> {
  const url = summaryRequests.at(-1);
  expect(url).toBeTruthy();
  const summary = await summaryFor(url as string);
  const expected = Object.fromEntries(
    Object.entries(KPI_KINDS).map(([k, kind]) => [k, shown(kind, summary[k])]),
  );
  await expect.poll(kpiTexts).toEqual(expected);
  return summary;
}

interface ChartData {
  labels: string[];
  datasets: Array<{ label: string; data: Array<number | null> }>;
}

/** The data of the Chart.js chart drawn on the canvas with this data-testid. */
function chartData(testid: string): Promise<ChartData> {
  return page.evaluate((id) => {
    const { Chart } = window as unknown as { Chart: { getChart(el: Element | null): { data: ChartData } } };
    const { labels, datasets } = Chart.getChart(document.querySelector(`[data-testid=${id}]`)).data;
    return { labels, datasets: datasets.map((d) => ({ label: d.label, data: d.data })) };
  }, testid);
}

async function loads(): Promise<number> {
  return Number(await page.getAttribute("body", "data-loaded"));
}

/** Run `action`, then wait for the dashboard to finish the reload it causes. */
async function reloadingAfter(action: () => Promise<unknown>): Promise<void> {
  const before = await loads();
  await action();
  await expect.poll(loads).toBeGreaterThan(before);
}

beforeAll(async () => {
  [sys, browser] = await Promise.all([startTestSystem(), launchBrowser()]);
  agent = await sys.as("agent1");
  manager = await sys.as("manager1");
  const handler = await sys.as("handler1");
  const reviewer = await sys.as("reviewer1");
  const dongcheng = await deptId(agent, "dongcheng");
  const xicheng = await deptId(agent, "xicheng");

  // Five tickets today: one closed after a satisfied callback, one answered directly,
  // two waiting in 东城区, one in 西城区.
  const closed = await createTicket(agent, { categoryCode: "noise", title: "夜间施工噪声" });
  for (const [client, type, payload] of [
    [agent, "DISPATCH", { departmentId: dongcheng }],
    [handler, "SIGN", {}],
    [handler, "REPLY", { result: "已责令停工", outcome: "resolved" }],
    [reviewer, "APPROVE_REPLY", {}],
    [agent, "CALLBACK", { rating: "satisfied", resolved: true }],
  ] as const) {
    expect((await client.event(closed.id, type, payload)).status).toBe(200);
  }
  const answered = await createTicket(agent, { categoryCode: "policy-consult", title: "公积金提取政策" });
  expect((await agent.event(answered.id, "ANSWER_DIRECTLY", { answer: "已告知办理流程" })).status).toBe(200);
  for (const [code, dept] of [
    ["noise", dongcheng],
    ["sanitation", dongcheng],
    ["water-supply", xicheng],
  ] as const) {
    const t = await createTicket(agent, { categoryCode: code });
    expect((await agent.event(t.id, "DISPATCH", { departmentId: dept })).status).toBe(200);
  }
  // The rollups are written by workers: wait until they have seen all five.
  // (expect.poll works inside tests only.)
  for (let i = 0; ; i++) {
    if ((await manager.get<Summary>("/api/v1/stats/summary")).body.received === 5) break;
    if (i > 150) throw new Error("stats never counted the five tickets");
    await new Promise((r) => setTimeout(r, 200));
  }

  desk = await openDesk(browser, sys.url, { acceptDownloads: true });
  page = desk.page;
  page.on("request", (r) => {
    if (!r.url().includes("/api/v1/stats/summary")) return;
    // Each load also asks for the previous period (the cards' change, issue 12), which ends where
    // the current one starts: keep the current period's.
    const last = summaryRequests.at(-1);
    const to = new URL(r.url()).searchParams.get("to");
    if (last && new URL(last).searchParams.get("from") === to) return;
    summaryRequests.push(r.url());
  });
});

afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

describe("dashboard", () => {
  it("a manager lands on the dashboard and the KPI cards match the summary API", async () => {
    await login(page, "manager1");
    expect(page.url()).toMatch(/\/dashboard\.html$/);
    await expect.poll(loads).toBeGreaterThan(0);
    const summary = await expectKpisMatchApi();
    expect(summary.received).toBe(5);
    expect(await page.textContent("[data-testid=kpi-received]")).toBe("5");
    // Default period: the last 7 days, today included.
    const url = new URL(summaryRequests.at(-1) as string);
    expect(url.searchParams.get("from")).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(url.searchParams.get("to")).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await shot(page, "dashboard-zh");
  });

  it("charts are drawn from the trend and category APIs", async () => {
    const trend = await chartData("chart-trend");
    expect(trend.labels.length).toBeGreaterThan(0);
    expect((trend.datasets[0]?.data ?? []).reduce((a: number, b) => a + (b ?? 0), 0)).toBe(5);
    expect(trend.datasets.map((d) => d.label)).toEqual(["受理量", "办结量", "按时办结率", "满意率"]);
    const categories = await chartData("chart-categories");
    expect(categories.labels[0]).toBe("噪声扰民");
    expect(categories.datasets[0]?.data[0]).toBe(2);
    // Ranking: a row per department with figures; overdue list present (empty now).
    expect(await page.$$("[data-testid=ranking-row]")).not.toHaveLength(0);
    expect(await page.textContent("[data-testid=ranking]")).toContain("东城区");
  });

  it("changing the period and the department changes the requests and the numbers", async () => {
    await reloadingAfter(() => page.click("[data-testid=period-today]"));
    const today = new URL(summaryRequests.at(-1) as string);
    const from = today.searchParams.get("from") as string;
    const to = today.searchParams.get("to") as string;
    expect(Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)).toBe(86_400_000);
    expect((await expectKpisMatchApi()).received).toBe(5);

    await reloadingAfter(() => selectByText(page, "[data-testid=department-filter]", "西城区"));
    expect(new URL(summaryRequests.at(-1) as string).searchParams.get("departmentId")).toMatch(/^\d+$/);
    expect((await expectKpisMatchApi()).received).toBe(1);
    await shot(page, "dashboard-filtered");

    // A custom period long ago: nothing received, rates shown as "—".
    await page.selectOption("[data-testid=department-filter]", "");
    await page.click("[data-testid=period-custom]");
    await page.fill("[data-testid=custom-from]", "2020-01-01");
    await page.fill("[data-testid=custom-to]", "2020-01-31");
    await reloadingAfter(() => page.click("[data-testid=custom-apply]"));
    const custom = new URL(summaryRequests.at(-1) as string);
    expect([custom.searchParams.get("from"), custom.searchParams.get("to")]).toEqual([
      "2020-01-01",
      "2020-02-01",
    ]);
    expect((await expectKpisMatchApi()).received).toBe(0);
    expect(await page.textContent("[data-testid=kpi-completionRate]")).toBe("—");

    await reloadingAfter(() => page.click("[data-testid=period-7d]"));
    expect((await expectKpisMatchApi()).received).toBe(5);
  });

  it("refreshes itself when tickets arrive (event stream, or the 15 s poll)", async () => {
    await createTicket(agent, { categoryCode: "noise", title: "广场舞噪声" });
    await expect.poll(() => page.textContent("[data-testid=kpi-received]"), { timeout: 25_000 }).toBe("6");
    await expectKpisMatchApi();
  });

  it("exports the department ranking as CSV with the token", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click("[data-testid=export-csv]"),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const path = await download.path();
    const { readFile } = await import("node:fs/promises");
    expect(await readFile(path, "utf8")).toContain("东城区");
  });

  it("switches to English", async () => {
    await page.click("[data-testid=lang-switch]");
    await expect.poll(() => page.textContent("#kpi-label-received")).toBe("Received");
    expect(await page.textContent("#ranking-h")).toBe("Department ranking");
    expect(await page.textContent("[data-testid=nav-dashboard]")).toBe("Dashboard");
    const labels = (await chartData("chart-trend")).datasets.map((d) => d.label);
    expect(labels).toEqual(["Received", "Closed", "On-time rate", "Satisfaction rate"]);
    expect(await page.textContent("[data-testid=ranking]")).toContain("Dongcheng District");
    await shot(page, "dashboard-en");
    await page.screenshot({
      path: `${SCREENSHOTS}dashboard-en-full.png`,
      fullPage: true,
    });
    await page.click("[data-testid=lang-switch]");
    await expect.poll(() => page.textContent("#kpi-label-received")).toBe("受理量");
  });

  it("no page errors, console errors or untranslated strings", async () => {
    await expectNoProblems(desk);
  });
});
