// @ts-check
/**
 * KPI cards from GET /api/v1/stats/summary; values carry data-testid="kpi-<name>" and data-value.
 * Under each value, the change against the previous period of the same length (change.js),
 * data-testid="change-<name>" with data-sense good / bad / neutral.
 */

import { h, replace } from "../dom.js";
import { addDays, fmtCount, fmtRate, fmtScore } from "../format.js";
import { t } from "../i18n.js";
import { kpiChange } from "./change.js";

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

/**
 * "▲ 2.3 个百分点", "▼ 12 (−8.5%)", "持平".
 * @param {import("./change.js").Change} c
 * @param {"count" | "rate" | "score"} kind
 */
export function changeText(c, kind) {
  if (c.direction === "flat") return t("dash.flat");
  const arrow = c.direction === "up" ? "▲" : "▼";
  const size = Math.abs(c.delta);
  if (kind === "rate") return `${arrow} ${t("dash.pp", { n: (size * 100).toFixed(1) })}`;
  if (kind === "score") return `${arrow} ${size.toFixed(1)}`;
  const rel =
    c.relative === null ? "" : ` (${c.relative > 0 ? "+" : "−"}${Math.abs(c.relative * 100).toFixed(1)}%)`;
  return `${arrow} ${fmtCount(size)}${rel}`;
}

/**
 * @typedef {Record<string, number | null>} Summary
 * @typedef {{ summary: Summary, from: string, to: string }} Previous the previous period (`to` exclusive)
 */

/**
 * @param {HTMLElement} container
 * @param {{ href?: (key: string) => string | null }} [opts] where a card leads (its tickets)
 */
export function createKpis(container, opts = {}) {
  /** @type {Summary | null} */
  let last = null;
  /** @type {Previous | null} */
  let lastPrevious = null;
  function render(/** @type {Summary | null} */ summary, /** @type {Previous | null} */ previous = null) {
    last = summary;
    lastPrevious = previous;
    replace(
      container,
      KPIS.map(([key, kind, alert]) => {
        const v = summary ? summary[key] : null;
        const href = summary ? (opts.href?.(key) ?? null) : null;
        const text = kpiText(kind, v);
        return h(
          "div",
          { class: `kpi${alert && v ? " alert" : ""}${href ? " linked" : ""}` },
          h("dt", { id: `kpi-label-${key}`, text: t(`kpi.${key}`) }),
          h(
            "dd",
            { dataset: { testid: `kpi-${key}`, value: v === null || v === undefined ? "" : String(v) } },
            // The whole card is the link (CSS stretches it); its name says where it leads.
            href
              ? h("a", {
                  href,
                  title: t(`drill.${key}`),
                  "aria-label": `${t(`kpi.${key}`)} ${text}: ${t(`drill.${key}`)}`,
                  dataset: { testid: `drill-${key}` },
                  text,
                })
              : text,
          ),
          changeLine(key, kind, v, previous),
        );
      }),
    );
  }

  /**
   * @param {string} key
   * @param {"count" | "rate" | "score"} kind
   * @param {number | null | undefined} v
   * @param {Previous | null} previous
   */
  function changeLine(key, kind, v, previous) {
    if (!previous) return null;
    const before = previous.summary[key];
    const c = kpiChange(key, kind, v, before);
    const title = c
      ? t("dash.previousValue", {
          from: previous.from,
          to: addDays(previous.to, -1),
          value: kpiText(kind, before),
        })
      : t(key === "overdueOpen" || key === "warnings" ? "dash.notCompared" : "dash.noPrevious");
    return h("dd", {
      class: `kpi-change ${c ? c.sense : "none"}`,
      title,
      dataset: { testid: `change-${key}`, sense: c ? c.sense : "" },
      text: c ? `${t("dash.change")} ${changeText(c, kind)}` : "\u00a0",
    });
  }
  render(null);
  return { render, redraw: () => render(last, lastPrevious) };
}
