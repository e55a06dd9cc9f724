// @ts-check
/**
 * Categories (create; each with its default unit, or answered on the call: 直接答复) and the
 * dispatch catalogue (派单目录): the
 * suggested lead unit per category, optionally narrowed to a district. The desk's suggestion
 * takes the district's entry, else the category-wide entry, else the category's default unit.
 */
import { api } from "../../api.js";
import { flash, h, replace } from "../../dom.js";
import { field, select } from "../../forms.js";
import { t } from "../../i18n.js";
import { loadOrg, reloadOrg } from "../../org.js";
import { onSubmit, str } from "./common.js";

/** @typedef {{ id: number, categoryCode: string, area: string, departmentId: number }} Rule */

/**
 * @param {HTMLElement} el
 * @param {import("./admin.js").Ctx} ctx
 */
export function renderCategoriesAdmin(el, ctx) {
  let org = ctx.org;
  const catBody = h("tbody");
  const ruleBody = h("tbody");
  /** Units that may be given tickets, in tree order. */
  const unitOptions = () => org.treeOptions(org.departments.filter((d) => d.handlesTickets !== false));
  const categoryOptions = () =>
    /** @type {Array<[string, string]>} */ (org.categories.map((c) => [c.code, org.categoryName(c.code)]));
  const areaOptions = () =>
    /** @type {Array<[string, string]>} */ (org.districts().map((d) => [d.code, org.deptName(d.id)]));

  const catForm = /** @type {HTMLFormElement} */ (h("form", { class: "admin-form", novalidate: true }));
  const ruleForm = /** @type {HTMLFormElement} */ (
    h("form", { class: "admin-form", novalidate: true, dataset: { testid: "rule-form" } })
  );

  function drawForms() {
    replace(
      catForm,
      h("h2", { text: t("admin.cat.create") }),
      h(
        "div",
        { class: "row" },
        field(t("admin.cat.code"), h("input", { name: "code", required: true, autocomplete: "off" }), {
          hint: t("admin.codeHint"),
        }),
        field(t("admin.cat.name"), h("input", { name: "name", required: true })),
        field(t("admin.cat.nameEn"), h("input", { name: "nameEn" })),
        field(
          t("admin.cat.defaultUnit"),
          select("defaultDepartmentId", unitOptions(), { placeholder: t("admin.cat.noDefault") }),
        ),
        h(
          "div",
          { class: "field check" },
          h(
            "label",
            {},
            h("input", { type: "checkbox", name: "answerDirectly" }),
            t("admin.cat.answerDirectly"),
          ),
        ),
      ),
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "submit", class: "btn btn-primary", text: t("admin.create") }),
      ),
    );
    replace(
      ruleForm,
      h("h2", { text: t("admin.rule.set") }),
      h(
        "div",
        { class: "row" },
        field(t("admin.rule.category"), select("categoryCode", categoryOptions(), { required: true })),
        field(t("admin.rule.area"), select("area", areaOptions(), { placeholder: t("admin.rule.allAreas") })),
        field(t("admin.rule.unit"), select("departmentId", unitOptions(), { required: true })),
      ),
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "submit", class: "btn btn-primary", text: t("admin.save") }),
        h("span", { class: "hint", text: t("admin.rule.hint") }),
      ),
    );
  }

  onSubmit(catForm, async (data) => {
    const dept = str(data, "defaultDepartmentId");
    await api("/api/v1/categories", {
      body: {
        code: str(data, "code"),
        name: str(data, "name"),
        nameEn: str(data, "nameEn") || null,
        defaultDepartmentId: dept ? Number(dept) : null,
        answerDirectly: data.get("answerDirectly") === "on",
      },
    });
    flash(t("admin.cat.created", { name: str(data, "name") }), "ok");
    await refresh();
  });
  onSubmit(ruleForm, async (data) => {
    const area = str(data, "area");
    await api("/api/v1/dispatch-rules", {
      method: "PUT",
      body: {
        categoryCode: str(data, "categoryCode"),
        ...(area ? { area } : {}),
        departmentId: Number(str(data, "departmentId")),
      },
    });
    flash(t("admin.saved"), "ok");
    await refresh();
  });

  async function refresh() {
    reloadOrg();
    org = await loadOrg();
    drawForms();
    await load();
  }

  async function load() {
    /** @type {{ items: Rule[] }} */
    const rules = await api("/api/v1/dispatch-rules");
    /** @type {Map<string, Rule[]>} */
    const byCat = new Map();
    for (const r of rules.items) byCat.set(r.categoryCode, [...(byCat.get(r.categoryCode) ?? []), r]);
    /** A unit name, flagged when that unit cannot take tickets. @param {number | null} id */
    const unit = (id) => {
      if (id == null) return h("span", { class: "muted", text: t("dash") });
      const d = org.byId.get(id);
      return h(
        "span",
        {},
        org.deptName(id),
        d?.handlesTickets === false
          ? h("span", { class: "badge badge-danger", text: t("admin.dept.noTickets") })
          : null,
      );
    };
    replace(
      catBody,
      org.categories.map((c) => {
        const catRules = byCat.get(c.code) ?? [];
        const wide = catRules.find((r) => r.area === "");
        return h(
          "tr",
          { dataset: { code: c.code } },
          h("td", {}, h("code", { text: c.code })),
          h("td", { text: c.name }),
          h("td", { text: c.nameEn ?? "" }),
          h(
            "td",
            {},
            c.answerDirectly
              ? h("span", { class: "badge badge-ok", text: t("admin.cat.answeredDirectly") })
              : unit(c.defaultDepartmentId),
          ),
          h(
            "td",
            {},
            wide ? unit(wide.departmentId) : h("span", { class: "muted", text: t("admin.rule.useDefault") }),
          ),
        );
      }),
    );
    replace(
      ruleBody,
      rules.items.map((r) =>
        h(
          "tr",
          { dataset: { category: r.categoryCode, area: r.area } },
          h("td", { text: org.categoryName(r.categoryCode) }),
          h("td", { text: r.area ? org.areaName(r.area) : t("admin.rule.allAreas") }),
          h("td", {}, unit(r.departmentId)),
        ),
      ),
    );
  }

  const table = (/** @type {string[]} */ heads, /** @type {HTMLElement} */ body, /** @type {string} */ id) =>
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "admin-table", dataset: { testid: id } },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            heads.map((k) => h("th", { text: t(k) })),
          ),
        ),
        body,
      ),
    );
  drawForms();
  replace(
    el,
    h(
      "div",
      { class: "admin-columns" },
      h(
        "section",
        {},
        catForm,
        table(
          [
            "admin.cat.code",
            "admin.cat.name",
            "admin.cat.nameEn",
            "admin.cat.defaultUnit",
            "admin.rule.wide",
          ],
          catBody,
          "categories-table",
        ),
      ),
      h(
        "section",
        {},
        ruleForm,
        table(["admin.rule.category", "admin.rule.area", "admin.rule.unit"], ruleBody, "rules-table"),
      ),
    ),
  );
  load().catch((err) => flash(err instanceof Error ? err.message : String(err), "error"));
}
