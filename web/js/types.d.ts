/** Globals the pages provide outside the ES modules. */
import type { Chart } from "chart.js";

declare global {
  interface Window {
    /** Chart.js, from the UMD build dashboard.html loads from /vendor/chart.js/chart.umd.js. */
    Chart: typeof Chart;
  }
}
