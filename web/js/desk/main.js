// @ts-check
/** The ticket desk: toolbar, hash routing, re-render on language switch. */
import { ApiError } from "../api.js";
import { byId, clearFlash, h, replace } from "../dom.js";
import { applyI18n, t } from "../i18n.js";
import { renderNav } from "../nav.js";
import { loadOrg } from "../org.js";
import { installReauth } from "../reauth.js";
import { requireSession } from "../session.js";
import { renderAdmin } from "./admin/admin.js";
import { renderAppeals } from "./appeals.js";
import { renderDetail } from "./detail-view.js";
import { renderList } from "./list-view.js";
import { renderNewTicket } from "./new-ticket.js";
import { renderQueue } from "./queue-view.js";
import { canCreate, queuesFor } from "./queues.js";
import { homeRoute, parseHash } from "./router.js";

const user = requireSession();
installReauth();
const view = byId("view");
applyI18n();
renderNav(byId("nav"), "desk");

/** @type {(() => void) | undefined} */
let dispose;

function toolbar() {
  const route = parseHash(location.hash).name;
  const link = (
    /** @type {string} */ href,
    /** @type {string} */ key,
    /** @type {boolean} */ active,
    /** @type {string} */ id,
  ) =>
    h("a", {
      href,
      class: `tool${active ? " active" : ""}`,
      "aria-current": active ? "page" : undefined,
      dataset: { testid: id },
      text: t(key),
    });
  const search = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "quick-search", role: "search" },
      h("label", { for: "quick-q", class: "sr-only", text: t("desk.quickSearchLabel") }),
      h("input", { id: "quick-q", name: "q", type: "search", placeholder: t("desk.quickSearch") }),
      h("button", { type: "submit", class: "btn", text: t("desk.go") }),
    )
  );
  search.addEventListener("submit", (e) => {
    e.preventDefault();
    const q = String(new FormData(search).get("q") ?? "").trim();
    location.hash = q ? `#/tickets?${new URLSearchParams({ q })}` : "#/tickets";
  });
  const firstQueue = queuesFor(user.role)[0];
  replace(
    byId("desk-toolbar"),
    h(
      "nav",
      { class: "desk-tools", "aria-label": t("desk.title") },
      canCreate(user.role) ? link("#/new", "desk.new", route === "new", "tool-new") : null,
      firstQueue ? link(`#/queue/${firstQueue.id}`, "desk.queues", route === "queue", "tool-queues") : null,
      link("#/tickets", "desk.search", route === "tickets", "tool-search"),
      link("#/appeals", "appeal.queue", route === "appeals", "tool-appeals"),
      user.role === "admin" ? link("#/admin/users", "admin.title", route === "admin", "tool-admin") : null,
    ),
    search,
  );
}

async function route() {
  const r = parseHash(location.hash);
  if (r.name === "home" || (r.name === "new" && !canCreate(user.role))) {
    location.replace(homeRoute(user.role));
    return;
  }
  dispose?.();
  dispose = undefined;
  clearFlash();
  toolbar();
  let org;
  try {
    org = await loadOrg();
  } catch (err) {
    replace(
      view,
      h("p", {
        class: "empty error",
        role: "alert",
        text: err instanceof ApiError ? err.message : String(err),
      }),
    );
    return;
  }
  const ctx = { user, org };
  if (r.name === "new") renderNewTicket(view, ctx);
  else if (r.name === "queue") renderQueue(view, ctx, r.id);
  else if (r.name === "tickets") renderList(view, ctx, r.query);
  else if (r.name === "ticket") dispose = renderDetail(view, ctx, r.id);
  else if (r.name === "admin") renderAdmin(view, ctx, r.section, r.query);
  else if (r.name === "appeals") renderAppeals(view, ctx, r.query);
  if (r.name !== "new") view.focus({ preventScroll: true });
}

window.addEventListener("hashchange", route);
window.addEventListener("langchange", route);
route();
