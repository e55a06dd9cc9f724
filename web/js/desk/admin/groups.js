// @ts-check
/**
 * Assessment groups (考核分组, issue 13): units are ranked within their group (districts, city
 * bureaus, enterprises, …). A unit belongs to one group at most: saving a group takes its units
 * out of any other (the API does so).
 */
import { api } from "../../api.js";
import { flash, h, replace } from "../../dom.js";
import { field } from "../../forms.js";
import { t } from "../../i18n.js";
import { onSubmit, str } from "./common.js";

/** @typedef {{ id: number, name: string, departmentIds: number[] }} Group */

/**
 * @param {HTMLElement} el
 * @param {import("./admin.js").Ctx} ctx
 */
export function renderGroupsAdmin(el, ctx) {
  const { org } = ctx;
  const list = h("div", { class: "group-list", dataset: { testid: "groups" } });
  /** @type {Group[]} */
  let groups = [];
  /** Units that may be assessed: those that handle tickets, in tree order. */
  const units = org.treeOptions(org.departments.filter((d) => d.handlesTickets !== false));

  /**
   * A group's form: its name and a checkbox per unit (a unit in another group says which).
   * @param {Group | null} group
   */
  const groupForm = (group) => {
    const inGroup = new Map(groups.flatMap((g) => g.departmentIds.map((id) => [id, g])));
    const form = /** @type {HTMLFormElement} */ (
      h(
        "form",
        {
          class: "admin-inline",
          novalidate: true,
          dataset: { testid: group ? "group-edit" : "group-create" },
        },
        field(t("admin.group.name"), h("input", { name: "name", value: group?.name ?? "", required: true })),
        h(
          "fieldset",
          { class: "field group-units" },
          h("legend", { text: t("admin.group.units") }),
          h(
            "div",
            { class: "unit-checks" },
            units.map(([id, label]) => {
              const other = inGroup.get(id);
              return h(
                "label",
                { class: "unit-check" },
                h("input", {
                  type: "checkbox",
                  name: "departmentIds",
                  value: String(id),
                  checked: group ? group.departmentIds.includes(id) : false,
                }),
                label.trim(),
                other && other.id !== group?.id
                  ? h("small", { class: "muted", text: ` (${other.name})` })
                  : null,
              );
            }),
          ),
        ),
        h(
          "div",
          { class: "form-actions" },
          h("button", {
            type: "submit",
            class: "btn btn-primary",
            text: group ? t("admin.save") : t("admin.create"),
          }),
          h("button", { type: "button", class: "btn", text: t("admin.cancel"), onclick: () => load() }),
          h("span", { class: "hint", text: t("admin.group.moveHint") }),
        ),
      )
    );
    onSubmit(form, async (data) => {
      const body = { name: str(data, "name"), departmentIds: data.getAll("departmentIds").map(Number) };
      if (group) await api(`/api/v1/assessment-groups/${group.id}`, { method: "PUT", body });
      else await api("/api/v1/assessment-groups", { body });
      flash(t("admin.saved"), "ok");
      await load();
    });
    return form;
  };

  /** @param {Group} g */
  const card = (g) => {
    const slot = h("div");
    return h(
      "section",
      { class: "group-card", dataset: { group: g.name } },
      h(
        "div",
        { class: "dept-node" },
        h("h3", { class: "dept-name", text: g.name }),
        h("span", { class: "muted", text: t("admin.group.count", { n: g.departmentIds.length }) }),
        h("span", { class: "spacer" }),
        h("button", {
          type: "button",
          class: "btn btn-small",
          text: t("admin.edit"),
          onclick: () => replace(slot, groupForm(g)),
        }),
      ),
      h(
        "p",
        { class: "chips" },
        g.departmentIds.length
          ? g.departmentIds.map((id) => h("span", { class: "chip", text: org.deptName(id) }))
          : h("span", { class: "muted", text: t("admin.group.empty") }),
      ),
      slot,
    );
  };

  async function load() {
    try {
      /** @type {{ items: Group[] }} */
      const res = await api("/api/v1/assessment-groups");
      groups = res.items;
      const grouped = new Set(groups.flatMap((g) => g.departmentIds));
      const loose = units.filter(([id]) => !grouped.has(id));
      replace(
        list,
        groups.map(card),
        h(
          "section",
          { class: "group-card ungrouped" },
          h("h3", { text: t("admin.group.ungrouped", { n: loose.length }) }),
          h(
            "p",
            { class: "chips" },
            loose.map(([, label]) => h("span", { class: "chip muted", text: label.trim() })),
          ),
        ),
      );
    } catch (err) {
      replace(list, h("p", { class: "error", text: err instanceof Error ? err.message : String(err) }));
    }
  }

  const top = h("div");
  replace(
    el,
    h(
      "div",
      { class: "admin-head" },
      h("p", { class: "hint", text: t("admin.group.intro") }),
      h("button", {
        type: "button",
        class: "btn",
        dataset: { testid: "group-new" },
        text: t("admin.group.create"),
        onclick: () => replace(top, groupForm(null)),
      }),
    ),
    top,
    list,
  );
  load();
}
