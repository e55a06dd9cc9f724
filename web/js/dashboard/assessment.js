// @ts-check
/**
 * 三率考核排名: the monthly assessment ranking (GET /api/v1/stats/assessment) with its own group
 * and period pickers, raw and adjusted (核减后) figures, the rank change against the previous
 * period, a CSV export, and a drill-down to the tickets behind a department's figures.
 */
import { ApiError, api, qs } from "../api.js";
import { flash, h, replace } from "../dom.js";
import { download } from "../download.js";
import { fmtCount, fmtDateTime, fmtRate, fmtScore } from "../format.js";
import { t } from "../i18n.js";

/**
 * @typedef {{ validCallbacks: number, responseRate: number | null, resolutionRate: number | null,
 *   satisfactionRate: number | null, score: number | null, overdue: number, rank: number | null,
 *   rankChange: number | null }} Figures
 * @typedef {Figures & { departmentId: number, name: string, groupId: number | null,
 *   groupName: string | null, appealsAccepted: number, adjusted: Figures }} Row
 * @typedef {{ key: string, from: string, to: string, frozen: boolean, frozenAt: string | null }} Period
 */

/** @param {number | null} change */
function changeCell(change) {
  if (change === null) return h("td", { class: "change muted", text: t("dash") });
  if (change === 0) return h("td", { class: "change rank-same", text: "=" });
  return h("td", {
    class: `change ${change > 0 ? "rank-up" : "rank-down"}`,
    title: t(change > 0 ? "assess.up" : "assess.down", { n: Math.abs(change) }),
    text: `${change > 0 ? "↑" : "↓"}${Math.abs(change)}`,
  });
}

/**
 * @param {HTMLElement} container
 * @param {import("../org.js").Org} org
 */
