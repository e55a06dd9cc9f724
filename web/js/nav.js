// @ts-check
/** The top bar on every page: desk, dashboard, who is logged in, language, logout. */
import { h, replace } from "./dom.js";
import { dropAllDrafts } from "./drafts.js";
import { getLang, roleLabel, setLang, t } from "./i18n.js";
import { clearSession, DASHBOARD_ROLES, getUser } from "./session.js";

/**
 * @param {HTMLElement} container
 * @param {"desk" | "dashboard"} active
 */
export function renderNav(container, active) {
  const draw = () => {
    const user = getUser();
    const link = (/** @type {string} */ href, /** @type {string} */ key, /** @type {string} */ id) =>
      h("a", {
        href,
        class: `nav-link${active === id ? " active" : ""}`,
        "aria-current": active === id ? "page" : undefined,
        text: t(key),
        dataset: { testid: `nav-${id}` },
      });
    const showDashboard = user && DASHBOARD_ROLES.includes(user.role);
    replace(
      container,
      h(
        "nav",
        { class: "topnav", "aria-label": t("nav.main") },
        h("a", { href: "/", class: "brand", text: t("app.short") }),
        link("/index.html", "nav.desk", "desk"),
        showDashboard ? link("/dashboard.html", "nav.dashboard", "dashboard") : null,
        h("span", { class: "spacer" }),
        user
          ? h(
              "span",
              { class: "whoami", title: t("nav.user"), dataset: { testid: "whoami" } },
              whoami(user.displayName ?? user.username, roleLabel(user.role)),
            )
          : null,
        h("button", {
          type: "button",
          class: "btn btn-ghost",
          lang: getLang() === "zh" ? "en" : "zh-CN",
          "aria-label": t("nav.switchLangLabel"),
          dataset: { testid: "lang-switch" },
          text: t("nav.switchLang"),
          onclick: () => setLang(getLang() === "zh" ? "en" : "zh"),
        }),
        h("button", {
          type: "button",
          class: "btn btn-ghost",
          dataset: { testid: "logout" },
          text: t("nav.logout"),
          onclick: () => {
            dropAllDrafts();
            clearSession();
            location.assign("/login.html");
          },
        }),
      ),
    );
  };
  draw();
  window.addEventListener("langchange", draw);
}

/**
 * "李娜 · 话务员"; the role once when the name already says it ("系统管理员").
 * @param {string} name
 * @param {string} role
 */
function whoami(name, role) {
  return name.includes(role) ? name : `${name} · ${role}`;
}
