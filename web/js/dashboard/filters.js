// @ts-check
/** Period (today / 7 days / 30 days / this year / custom) and department filters of the dashboard. */
import { h, replace } from "../dom.js";
import { addDays, todayInShanghai } from "../format.js";
import { field, select } from "../forms.js";
import { t } from "../i18n.js";
import { defaultFilters, PERIODS } from "./url-state.js";

/**
 * @typedef {{ from: string, to: string, departmentId?: number, granularity: "day" | "week" | "month" }} StatsParams
 *   `from` inclusive, `to` exclusive, both YYYY-MM-DD in Shanghai.
 */

/**
 * [from, to) for a named period, ending today (Shanghai).
 * @param {string} period
 * @param {{ from?: string, to?: string }} custom inclusive dates from the inputs
 */
export function periodRange(period, custom = {}) {
  const today = todayInShanghai();
  const tomorrow = addDays(today, 1);
  switch (period) {
    case "today":
      return { from: today, to: tomorrow };
    case "30d":
      return { from: addDays(today, -29), to: tomorrow };
    case "year":
      return { from: `${today.slice(0, 4)}-01-01`, to: tomorrow };
    case "custom": {
      const from = custom.from || addDays(today, -6);
      const to = custom.to || today;
      return from <= to ? { from, to: addDays(to, 1) } : { from: to, to: addDays(from, 1) };
    }
    default:
      return { from: addDays(today, -6), to: tomorrow };
  }
}

/** Days between two YYYY-MM-DD dates. @param {string} from @param {string} to */
const daysBetween = (from, to) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** @param {string} from @param {string} to @returns {"day" | "week" | "month"} */
export function autoGranularity(from, to) {
  const days = daysBetween(from, to);
  return days <= 45 ? "day" : days <= 200 ? "week" : "month";
}

/**
 * @param {HTMLElement} container
 * @param {import("../org.js").Org} org
 * @param {() => void} onChange called after the user changed a filter
 * @param {import("./url-state.js").FilterState} [initial] e.g. from the URL
 */
export function createFilters(container, org, onChange, initial = defaultFilters()) {
  const state = { ...initial };
  if (state.departmentId && !org.byId.has(Number(state.departmentId))) state.departmentId = "";
  const status = h("div", { class: "dash-status", "aria-live": "polite" });

  function params() {
    const range = periodRange(state.period, { from: state.from, to: state.to });
    /** @type {StatsParams} */
    const p = {
      ...range,
      granularity:
        state.granularity === "auto"
          ? autoGranularity(range.from, range.to)
          : /** @type {any} */ (state.granularity),
    };
    if (state.departmentId) p.departmentId = Number(state.departmentId);
    return p;
  }

  function draw() {
    const range = periodRange(state.period, { from: state.from, to: state.to });
    const periodButtons = h(
      "div",
      { class: "period", role: "group", "aria-label": t("dash.period") },
      PERIODS.map((p) =>
        h("button", {
          type: "button",
          class: "btn",
          "aria-pressed": String(state.period === p),
          dataset: { testid: `period-${p}` },
          text: t(`dash.${p}`),
          onclick: () => {
            state.period = p;
            if (p === "custom" && !state.from) {
              state.from = range.from;
              state.to = addDays(range.to, -1);
            }
            draw();
            if (p !== "custom") onChange();
          },
        }),
      ),
    );
    const from = h("input", {
      type: "date",
      name: "from",
      value: state.from || range.from,
      dataset: { testid: "custom-from" },
    });
    const to = h("input", {
      type: "date",
      name: "to",
      value: state.to || addDays(range.to, -1),
      dataset: { testid: "custom-to" },
    });
    const custom = /** @type {HTMLFormElement} */ (
      h(
        "form",
        { class: "custom", hidden: state.period !== "custom" },
        field(t("dash.from"), from),
        field(t("dash.to"), to),
        h("button", {
          type: "submit",
          class: "btn btn-primary",
          dataset: { testid: "custom-apply" },
          text: t("dash.apply"),
        }),
      )
    );
    custom.addEventListener("submit", (e) => {
      e.preventDefault();
      state.from = /** @type {HTMLInputElement} */ (from).value;
      state.to = /** @type {HTMLInputElement} */ (to).value;
      onChange();
    });
    const dept = select("departmentId", org.treeOptions(), {
      placeholder: t("dash.allDepartments"),
      value: state.departmentId,
    });
    dept.dataset.testid = "department-filter";
    dept.addEventListener("change", () => {
      state.departmentId = dept.value;
      onChange();
    });
    const gran = select(
      "granularity",
      [
        ["auto", t("dash.auto", { g: t(`dash.${autoGranularity(range.from, range.to)}`) })],
        ["day", t("dash.day")],
        ["week", t("dash.week")],
        ["month", t("dash.month")],
      ],
      { value: state.granularity },
    );
    gran.addEventListener("change", () => {
      state.granularity = gran.value;
      onChange();
    });
    replace(
      container,
      h("h2", { id: "filters-h", class: "sr-only", text: t("dash.period") }),
      h(
        "div",
        { class: "dash-filters" },
        h("div", { class: "field" }, h("span", { class: "label", text: t("dash.period") }), periodButtons),
        custom,
        field(t("dash.department"), dept),
        field(t("dash.granularity"), gran),
        status,
      ),
    );
  }

  /** Show another state (back/forward); does not call onChange. @param {import("./url-state.js").FilterState} next */
  function set(next) {
    Object.assign(state, next);
    draw();
  }

  draw();
  return { params, draw, set, state: () => ({ ...state }), status };
}
