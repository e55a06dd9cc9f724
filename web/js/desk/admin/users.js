// @ts-check
/** Users: list, create, disable/enable, role and department, password reset (src/org/user.routes.ts). */
import { api } from "../../api.js";
import { flash, h, replace } from "../../dom.js";
import { field, select } from "../../forms.js";
import { roleLabel, t } from "../../i18n.js";
import { onSubmit, str } from "./common.js";

const ROLES = ["agent", "reviewer", "handler", "manager", "admin"];

/** @typedef {{ id: number, username: string, displayName: string, role: string, departmentId: number | null, active: boolean }} AdminUser */

/**
 * @param {HTMLElement} el
 * @param {import("./admin.js").Ctx} ctx
 */
export function renderUsersAdmin(el, ctx) {
  const { org } = ctx;
  const roleOptions = /** @type {Array<[string, string]>} */ (ROLES.map((r) => [r, roleLabel(r)]));
  const deptSelect = (/** @type {number | null} */ value) =>
    select("departmentId", org.treeOptions(), { value, placeholder: t("admin.noDepartment") });
  const tbody = h("tbody");
  const secret = h("div", { class: "admin-secret", role: "status", hidden: true });

  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "admin-form", dataset: { testid: "user-create" }, novalidate: true },
      h("h2", { text: t("admin.user.create") }),
      h(
        "div",
        { class: "row" },
        field(
          t("admin.user.username"),
          h("input", { name: "username", autocomplete: "off", required: true }),
        ),
        field(t("admin.user.displayName"), h("input", { name: "displayName", required: true })),
        field(t("admin.user.role"), select("role", roleOptions, { value: "agent" })),
        field(t("admin.user.department"), deptSelect(null)),
        field(
          t("admin.user.password"),
          h("input", { name: "password", type: "text", autocomplete: "new-password", required: true }),
          { hint: t("admin.user.passwordHint") },
        ),
      ),
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "submit", class: "btn btn-primary", text: t("admin.user.createSubmit") }),
      ),
    )
  );
  onSubmit(form, async (data) => {
    const dept = str(data, "departmentId");
    /** @type {AdminUser} */
    const user = await api("/api/v1/users", {
      body: {
        username: str(data, "username"),
        displayName: str(data, "displayName"),
        role: str(data, "role"),
        departmentId: dept ? Number(dept) : null,
        password: String(data.get("password") ?? ""),
      },
    });
    form.reset();
    flash(t("admin.user.created", { name: user.displayName }), "ok");
    await load();
  });

  /** @param {AdminUser} u */
  const row = (u) => {
    const edit = h("button", { type: "button", class: "btn btn-small", text: t("admin.edit") });
    const toggle = h("button", {
      type: "button",
      class: "btn btn-small",
      dataset: { testid: "user-toggle" },
      text: u.active ? t("admin.user.disable") : t("admin.user.enable"),
    });
    const reset = h("button", {
      type: "button",
      class: "btn btn-small",
      text: t("admin.user.resetPassword"),
    });
    const tr = h(
      "tr",
      { dataset: { username: u.username }, class: u.active ? "" : "inactive" },
      h("td", { text: u.username }),
      h("td", { text: u.displayName }),
      h("td", { text: roleLabel(u.role) }),
      h("td", { text: org.deptName(u.departmentId) || t("dash") }),
      h(
        "td",
        {},
        h("span", {
          class: `badge ${u.active ? "badge-ok" : "badge-danger"}`,
          text: u.active ? t("admin.user.active") : t("admin.user.disabled"),
        }),
      ),
      h("td", { class: "actions" }, edit, toggle, reset),
    );
    toggle.addEventListener("click", async () => {
      if (u.active && !confirm(t("admin.user.confirmDisable", { name: u.displayName }))) return;
      try {
        await api(`/api/v1/users/${u.id}`, { method: "PATCH", body: { active: !u.active } });
        flash(
          t(u.active ? "admin.user.disabledDone" : "admin.user.enabledDone", { name: u.displayName }),
          "ok",
        );
        await load();
      } catch (err) {
        flash(err instanceof Error ? err.message : String(err), "error");
      }
    });
    reset.addEventListener("click", async () => {
      if (!confirm(t("admin.user.confirmReset", { name: u.displayName }))) return;
      try {
        /** @type {{ password?: string }} */
        const res = await api(`/api/v1/users/${u.id}/password`, { method: "POST", body: {} });
        secret.hidden = false;
        replace(
          secret,
          t("admin.user.newPassword", { name: u.displayName }),
          " ",
          h("code", { dataset: { testid: "new-password" }, text: res.password ?? "" }),
          h("span", { class: "hint", text: ` ${t("admin.user.shownOnce")}` }),
        );
      } catch (err) {
        flash(err instanceof Error ? err.message : String(err), "error");
      }
    });
    edit.addEventListener("click", () => {
      const editForm = /** @type {HTMLFormElement} */ (
        h(
          "form",
          { class: "admin-inline", novalidate: true },
          h(
            "div",
            { class: "row" },
            field(t("admin.user.displayName"), h("input", { name: "displayName", value: u.displayName })),
            field(t("admin.user.role"), select("role", roleOptions, { value: u.role })),
            field(t("admin.user.department"), deptSelect(u.departmentId)),
          ),
          h(
            "div",
            { class: "form-actions" },
            h("button", { type: "submit", class: "btn btn-primary", text: t("admin.save") }),
            h("button", { type: "button", class: "btn", text: t("admin.cancel"), onclick: () => load() }),
          ),
        )
      );
      onSubmit(editForm, async (data) => {
        const dept = str(data, "departmentId");
        await api(`/api/v1/users/${u.id}`, {
          method: "PATCH",
          body: {
            displayName: str(data, "displayName"),
            role: str(data, "role"),
            departmentId: dept ? Number(dept) : null,
          },
        });
        flash(t("admin.saved"), "ok");
        await load();
      });
      const cell = h("td", { colspan: 6 }, editForm);
      tr.replaceWith(h("tr", { class: "editing", dataset: { username: u.username } }, cell));
      /** @type {HTMLInputElement | null} */ (editForm.querySelector("input"))?.focus();
    });
    return tr;
  };

  async function load() {
    try {
      /** @type {{ items: AdminUser[] }} */
      const res = await api("/api/v1/users");
      replace(tbody, res.items.map(row));
    } catch (err) {
      replace(tbody, h("tr", {}, h("td", { colspan: 6, class: "error", text: String(err) })));
    }
  }

  replace(
    el,
    form,
    secret,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "admin-table", dataset: { testid: "users-table" } },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["admin.user.username", "admin.user.displayName", "admin.user.role", "admin.user.department"]
              .concat(["admin.user.status", "admin.actions"])
              .map((k) => h("th", { text: t(k) })),
          ),
        ),
        tbody,
      ),
    ),
  );
  load();
}
