// @ts-check
/** A ticket list from GET /api/v1/tickets with "load more" (cursor paging). */
import { ApiError, api, qs } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { ticketTable } from "./ticket-table.js";

const PAGE = 50;

/**
 * @param {import("../org.js").Org} org
 * @param {{ query: Record<string, string> }} spec
 * @param {{ user?: import("../session.js").User, onChange?: () => void }} [opts] with a user, rows
 *   offer their one-click actions (签收); onChange runs after one succeeded
 */
export function pagedList(org, spec, opts = {}) {
  const list = ticketTable(org, opts);
  const status = h("p", { class: "list-status muted", role: "status", "aria-live": "polite" });
  const more = /** @type {HTMLButtonElement} */ (
    h("button", {
      type: "button",
      class: "btn",
      hidden: true,
      dataset: { testid: "load-more" },
      text: t("desk.loadMore"),
    })
  );
  const empty = h("p", { class: "empty", hidden: true, text: t("desk.empty") });
  /** @type {string | null} */
  let cursor = null;
  let loading = false;

  async function load() {
    if (loading) return;
    loading = true;
    more.disabled = true;
    status.textContent = t("desk.loading");
    try {
      /** @type {{ items: Record<string, any>[], nextCursor: string | null }} */
      const page = await api(
        `/api/v1/tickets${qs({ limit: PAGE, ...spec.query, cursor: cursor ?? undefined })}`,
      );
      list.add(page.items);
      cursor = page.nextCursor;
      more.hidden = !cursor;
      empty.hidden = list.count() > 0;
      status.textContent = cursor
        ? t("desk.count", { n: list.count() })
        : list.count()
          ? t("desk.allLoaded")
          : "";
    } catch (err) {
      status.textContent = err instanceof ApiError ? err.message : String(err);
      status.classList.add("error");
    } finally {
      loading = false;
      more.disabled = false;
    }
  }

  /** Start again from the first page (after a row's action changed the list). */
  function reload() {
    list.clear();
    cursor = null;
    return load();
  }

  more.addEventListener("click", load);
  const element = h(
    "div",
    { class: "paged-list" },
    h("div", { class: "table-wrap" }, list.table),
    empty,
    h("div", { class: "list-footer" }, status, more),
  );
  return { element, load, reload };
}
