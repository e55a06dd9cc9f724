// @ts-check
/**
 * Click-through from a dashboard figure to its tickets: the desk's list (`/index.html#/tickets?…`)
 * with the same period, department, category and the figure (GET /api/v1/tickets?figure=…,
 * src/stats/drill.ts). Pure: no DOM.
 *
 * A count opens its tickets; a rate opens the tickets that keep it from 100 % (what a manager
 * follows up): completion → not yet closed, on time → late, satisfaction → dissatisfied, …
 */

/** Dashboard figure (KPI card, ranking column) → the `figure` of the ticket list. */
export const FIGURE_OF = /** @type {const} */ ({
  received: "received",
  closed: "closed",
  completionRate: "open",
  onTimeRate: "late",
  responseRate: "signLate",
  satisfactionRate: "dissatisfied",
  satisfactionScore: "rated",
  resolutionRate: "unresolved",
  reopenRate: "reopened",
  returnRate: "returned",
  overdueOpen: "overdueOpen",
  warnings: "warnings",
});

/** The list filters a click-through sets (kept by the desk's list, sent to the API). */
export const DRILL_PARAMS = [
  "figure",
  "receivedFrom",
  "receivedTo",
  "departmentId",
  "subtree",
  "categoryCode",
  "channel",
];

/**
 * @typedef {{ from: string, to: string, departmentId?: number | string, subtree?: boolean,
 *   categoryCode?: string }} DrillScope  `to` exclusive, like the stats API
 */

/**
 * The desk list behind `key` (a FIGURE_OF key) in `scope`.
 * @param {string} key
 * @param {DrillScope} scope
 */
export function drillHref(key, scope) {
  const figure = FIGURE_OF[/** @type {keyof typeof FIGURE_OF} */ (key)];
  if (!figure) return null;
  const q = new URLSearchParams({ figure, receivedFrom: scope.from, receivedTo: scope.to });
  if (scope.departmentId) q.set("departmentId", String(scope.departmentId));
  if (scope.departmentId && scope.subtree === false) q.set("subtree", "false");
  if (scope.categoryCode) q.set("categoryCode", scope.categoryCode);
  return `/index.html#/tickets?${q}`;
}

const LAST_VIEW = "hotline.dashboard";

/** The dashboard remembers its view (path and query) for the list's "back to the dashboard". */
export function rememberDashboard(/** @type {string} */ url) {
  try {
    sessionStorage.setItem(LAST_VIEW, url);
  } catch {
    // storage refused: the link falls back to the default view
  }
}

/** The dashboard's last view in this tab, else its default. */
export function dashboardUrl() {
  try {
    const url = sessionStorage.getItem(LAST_VIEW) ?? "";
    return /^\/dashboard\.html(\?[^#]*)?$/.test(url) ? url : "/dashboard.html";
  } catch {
    return "/dashboard.html";
  }
}
