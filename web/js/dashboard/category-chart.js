// @ts-check
/** Hot categories: received this period against the previous one, horizontal bars. */
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";

/**
 * @typedef {{ categoryCode: string, categoryName: string, received: number, previousReceived: number, change: number | null }} CategoryItem
 */

const TOP = 10;

/**
 * "+3 (+50.0%)": computed here from the two counts, whatever `change` means upstream.
 * @param {CategoryItem} item
 */
export function changeText(item) {
  const diff = item.received - item.previousReceived;
  const sign = diff > 0 ? "+" : "";
  const rel = item.previousReceived ? ` (${sign}${((diff / item.previousReceived) * 100).toFixed(1)}%)` : "";
  return `${sign}${diff}${rel}`;
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {import("../org.js").Org} org
 * @param {{ href?: (categoryCode: string) => string | null }} [opts] a bar's tickets (this period's)
 */
export function createCategoryChart(canvas, org, opts = {}) {
  /** @type {CategoryItem[]} */
  let items = [];
  const chart = new window.Chart(canvas, {
    type: "bar",
    data: { labels: /** @type {string[]} */ ([]), datasets: [] },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      // A click on a category's bars (or its label's row) opens its tickets received this period.
      interaction: { mode: "index", axis: "y", intersect: false },
      onClick: (/** @type {any} */ _e, /** @type {Array<{ index: number }>} */ hits) => {
        const item = items[hits[0]?.index ?? -1];
        const href = item ? opts.href?.(item.categoryCode) : null;
        if (href) location.assign(href);
      },
      onHover: (/** @type {any} */ e, /** @type {unknown[]} */ hits) => {
        const target = /** @type {HTMLElement | null} */ (e.native?.target ?? null);
        if (target) target.style.cursor = hits.length && opts.href ? "pointer" : "";
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: {
          callbacks: {
            afterBody: (/** @type {Array<{ dataIndex: number }>} */ ctx) => {
              const item = items[ctx[0]?.dataIndex ?? -1];
              return item ? `${t("dash.change")}: ${changeText(item)}` : "";
            },
          },
        },
      },
      scales: {
        x: { beginAtZero: true, ticks: { precision: 0 } },
        // Every category named: Chart.js would otherwise skip labels it thinks crowded (5 of 10).
        y: { ticks: { autoSkip: false, font: { size: 11 } } },
      },
    },
  });

  function render(/** @type {CategoryItem[]} */ next) {
    items = [...next].sort((a, b) => b.received - a.received).slice(0, TOP);
    chart.data.labels = items.map((i) => org.categoryName(i.categoryCode) || i.categoryName);
    chart.data.datasets = [
      { label: t("kpi.received"), data: items.map((i) => i.received), backgroundColor: "#1f5fbf" },
      { label: t("dash.previous"), data: items.map((i) => i.previousReceived), backgroundColor: "#b9c3cf" },
    ];
    chart.update();
    // The bars as links too, for the keyboard and screen readers (the canvas is one image).
    const links = canvas.parentElement?.querySelector("[data-testid=category-links]");
    if (links && opts.href) {
      replace(
        links,
        items.map((i) =>
          h(
            "li",
            {},
            h("a", {
              href: opts.href?.(i.categoryCode) ?? "#",
              text: `${org.categoryName(i.categoryCode) || i.categoryName} ${i.received}`,
            }),
          ),
        ),
      );
    }
  }
  return { render, redraw: () => render(items), chart };
}
