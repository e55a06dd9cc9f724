// @ts-check
/** Department ranking, sortable by any column (click the header; again to reverse). */
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

/**
 * @param {HTMLElement} container
 * @param {import("../org.js").Org} org
 */
export function createRanking(container, org) {
  /** @type {Record<string, any>[]} */
  let items = [];
  let sortKey = "onTimeRate";
  let descending = true;

  /** @param {Record<string, any>} row */
  const name = (row) => org.deptName(row.departmentId) || row.departmentName;

  function sorted() {
    const dir = descending ? -1 : 1;
    return [...items].sort((a, b) => {
      const va = sortKey === "departmentName" ? name(a) : a[sortKey];
      const vb = sortKey === "departmentName" ? name(b) : b[sortKey];
      if (va === vb) return 0;
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
                descending = key !== "departmentName";
              }
              render();
            },
          }),
        ),
      ),
    );
    const rows = sorted().map((row, i) =>
      h(
        "tr",
        { dataset: { testid: "ranking-row", departmentId: row.departmentId } },
        h("td", { text: String(i + 1) }),
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
          return h("td", { class: key === "overdueOpen" && v > 0 ? "overdue" : "", text });
        }),
      ),
    );
    replace(
      container,
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
  };
}
