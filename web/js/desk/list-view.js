// @ts-check
/**
 * Find tickets: filters (status, category, urgency, overdue, text, sort) kept in the hash, paged
 * results, CSV export of the list. A click-through from the dashboard adds its figure, period and
 * department (dashboard/drill.js): shown above the filters, kept while the filters change.
 */
import { ApiError, api, qs } from "../api.js";
import { DRILL_PARAMS, dashboardUrl } from "../dashboard/drill.js";
import { flash, h, replace } from "../dom.js";
import { download } from "../download.js";
import { addDays, fmtCount } from "../format.js";
import { field, select } from "../forms.js";
import { stateLabel, t } from "../i18n.js";
import { OPEN_STATES, TICKET_STATES } from "../vocabulary.js";
import { pagedList } from "./paged-list.js";

const OPEN = OPEN_STATES.join(",");
const FILTERS = ["status", "categoryCode", "urgency", "overdue", "q", "sort"];
/** Set by the dashboard, not by the form: kept when the form is applied. */
const KEPT = DRILL_PARAMS.filter((k) => !FILTERS.includes(k));
/** Rows an export holds at most (src/tickets/ticket.list.ts EXPORT_MAX_ROWS). */
const EXPORT_LIMIT = 50_000;

/**
 * @param {HTMLElement} view
 * @param {{ org: import("../org.js").Org }} ctx
 * @param {URLSearchParams} query
 */
export function renderList(view, ctx, query) {
  const { org } = ctx;
  const status = select(
    "status",
    [
      [OPEN, t("list.openStatuses")],
      ...TICKET_STATES.map((s) => /** @type {[string, string]} */ ([s, stateLabel(s)])),
    ],
    { placeholder: t("list.anyStatus"), value: query.get("status") ?? "" },
  );
  const category = select(
    "categoryCode",
    org.categories.map((c) => /** @type {[string, string]} */ ([c.code, org.categoryName(c.code)])),
    { placeholder: t("list.anyCategory"), value: query.get("categoryCode") ?? "" },
  );
  const urgency = select(
    "urgency",
    ["normal", "urgent", "critical"].map((u) => /** @type {[string, string]} */ ([u, t(`urgency.${u}`)])),
    { placeholder: t("list.anyUrgency"), value: query.get("urgency") ?? "" },
  );
  const text = h("input", {
    name: "q",
    type: "search",
    value: query.get("q") ?? "",
    placeholder: t("list.textPlaceholder"),
  });
  const sort = select(
    "sort",
    [
      ["newest", t("list.sortNewest")],
      ["deadline", t("list.sortDeadline")],
    ],
    { value: query.get("sort") ?? "newest" },
  );
  const overdue = h("input", {
    type: "checkbox",
    name: "overdue",
    id: "filter-overdue",
    value: "true",
    checked: query.get("overdue") === "true",
  });

  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "filters", role: "search", "aria-label": t("list.filters") },
      field(t("list.text"), text, { class: "grow" }),
      field(t("list.status"), status),
      field(t("list.category"), category),
      field(t("list.urgency"), urgency),
      field(t("list.sort"), sort),
      h(
        "div",
        { class: "field check" },
        overdue,
        h("label", { for: "filter-overdue", text: t("list.overdue") }),
      ),
      h(
        "div",
        { class: "field actions" },
        h("button", { type: "submit", class: "btn btn-primary", text: t("list.apply") }),
        h("a", { href: "#/tickets", class: "btn", text: t("list.reset") }),
      ),
    )
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const next = new URLSearchParams();
    for (const key of KEPT) {
      const v = query.get(key);
      if (v) next.set(key, v);
    }
    for (const key of FILTERS) {
      const v = String(data.get(key) ?? "").trim();
      if (v && !(key === "sort" && v === "newest")) next.set(key, v);
    }
    const hash = `#/tickets${next.size ? `?${next}` : ""}`;
    if (location.hash === hash) renderList(view, ctx, next);
    else location.hash = hash;
  });

  /** @type {Record<string, string>} */
  const apiQuery = {};
  for (const key of [...FILTERS, ...KEPT, "limit"]) {
    const v = query.get(key);
    if (v) apiQuery[key] = v;
  }
  const list = pagedList(org, { query: apiQuery });
  const { limit: _limit, ...exportQuery } = apiQuery;
  const total = h("span", { class: "list-total", dataset: { testid: "list-total" } });
  const exportButton = /** @type {HTMLButtonElement} */ (
    h("button", {
      type: "button",
      class: "btn",
      dataset: { testid: "list-export" },
      text: t("list.exportCsv"),
    })
  );
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    try {
      const file = await download(`/api/v1/tickets/export.csv${qs(exportQuery)}`, "tickets.csv");
      flash(t("dash.exported", { file }), "ok");
    } catch (err) {
      flash(err instanceof ApiError ? err.message : String(err), "error");
    } finally {
      exportButton.disabled = false;
    }
  });
  replace(
    view,
    h(
      "section",
      { class: "panel", "aria-labelledby": "list-heading" },
      h(
        "div",
        { class: "panel-head" },
        h("h1", { id: "list-heading", text: t("list.heading") }),
        h("div", { class: "list-actions" }, total, exportButton),
      ),
      drillBanner(query, org),
      form,
      list.element,
    ),
  );
  list.load();
  // How many tickets the whole list holds (the pages load 50 at a time).
  api(`/api/v1/tickets${qs({ ...exportQuery, limit: 1, total: "true" })}`)
    .then((/** @type {{ total?: number }} */ page) => {
      total.dataset.value = String(page.total ?? "");
      // The API counts up to 50,001 (the export's limit is 50,000 rows).
      total.textContent =
        page.total === undefined
          ? ""
          : page.total > EXPORT_LIMIT
            ? t("list.totalOver", { n: fmtCount(EXPORT_LIMIT) })
            : t("list.total", { n: fmtCount(page.total) });
    })
    .catch(() => {});
}

/**
 * What a dashboard click-through selected: the figure, the received period, the department.
 * @param {URLSearchParams} query
 * @param {import("../org.js").Org} org
 */
function drillBanner(query, org) {
  const figure = query.get("figure");
  const from = query.get("receivedFrom");
  const to = query.get("receivedTo");
  if (!figure && !from && !to) return null;
  const dept = query.get("departmentId");
  const parts = [
    figure ? t(`figure.${figure}`) : null,
    from || to
      ? t("list.receivedPeriod", {
          from: from ?? "…",
          to: to && /^\d{4}-\d{2}-\d{2}$/.test(to) ? addDays(to, -1) : (to ?? "…"),
        })
      : null,
    dept
      ? `${org.deptName(Number(dept))}${query.get("subtree") === "false" ? t("list.deptOnly") : t("list.deptTree")}`
      : null,
    query.get("categoryCode") ? org.categoryName(query.get("categoryCode")) : null,
  ].filter(Boolean);
  // Back to the dashboard as it was: it keeps its filters in its URL and leaves that URL here.
  const back = h("a", { href: dashboardUrl(), text: t("list.backToDashboard") });
  return h(
    "p",
    { class: "drill-banner", dataset: { testid: "drill-banner" } },
    h("strong", { text: t("list.fromDashboard") }),
    ` ${parts.join(" · ")} `,
    back,
  );
}
