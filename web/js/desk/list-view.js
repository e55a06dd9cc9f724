// @ts-check
/** Find tickets: filters (status, category, urgency, overdue, text, sort) kept in the hash, paged results. */
import { h, replace } from "../dom.js";
import { field, select } from "../forms.js";
import { stateLabel, t } from "../i18n.js";
import { OPEN_STATES, TICKET_STATES } from "../vocabulary.js";
import { pagedList } from "./paged-list.js";

const OPEN = OPEN_STATES.join(",");
const FILTERS = ["status", "categoryCode", "urgency", "overdue", "q", "sort"];

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
  for (const key of [...FILTERS, "limit"]) {
    const v = query.get(key);
    if (v) apiQuery[key] = v;
  }
  const list = pagedList(org, { query: apiQuery });
  replace(
    view,
    h(
      "section",
      { class: "panel", "aria-labelledby": "list-heading" },
      h("h1", { id: "list-heading", text: t("list.heading") }),
      form,
      list.element,
    ),
  );
  list.load();
}
