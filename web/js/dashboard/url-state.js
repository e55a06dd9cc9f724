// @ts-check
/**
 * The dashboard's filters in the page's query string, so a reload, a bookmark or a shared link
 * shows the same view and back/forward step through the changes. Pure: no DOM.
 *
 *   ?period=custom&from=2026-10-01&to=2026-10-31&departmentId=3&granularity=week&sort=onTimeRate&order=asc
 *
 * `from`/`to` are the custom period's first and last day (inclusive, as the date inputs show
 * them); defaults are left out of the URL.
 */

export const PERIODS = /** @type {const} */ (["today", "7d", "30d", "year", "custom"]);
const GRANULARITIES = ["auto", "day", "week", "month"];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * @typedef {{ period: string, from: string, to: string, departmentId: string, granularity: string }} FilterState
 * @typedef {{ key: string, descending: boolean }} SortState
 * @typedef {{ filters: FilterState, sort: SortState }} DashboardState
 */

/** @returns {FilterState} */
export const defaultFilters = () => ({
  period: "7d",
  from: "",
  to: "",
  departmentId: "",
  granularity: "auto",
});

/**
 * @param {string} search `location.search`
 * @param {SortState} defaultSort
 * @param {readonly string[]} sortKeys the ranking's columns
 * @returns {DashboardState}
 */
export function readState(search, defaultSort, sortKeys) {
  const q = new URLSearchParams(search);
  const filters = defaultFilters();
  const period = q.get("period") ?? "";
  if (/** @type {readonly string[]} */ (PERIODS).includes(period)) filters.period = period;
  if (filters.period === "custom") {
    const from = q.get("from") ?? "";
    const to = q.get("to") ?? "";
    if (DATE.test(from)) filters.from = from;
    if (DATE.test(to)) filters.to = to;
  }
  const dept = q.get("departmentId") ?? "";
  if (/^[1-9]\d{0,9}$/.test(dept)) filters.departmentId = dept;
  const gran = q.get("granularity") ?? "";
  if (GRANULARITIES.includes(gran)) filters.granularity = gran;
  const key = q.get("sort") ?? "";
  const sort = sortKeys.includes(key) ? { key, descending: q.get("order") !== "asc" } : { ...defaultSort };
  return { filters, sort };
}

/**
 * The query string for a state (with the leading "?", or "" for the defaults).
 * @param {DashboardState} state
 * @param {SortState} defaultSort
 */
export function stateQuery(state, defaultSort) {
  const { filters: f, sort } = state;
  const q = new URLSearchParams();
  if (f.period !== "7d") q.set("period", f.period);
  if (f.period === "custom") {
    if (f.from) q.set("from", f.from);
    if (f.to) q.set("to", f.to);
  }
  if (f.departmentId) q.set("departmentId", f.departmentId);
  if (f.granularity !== "auto") q.set("granularity", f.granularity);
  if (sort.key !== defaultSort.key || sort.descending !== defaultSort.descending) {
    q.set("sort", sort.key);
    q.set("order", sort.descending ? "desc" : "asc");
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}
