// @ts-check
/** KPI cards from GET /api/v1/stats/summary; values carry data-testid="kpi-<name>" and data-value. */
import { h, replace } from "../dom.js";
import { fmtCount, fmtRate, fmtScore } from "../format.js";
import { t } from "../i18n.js";

/** [field, formatter, alert when > 0] */
const KPIS = /** @type {const} */ ([
  ["received", "count"],
  ["closed", "count"],
  ["completionRate", "rate"],
  ["onTimeRate", "rate"],
  ["responseRate", "rate"],
  ["satisfactionRate", "rate"],
  ["satisfactionScore", "score"],
  ["resolutionRate", "rate"],
  ["reopenRate", "rate"],
  ["returnRate", "rate"],
  ["overdueOpen", "count", true],
  ["warnings", "count", true],
]);

/**
 * The text a KPI shows, also used by tests to compare with the API.
 * @param {"count" | "rate" | "score"} kind
 * @param {number | null | undefined} v
 */
export function kpiText(kind, v) {
  return kind === "rate" ? fmtRate(v) : kind === "score" ? fmtScore(v) : fmtCount(v);
}

/** @param {HTMLElement} container */
export function createKpis(container) {
  /** @type {Record<string, number | null> | null} */
  let last = null;
  function render(/** @type {Record<string, number | null> | null} */ summary) {
    last = summary;
    replace(
      container,
      KPIS.map(([key, kind, alert]) => {
        const v = summary ? summary[key] : null;
        return h(
          "div",
          { class: `kpi${alert && v ? " alert" : ""}` },
          h("dt", { id: `kpi-label-${key}`, text: t(`kpi.${key}`) }),
          h("dd", {
            dataset: { testid: `kpi-${key}`, value: v === null || v === undefined ? "" : String(v) },
            text: kpiText(kind, v),
          }),
        );
      }),
    );
  }
  render(null);
  return { render, redraw: () => render(last) };
}
