// @ts-check
/**
 * Department ranking, sortable by any column (click the header; again to reverse).
 *
 * Default: 按时签收率 (signing on time), best first. Signing is judged within hours of a dispatch,
 * so even a 7-day period separates departments by it; the resolution figures (on-time rate,
 * satisfaction) are judged only when tickets close or their deadlines pass, weeks later, so over
 * a short period nearly every department shows 100 % and a ranking by them says nothing.
 * Sorted by a rate or score, departments with fewer than MIN_RANKED tickets received in the
 * period, or no value, get no rank and are listed last: one late ticket out of two is no basis
 * for placing a department last.
 */
import { h, replace } from "../dom.js";
import { fmtCount, fmtRate, fmtScore } from "../format.js";
import { t } from "../i18n.js";

/** @type {Array<[string, "text" | "count" | "rate" | "score"]>} */
const COLUMNS = [
  ["departmentName", "text"],
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
  ["overdueOpen", "count"],
];
export const SORT_KEYS = COLUMNS.map(([key]) => key);
/** @type {import("./url-state.js").SortState} */
export const DEFAULT_SORT = { key: "responseRate", descending: true };
/** Fewer tickets received than this: not ranked by a rate or a score. */
export const MIN_RANKED = 5;

/**
 * @param {HTMLElement} container
 * @param {import("../org.js").Org} org
 * @param {{ sort?: import("./url-state.js").SortState, onSort?: () => void,
 *   href?: (key: string, departmentId: number) => string | null }} [opts] `href`: a cell's tickets
 */
export function createRanking(container, org, opts = {}) {
  /** @type {Record<string, any>[]} */
  let items = [];
  let { key: sortKey, descending } = opts.sort ?? DEFAULT_SORT;

  /** @param {Record<string, any>} row */
  const name = (row) => org.deptName(row.departmentId) || row.departmentName;
  const kindOf = (/** @type {string} */ key) => COLUMNS.find(([k]) => k === key)?.[1] ?? "count";

  /** Whether a row takes a place in the current order (see MIN_RANKED). @param {Record<string, any>} row */
  function ranked(row) {
    const kind = kindOf(sortKey);
    if (kind !== "rate" && kind !== "score") return true;
    return row[sortKey] !== null && row[sortKey] !== undefined && row.received >= MIN_RANKED;
  }

  function sorted() {
    const dir = descending ? -1 : 1;
    return [...items].sort((a, b) => {
      const ra = ranked(a);
      if (ra !== ranked(b)) return ra ? -1 : 1;
      const va = sortKey === "departmentName" ? name(a) : a[sortKey];
      const vb = sortKey === "departmentName" ? name(b) : b[sortKey];
      if (va === vb) return b.received - a.received;
      if (va === null || va === undefined) return 1; // no data last, either direction
      if (vb === null || vb === undefined) return -1;
      return (typeof va === "string" ? va.localeCompare(vb) : va - vb) * dir;
    });
  }

  function render() {
    const head = h(
      "tr",
      {},
      h("th", { scope: "col", text: t("dash.rank") }),
      COLUMNS.map(([key]) =>
        h(
          "th",
          { scope: "col", "aria-sort": key === sortKey ? (descending ? "descending" : "ascending") : "none" },
          h("button", {
            type: "button",
            title: t("dash.sortBy", { col: t(`dash.col.${key}`) }),
            dataset: { testid: `sort-${key}` },
            text: t(`dash.col.${key}`),
            onclick: () => {
              if (sortKey === key) descending = !descending;
              else {
                sortKey = key;
                // Rates where lower is better start with the best, like the others.
                descending = key !== "departmentName" && key !== "reopenRate" && key !== "returnRate";
              }
              render();
              opts.onSort?.();
            },
          }),
        ),
      ),
    );
    let place = 0;
    const rows = sorted().map((row) => {
      const isRanked = ranked(row);
      if (isRanked) place += 1;
      return h(
        "tr",
        {
          class: isRanked ? "" : "unranked",
          dataset: { testid: "ranking-row", departmentId: row.departmentId },
        },
        h(
          "td",
          isRanked ? { dataset: { testid: "rank" } } : { title: t("dash.unranked", { n: MIN_RANKED }) },
          isRanked ? String(place) : t("dash"),
        ),
        COLUMNS.map(([key, kind]) => {
          const v = row[key];
          const text =
            kind === "text"
              ? name(row)
              : kind === "rate"
                ? fmtRate(v)
                : kind === "score"
                  ? fmtScore(v)
                  : fmtCount(v);
          // The name opens the department's tickets, a figure the tickets behind it.
          const href = opts.href?.(kind === "text" ? "received" : key, row.departmentId) ?? null;
          return h(
            "td",
            { class: key === "overdueOpen" && v > 0 ? "overdue" : "" },
            href && (kind === "text" || (v !== null && v !== undefined))
              ? h("a", { href, title: t(`drill.${kind === "text" ? "received" : key}`), text })
              : text,
          );
        }),
      );
    });
    replace(
      container,
      h("p", {
        class: "ranking-note muted",
        dataset: { testid: "ranking-note" },
        text: t("dash.rankingNote", { n: MIN_RANKED }),
      }),
      items.length
        ? h(
            "table",
            { class: "ranking", dataset: { testid: "ranking" } },
            h("thead", {}, head),
            h("tbody", {}, rows),
          )
        : h("p", { class: "empty", text: t("dash.noData") }),
    );
  }

  return {
    render(/** @type {Record<string, any>[]} */ next) {
      items = next;
      render();
    },
    redraw: render,
    /** @returns {import("./url-state.js").SortState} */
    sort: () => ({ key: sortKey, descending }),
    /** @param {import("./url-state.js").SortState} next */
    setSort(next) {
      sortKey = next.key;
      descending = next.descending;
      render();
    },
  };
}
