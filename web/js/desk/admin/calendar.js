// @ts-check
/**
 * The holiday calendar of a year: public holidays (休) and make-up working days (调休, 班) on
 * twelve month grids and in a list; add or remove days, or fill the year from the State Council
 * notice as the `chinese-days` package ships it. Nothing is stored until 保存.
 */
import { api } from "../../api.js";
import { flash, h, replace } from "../../dom.js";
import { todayInShanghai } from "../../format.js";
import { field, select } from "../../forms.js";
import { getLang, t } from "../../i18n.js";

/** @typedef {{ date: string, kind: "holiday" | "workday", name: string }} Day */

/** Day of the week of a local date, 0 = Sunday. @param {string} date */
const dow = (date) => new Date(`${date}T00:00:00Z`).getUTCDay();
/** @param {number} n */
const pad = (n) => String(n).padStart(2, "0");

/**
 * @param {HTMLElement} el
 * @param {import("./admin.js").Ctx} _ctx
 * @param {URLSearchParams} query
 */
export function renderCalendarAdmin(el, _ctx, query) {
  const thisYear = Number(todayInShanghai().slice(0, 4));
  let year = Number(query.get("year")) || thisYear;
  /** @type {Map<string, Day>} */
  let days = new Map();
  /** @type {number[]} */
  let workingWeekdays = [1, 2, 3, 4, 5];
  let dirty = false;

  const grid = h("div", { class: "cal-grid", dataset: { testid: "cal-grid" } });
  const list = h("tbody");
  const status = h("span", { class: "hint", role: "status" });
  const yearSelect = select(
    "year",
    Array.from({ length: 6 }, (_, i) => thisYear - 2 + i).map((y) => [y, String(y)]),
    { value: year },
  );
  const saveButton = h("button", { type: "button", class: "btn btn-primary", text: t("admin.save") });
  const importButton = h("button", {
    type: "button",
    class: "btn",
    dataset: { testid: "cal-import" },
    text: t("admin.cal.import"),
  });

  const addForm = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "admin-inline", novalidate: true, dataset: { testid: "cal-add" } },
      h(
        "div",
        { class: "row" },
        field(t("admin.cal.date"), h("input", { name: "date", type: "date", required: true })),
        field(
          t("admin.cal.kind"),
          select("kind", [
            ["holiday", t("admin.cal.holiday")],
            ["workday", t("admin.cal.workday")],
          ]),
        ),
        field(t("admin.cal.name"), h("input", { name: "name", required: true, maxlength: 50 })),
        h(
          "div",
          { class: "field check" },
          h("button", { type: "submit", class: "btn", text: t("admin.cal.add") }),
        ),
      ),
      h("p", { class: "form-message", role: "alert" }),
    )
  );
  addForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(addForm);
    const date = String(data.get("date") ?? "");
    const kind = /** @type {"holiday" | "workday"} */ (String(data.get("kind")));
    const name = String(data.get("name") ?? "").trim();
    const message = /** @type {HTMLElement} */ (addForm.querySelector(".form-message"));
    if (!date.startsWith(`${year}-`)) {
      message.textContent = t("admin.cal.notInYear", { year });
      return;
    }
    if (!name) {
      message.textContent = t("admin.cal.nameRequired");
      return;
    }
    message.textContent = "";
    days.set(date, { date, kind, name });
    addForm.reset();
    changed();
  });

  function changed() {
    dirty = true;
    draw();
  }

  function draw() {
    status.textContent = dirty ? t("admin.cal.unsaved") : "";
    saveButton.toggleAttribute("disabled", !dirty);
    const names =
      getLang() === "en" ? ["S", "M", "T", "W", "T", "F", "S"] : ["日", "一", "二", "三", "四", "五", "六"];
    const months = [];
    for (let m = 1; m <= 12; m++) {
      const first = `${year}-${pad(m)}-01`;
      const length = new Date(Date.UTC(year, m, 0)).getUTCDate();
      const cells = [];
      for (let i = 0; i < dow(first); i++) cells.push(h("span", { class: "cal-day blank" }));
      for (let d = 1; d <= length; d++) {
        const date = `${year}-${pad(m)}-${pad(d)}`;
        const o = days.get(date);
        const weekend = !workingWeekdays.includes(dow(date));
        const cls = o ? (o.kind === "holiday" ? "holiday" : "makeup") : weekend ? "weekend" : "";
        cells.push(
          h(
            "span",
            {
              class: `cal-day ${cls}`,
              title: o
                ? `${date} ${o.name} · ${t(o.kind === "holiday" ? "admin.cal.holiday" : "admin.cal.workday")}`
                : date,
              dataset: { date },
            },
            String(d),
            o ? h("small", { text: o.kind === "holiday" ? t("admin.cal.off") : t("admin.cal.on") }) : null,
          ),
        );
      }
      months.push(
        h(
          "div",
          { class: "cal-month" },
          h("h3", { text: getLang() === "en" ? `${year}-${pad(m)}` : `${m}月` }),
          h(
            "div",
            { class: "cal-days" },
            names.map((n) => h("span", { class: "cal-head", text: n })),
            cells,
          ),
        ),
      );
    }
    replace(grid, months);
    const sorted = [...days.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
    replace(
      list,
      sorted.length
        ? sorted.map((d) =>
            h(
              "tr",
              { dataset: { date: d.date } },
              h("td", { text: `${d.date} ${names[dow(d.date)]}` }),
              h(
                "td",
                {},
                h("span", {
                  class: `badge ${d.kind === "holiday" ? "badge-danger" : "badge-warn"}`,
                  text: t(d.kind === "holiday" ? "admin.cal.holiday" : "admin.cal.workday"),
                }),
              ),
              h("td", { text: d.name }),
              h(
                "td",
                {},
                h("button", {
                  type: "button",
                  class: "btn btn-small",
                  text: t("admin.remove"),
                  "aria-label": `${t("admin.remove")} ${d.date}`,
                  onclick: () => {
                    days.delete(d.date);
                    changed();
                  },
                }),
              ),
            ),
          )
        : h("tr", {}, h("td", { colspan: 4, class: "muted", text: t("admin.cal.none") })),
    );
  }

  async function load() {
    /** @type {{ days: Day[], workingWeekdays: number[] }} */
    const res = await api(`/api/v1/calendar/${year}`);
    days = new Map(res.days.map((d) => [d.date, d]));
    workingWeekdays = res.workingWeekdays;
    dirty = false;
    draw();
  }

  importButton.addEventListener("click", async () => {
    try {
      /** @type {{ covered: boolean, source: string, days: Day[] }} */
      const res = await api(`/api/v1/calendar/${year}/official`);
      if (!res.covered) {
        flash(t("admin.cal.notCovered", { year, source: res.source }), "error");
        return;
      }
      // The notice's days replace those dates; days the admin added on other dates stay.
      for (const d of res.days) days.set(d.date, d);
      changed();
      flash(t("admin.cal.imported", { n: res.days.length, source: res.source }), "info");
    } catch (err) {
      flash(err instanceof Error ? err.message : String(err), "error");
    }
  });
  saveButton.addEventListener("click", async () => {
    try {
      await api(`/api/v1/calendar/${year}`, { method: "PUT", body: { days: [...days.values()] } });
      dirty = false;
      draw();
      flash(t("admin.cal.saved", { year }), "ok");
    } catch (err) {
      flash(err instanceof Error ? err.message : String(err), "error");
    }
  });
  yearSelect.addEventListener("change", () => {
    if (dirty && !confirm(t("admin.cal.discard"))) {
      /** @type {HTMLSelectElement} */ (yearSelect).value = String(year);
      return;
    }
    year = Number(/** @type {HTMLSelectElement} */ (yearSelect).value);
    load().catch((err) => flash(String(err), "error"));
  });

  replace(
    el,
    h(
      "div",
      { class: "admin-head" },
      h("label", {}, `${t("admin.cal.year")} `, yearSelect),
      importButton,
      saveButton,
      status,
      h(
        "span",
        { class: "cal-legend" },
        h("span", { class: "cal-day holiday", text: t("admin.cal.off") }),
        t("admin.cal.holiday"),
        h("span", { class: "cal-day makeup", text: t("admin.cal.on") }),
        t("admin.cal.workday"),
        h("span", { class: "cal-day weekend", text: "" }),
        t("admin.cal.weekend"),
      ),
    ),
    h(
      "div",
      { class: "admin-columns cal-layout" },
      grid,
      h(
        "section",
        {},
        addForm,
        h(
          "div",
          { class: "table-wrap cal-list" },
          h(
            "table",
            { class: "admin-table", dataset: { testid: "cal-list" } },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["admin.cal.date", "admin.cal.kind", "admin.cal.name", "admin.actions"].map((k) =>
                  h("th", { text: t(k) }),
                ),
              ),
            ),
            list,
          ),
        ),
      ),
    ),
  );
  load().catch((err) => flash(err instanceof Error ? err.message : String(err), "error"));
}
