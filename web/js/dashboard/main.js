// @ts-check
/** The dashboard: filters → five stats requests → KPI cards, two charts, ranking, overdue list. */
import { ApiError, api, qs } from "../api.js";
import { byId, clearFlash, flash, h, replace } from "../dom.js";
import { download } from "../download.js";
import { addDays, fmtDateTime } from "../format.js";
import { applyI18n, t } from "../i18n.js";
import { renderNav } from "../nav.js";
import { loadOrg } from "../org.js";
import { DASHBOARD_ROLES, requireSession } from "../session.js";
import { createAssessment } from "./assessment.js";
import { createCategoryChart } from "./category-chart.js";
import { previousRange } from "./change.js";
import { drillHref, rememberDashboard } from "./drill.js";
import { createFilters } from "./filters.js";
import { createKpis } from "./kpis.js";
import { startLive } from "./live.js";
import { createOverdueList } from "./overdue-list.js";
import { createRanking, DEFAULT_SORT, SORT_KEYS } from "./ranking.js";
import { createTrendChart } from "./trend-chart.js";
import { readState, stateQuery } from "./url-state.js";

const user = requireSession();
if (!DASHBOARD_ROLES.includes(user.role)) location.replace("/index.html");
applyI18n();
renderNav(byId("nav"), "dashboard");

const org = await loadOrg();
/** The period and department shown now, for the click-through links (drill.js). */
const scope = () => {
  const p = filters.params();
  return { from: p.from, to: p.to, departmentId: p.departmentId };
};
const kpis = createKpis(byId("kpis"), { href: (key) => drillHref(key, scope()) });
const trend = createTrendChart(/** @type {HTMLCanvasElement} */ (byId("trend-chart")), {
  href: (key, from, to) => drillHref(key, { ...scope(), from, to }),
});
const categories = createCategoryChart(/** @type {HTMLCanvasElement} */ (byId("category-chart")), org, {
  href: (categoryCode) => drillHref("received", { ...scope(), categoryCode }),
});
const initial = readState(location.search, DEFAULT_SORT, SORT_KEYS);
const ranking = createRanking(byId("ranking"), org, {
  sort: initial.sort,
  onSort: () => remember(),
  href: (key, departmentId) => drillHref(key, { ...scope(), departmentId, subtree: false }),
});
const overdue = createOverdueList(byId("overdue"), org);
const assessment = createAssessment(byId("assessment"), org);
const filters = createFilters(
  byId("filters"),
  org,
  () => {
    remember();
    refresh();
  },
  initial.filters,
);

/** Every filter and the ranking's order in the URL: a reload or a shared link shows the same view. */
function remember() {
  const query = stateQuery({ filters: filters.state(), sort: ranking.sort() }, DEFAULT_SORT);
  if (query !== location.search) history.pushState(null, "", `${location.pathname}${query}`);
  rememberDashboard(`${location.pathname}${location.search}`);
}
rememberDashboard(`${location.pathname}${location.search}`);
window.addEventListener("popstate", () => {
  const state = readState(location.search, DEFAULT_SORT, SORT_KEYS);
  filters.set(state.filters);
  ranking.setSort(state.sort);
  rememberDashboard(`${location.pathname}${location.search}`);
  refresh();
});

let live = false;
/** @type {Date | null} */
let updatedAt = null;
function drawStatus() {
  replace(
    filters.status,
    h("span", { class: `live-dot${live ? " on" : ""}`, "aria-hidden": "true" }),
    h("span", { text: live ? t("dash.live") : t("dash.polling") }),
    updatedAt
      ? h("span", {
          dataset: { testid: "updated-at" },
          text: t("dash.updatedAt", { time: fmtDateTime(updatedAt) }),
        })
      : null,
  );
}

/** One request in flight at a time; a change meanwhile runs once more afterwards. */
let running = /** @type {Promise<void> | null} */ (null);
let again = false;
let lastError = "";

async function refresh() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    do {
      again = false;
      await load();
    } while (again);
  })();
  try {
    await running;
  } finally {
    running = null;
  }
}

async function load() {
  const p = filters.params();
  const range = { from: p.from, to: p.to, departmentId: p.departmentId };
  const prev = previousRange(p.from, p.to);
  const [summary, trendRes, depts, cats, late, before] = await Promise.allSettled([
    api(`/api/v1/stats/summary${qs(range)}`),
    api(`/api/v1/stats/trend${qs({ ...range, granularity: p.granularity })}`),
    api(`/api/v1/stats/departments${qs(range)}`),
    api(`/api/v1/stats/categories${qs(range)}`),
    api(`/api/v1/stats/overdue${qs({ departmentId: p.departmentId })}`),
    api(`/api/v1/stats/summary${qs({ ...range, ...prev })}`),
  ]);
  /** @param {PromiseSettledResult<any>} r */
  const items = (r) => (r.status === "fulfilled" ? (r.value?.items ?? []) : null);
  if (summary.status === "fulfilled")
    kpis.render(summary.value, before.status === "fulfilled" ? { summary: before.value, ...prev } : null);
  const tr = items(trendRes);
  if (tr) trend.render(tr);
  const dp = items(depts);
  if (dp) ranking.render(dp);
  const ct = items(cats);
  if (ct) categories.render(ct);
  const od = items(late);
  if (od) overdue.render(od);

  const failed = [summary, trendRes, depts, cats, late].find((r) => r.status === "rejected");
  if (failed && failed.status === "rejected") {
    const msg = failed.reason instanceof ApiError ? failed.reason.message : String(failed.reason);
    if (msg !== lastError) flash(t("dash.statsUnavailable", { msg }), "error");
    lastError = msg;
  } else {
    lastError = "";
    updatedAt = new Date();
  }
  document.body.dataset.loaded = String(Number(document.body.dataset.loaded ?? 0) + 1);
  drawStatus();
}

byId("export-csv").addEventListener("click", async (e) => {
  const button = /** @type {HTMLButtonElement} */ (e.currentTarget);
  const p = filters.params();
  button.disabled = true;
  button.textContent = t("dash.exporting");
  try {
    const file = await download(
      `/api/v1/stats/departments${qs({ from: p.from, to: p.to, departmentId: p.departmentId, format: "csv" })}`,
      `departments_${p.from}_${addDays(p.to, -1)}.csv`,
    );
    flash(t("dash.exported", { file }), "ok");
  } catch (err) {
    flash(err instanceof ApiError ? err.message : String(err), "error");
  } finally {
    button.disabled = false;
    button.textContent = t("dash.exportCsv");
  }
});

window.addEventListener("langchange", () => {
  clearFlash();
  lastError = "";
  filters.draw();
  kpis.redraw();
  trend.redraw();
  categories.redraw();
  ranking.redraw();
  overdue.redraw();
  assessment.redraw();
  drawStatus();
});

startLive(
  () => refresh(),
  (on) => {
    live = on;
    drawStatus();
  },
);
refresh();