export function createAssessment(container, org) {
  /** @type {Array<{ id: number, name: string }>} */
  let groups = [];
  /**
   * The period shown; null until the first answer names the running one (the server knows the
   * periods' start day).
   * @type {string | null}
   */
  let period = null;
  /** @type {number | null} */
  let groupId = null;
  /** @type {{ period: Period, rows: Row[] } | null} */
  let data = null;
  /** @type {{ departmentId: number, items: Record<string, any>[] } | null} */
  let drill = null;
  const body = h("div", { class: "ranking-wrap", dataset: { testid: "assessment" } });

  const groupSelect = /** @type {HTMLSelectElement} */ (
    h("select", {
      dataset: { testid: "assessment-group" },
      onchange: () => {
        groupId = groupSelect.value ? Number(groupSelect.value) : null;
        drill = null;
        load();
      },
    })
  );
  const periodInput = /** @type {HTMLInputElement} */ (
    h("input", {
      type: "month",
      dataset: { testid: "assessment-period" },
      onchange: () => {
        if (!/^\d{4}-\d{2}$/.test(periodInput.value)) return;
        period = periodInput.value;
        drill = null;
        load();
      },
    })
  );
  const exportButton = /** @type {HTMLButtonElement} */ (
    h("button", { type: "button", class: "btn", dataset: { testid: "assessment-csv" }, onclick: exportCsv })
  );
  const labels = {
    group: h("span"),
    period: h("span"),
    title: h("h2", { id: "assessment-h" }),
  };

  async function exportCsv() {
    exportButton.disabled = true;
    try {
      const file = await download(
        `/api/v1/stats/assessment${qs({ period, groupId: groupId ?? undefined, format: "csv" })}`,
        `assessment_${period}.csv`,
      );
      flash(t("dash.exported", { file }), "ok");
    } catch (err) {
      flash(err instanceof ApiError ? err.message : String(err), "error");
    } finally {
      exportButton.disabled = false;
    }
  }

  async function load() {
    try {
      data = await api(`/api/v1/stats/assessment${qs({ period, groupId: groupId ?? undefined })}`);
      if (data) {
        period = data.period.key;
        periodInput.value = period;
      }
      if (drill) await openDrill(drill.departmentId);
    } catch (err) {
      data = null;
      flash(err instanceof ApiError ? err.message : String(err), "error");
    }
    render();
  }

  /** @param {number} departmentId */
  async function openDrill(departmentId) {
    const r = await api(`/api/v1/stats/assessment/tickets${qs({ period, departmentId })}`);
    drill = { departmentId, items: r.items };
  }

  /** @param {Figures} f @param {boolean} adjusted */
  const figureCells = (f, adjusted) => [
    h("td", { class: adjusted ? "adjusted" : "", text: fmtRate(f.responseRate) }),
    h("td", { class: adjusted ? "adjusted" : "", text: fmtRate(f.resolutionRate) }),
    h("td", { class: adjusted ? "adjusted" : "", text: fmtRate(f.satisfactionRate) }),
    h("td", { class: `score${adjusted ? " adjusted" : ""}`, text: fmtScore(f.score) }),
  ];

  function drillTable() {
    if (!drill) return null;
    const d = drill;
    const yesNo = (/** @type {boolean | null} */ v) =>
      v === null ? t("dash") : v ? t("assess.yes") : t("assess.no");
    return h(
      "div",
      { class: "assessment-drill", dataset: { testid: "assessment-drill" } },
      h(
        "div",
        { class: "panel-head" },
        h("h3", { text: t("assess.drillTitle", { name: org.deptName(d.departmentId), n: d.items.length }) }),
        h("button", {
          type: "button",
          class: "btn",
          text: t("assess.closeDrill"),
          onclick: () => {
            drill = null;
            render();
          },
        }),
      ),
      h(
        "table",
        { class: "ranking" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["ticket", "title", "callbackAt", "rating", "resolved", "contacted", "overdue", "excluded"].map(
              (k) => h("th", { scope: "col", text: t(`assess.t.${k}`) }),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          d.items.map((i) =>
            h(
              "tr",
              { dataset: { testid: "assessment-ticket" } },
              h("td", {}, h("a", { href: `/index.html#/tickets/${i.ticketId}`, text: i.number })),
              h("td", { text: i.title }),
              h("td", { text: fmtDateTime(i.callbackAt) }),
              h("td", { text: t(`rating.${i.rating}`) }),
              h("td", { text: yesNo(i.resolved) }),
              h("td", { text: yesNo(i.contacted) }),
              h("td", { text: i.overdue ? t("assess.yes") : "" }),
              h("td", {
                class: i.excluded.length ? "adjusted" : "",
                text: i.excluded.map((/** @type {string} */ g) => t(`appeal.ground.${g}`)).join("、"),
              }),
            ),
          ),
        ),
      ),
    );
  }

  function render() {
    labels.title.textContent = t("assess.title");
    labels.group.textContent = t("assess.group");
    labels.period.textContent = t("assess.period");
    exportButton.textContent = t("dash.exportCsv");
    replace(
      groupSelect,
      h("option", { value: "", text: t("assess.allGroups") }),
      groups.map((g) => h("option", { value: String(g.id), text: g.name, selected: g.id === groupId })),
    );
    if (!data) {
      replace(body, h("p", { class: "empty", text: t("dash.noData") }));
      return;
    }
    const p = data.period;
    const note = h("p", {
      class: "ranking-note muted",
      dataset: { testid: "assessment-note" },
      text: t(p.frozen ? "assess.frozen" : "assess.live", { from: p.from, to: p.to }),
    });
    const head = h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col", rowspan: "2", text: t("dash.rank") }),
        h("th", { scope: "col", rowspan: "2", class: "change", text: t("assess.change") }),
        h("th", { scope: "col", rowspan: "2", class: "name", text: t("assess.department") }),
        h("th", { scope: "col", rowspan: "2", class: "name", text: t("assess.group") }),
        h("th", { scope: "col", rowspan: "2", text: t("assess.valid") }),
        h("th", { scope: "colgroup", colspan: "4", text: t("assess.raw") }),
        h("th", { scope: "col", rowspan: "2", text: t("assess.appeals") }),
        h("th", { scope: "colgroup", colspan: "5", class: "adjusted", text: t("assess.adjusted") }),
      ),
      h(
        "tr",
        {},
        [false, true].flatMap((adj) =>
          ["response", "resolution", "satisfaction", "score"].map((k) =>
            h("th", { scope: "col", class: adj ? "adjusted" : "", text: t(`assess.${k}`) }),
          ),
        ),
        h("th", { scope: "col", class: "adjusted", text: t("dash.rank") }),
      ),
    );
    const rows = data.rows.map((r) =>
      h(
        "tr",
        { dataset: { testid: "assessment-row", departmentId: r.departmentId } },
        h("td", {
          dataset: { testid: "assessment-rank" },
          text: r.rank === null ? t("dash") : String(r.rank),
        }),
        changeCell(r.rankChange),
        h(
          "td",
          { class: "name" },
          h("a", {
            href: "#",
            title: t("assess.drill"),
            text: org.deptName(r.departmentId) || r.name,
            onclick: async (/** @type {Event} */ e) => {
              e.preventDefault();
              try {
                await openDrill(r.departmentId);
              } catch (err) {
                flash(err instanceof ApiError ? err.message : String(err), "error");
              }
              render();
            },
          }),
        ),
        h("td", { class: "name", text: r.groupName ?? t("assess.noGroup") }),
        h("td", { text: fmtCount(r.validCallbacks) }),
        figureCells(r, false),
        h("td", { class: r.appealsAccepted ? "adjusted" : "", text: fmtCount(r.appealsAccepted) }),
        figureCells(r.adjusted, true),
        h("td", { class: "adjusted", text: r.adjusted.rank === null ? t("dash") : String(r.adjusted.rank) }),
      ),
    );
    replace(
      body,
      note,
      data.rows.length
        ? h(
            "table",
            { class: "ranking assessment", dataset: { testid: "assessment-table" } },
            head,
            h("tbody", {}, rows),
          )
        : h("p", { class: "empty", text: t("dash.noData") }),
      drillTable(),
    );
  }

  replace(
    container,
    h(
      "div",
      { class: "panel-head" },
      labels.title,
      h(
        "div",
        { class: "assessment-controls" },
        h("label", { class: "assessment-control" }, labels.group, groupSelect),
        h("label", { class: "assessment-control" }, labels.period, periodInput),
        exportButton,
      ),
    ),
    body,
  );

  (async () => {
    try {
      groups = (await api("/api/v1/assessment-groups")).items;
    } catch {
      groups = [];
    }
    await load();
  })();

  return { redraw: render, refresh: load };
}
