// @ts-check
/**
 * Received and closed per period (bars) with on-time and satisfaction rates (lines, %), Chart.js.
 * A click on a bar opens that bucket's received or closed tickets (drill.js).
 */
import { t } from "../i18n.js";

/**
 * @typedef {{ period: string, to: string, received: number, closed: number, onTimeRate: number | null,
 *   satisfactionRate: number | null }} TrendItem  `period`..`to`: the bucket's days ([), within the period)
 */

/** @param {number | null | undefined} v */
const pct = (v) => (v === null || v === undefined ? null : Math.round(v * 1000) / 10);

/** The figure behind each bar dataset, in dataset order. */
const BAR_FIGURES = ["received", "closed"];

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{ href?: (key: string, from: string, to: string) => string | null }} [opts] a bar's tickets
 */
export function createTrendChart(canvas, opts = {}) {
  /** @type {TrendItem[]} */
  let items = [];
  const chart = new window.Chart(canvas, {
    data: { labels: /** @type {string[]} */ ([]), datasets: [] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      // The bar under the pointer (not the whole column the tooltip shows).
      onClick: (/** @type {any} */ e) => {
        /** @type {Array<{ index: number, datasetIndex: number }>} */
        const hits = chart.getElementsAtEventForMode(e, "nearest", { intersect: true }, true);
        const bar = hits.find((hit) => hit.datasetIndex < BAR_FIGURES.length);
        const item = bar ? items[bar.index] : undefined;
        const href =
          bar && item ? opts.href?.(BAR_FIGURES[bar.datasetIndex] ?? "", item.period, item.to) : null;
        if (href) location.assign(href);
      },
      plugins: {
        legend: {
          position: "bottom",
          // Bars first, as the datasets are listed (the draw order puts the lines on top).
          labels: {
            boxWidth: 12,
            sort: (/** @type {any} */ a, /** @type {any} */ b) => a.datasetIndex - b.datasetIndex,
          },
        },
      },
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 } },
        rate: {
          position: "right",
          min: 0,
          max: 100,
          grid: { drawOnChartArea: false },
          ticks: { callback: (/** @type {number | string} */ v) => `${v}%` },
        },
      },
    },
  });

  function render(/** @type {TrendItem[]} */ next) {
    items = next;
    chart.data.labels = items.map((i) => i.period);
    chart.data.datasets = [
      {
        type: "bar",
        label: t("kpi.received"),
        data: items.map((i) => i.received),
        backgroundColor: "#7aa7e6",
        order: 2,
      },
      {
        type: "bar",
        label: t("kpi.closed"),
        data: items.map((i) => i.closed),
        backgroundColor: "#2e9d4f",
        order: 2,
      },
      {
        type: "line",
        label: t("dash.onTimeRateSeries"),
        data: items.map((i) => pct(i.onTimeRate)),
        yAxisID: "rate",
        borderColor: "#e8a200",
        backgroundColor: "#e8a200",
        spanGaps: true,
        order: 1,
      },
      {
        type: "line",
        label: t("dash.satisfactionRateSeries"),
        data: items.map((i) => pct(i.satisfactionRate)),
        yAxisID: "rate",
        borderColor: "#b3261e",
        backgroundColor: "#b3261e",
        spanGaps: true,
        order: 1,
      },
    ];
    chart.update();
  }
  return { render, redraw: () => render(items), chart };
}
