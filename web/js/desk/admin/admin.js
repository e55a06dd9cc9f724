// @ts-check
/**
 * System administration (admin only): users, departments, categories and the dispatch
 * catalogue, SLA policies, the holiday calendar, assessment groups. One tab per screen under
 * #/admin/<section>.
 */
import { h, replace } from "../../dom.js";
import { t } from "../../i18n.js";
import { renderCalendarAdmin } from "./calendar.js";
import { renderCategoriesAdmin } from "./categories.js";
import { renderDepartmentsAdmin } from "./departments.js";
import { renderGroupsAdmin } from "./groups.js";
import { renderSlaAdmin } from "./sla.js";
import { renderUsersAdmin } from "./users.js";

/**
 * @typedef {{ user: import("../../session.js").User, org: import("../../org.js").Org }} Ctx
 * @typedef {(el: HTMLElement, ctx: Ctx, query: URLSearchParams) => void} Screen
 */

/** @type {Array<[string, string, Screen]>} */
export const ADMIN_SECTIONS = [
  ["users", "admin.users", renderUsersAdmin],
  ["departments", "admin.departments", renderDepartmentsAdmin],
  ["categories", "admin.categories", renderCategoriesAdmin],
  ["sla", "admin.sla", renderSlaAdmin],
  ["calendar", "admin.calendar", renderCalendarAdmin],
  ["groups", "admin.groups", renderGroupsAdmin],
];

/**
 * @param {HTMLElement} view
 * @param {Ctx} ctx
 * @param {string} section
 * @param {URLSearchParams} query
 */
export function renderAdmin(view, ctx, section, query) {
  if (ctx.user.role !== "admin") {
    replace(view, h("p", { class: "empty error", role: "alert", text: t("err.forbidden") }));
    return;
  }
  const current = ADMIN_SECTIONS.find(([id]) => id === section) ?? ADMIN_SECTIONS[0];
  if (!current) return;
  const [id, label, render] = current;
  const body = h("div", { class: "admin-body" });
  replace(
    view,
    h(
      "section",
      { class: "panel admin", "aria-labelledby": "admin-heading" },
      h("h1", { id: "admin-heading", class: "sr-only", text: t(label) }),
      h(
        "nav",
        { class: "tabs", "aria-label": t("admin.title") },
        ADMIN_SECTIONS.map(([sid, slabel]) =>
          h("a", {
            href: `#/admin/${sid}`,
            class: `tab${sid === id ? " active" : ""}`,
            "aria-current": sid === id ? "page" : undefined,
            dataset: { testid: `admin-${sid}` },
            text: t(slabel),
          }),
        ),
      ),
      body,
    ),
  );
  render(body, ctx, query);
}
