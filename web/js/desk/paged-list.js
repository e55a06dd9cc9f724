// @ts-check
/** A ticket list from GET /api/v1/tickets with "load more" (cursor paging) and an optional client filter. */
import { ApiError, api, qs } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { isReturnedToRedo } from "./redo.js";
import { ticketTable } from "./ticket-table.js";

const PAGE = 50;
/** With a client-side filter, fetch at most this many pages in one go looking for matches. */
const MAX_AUTO_PAGES = 4;

/**
 * @param {import("../org.js").Org} org
 * @param {{ query: Record<string, string>, filter?: (t: Record<string, any>) => boolean, redo?: boolean }} spec
 */
export function pagedList(org, spec) {
  const list = ticketTable(org);
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

  /** @param {Record<string, any>[]} items */
  async function keep(items) {
    let kept = spec.filter ? items.filter(spec.filter) : items;
    if (spec.redo) {
      const flags = await Promise.all(kept.map(isReturnedToRedo));
      kept = kept.filter((_, i) => flags[i]);
    }
    return kept;
  }

  async function load() {
    if (loading) return;
    loading = true;
    more.disabled = true;
    status.textContent = t("desk.loading");
    try {
      let pages = 0;
      let added = 0;
      do {
        /** @type {{ items: Record<string, any>[], nextCursor: string | null }} */
        const page = await api(
          `/api/v1/tickets${qs({ limit: PAGE, ...spec.query, cursor: cursor ?? undefined })}`,
        );
        const kept = await keep(page.items);
        list.add(kept);
        added += kept.length;
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor && (spec.filter || spec.redo) && added === 0 && pages < MAX_AUTO_PAGES);
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

  more.addEventListener("click", load);
  const element = h(
    "div",
    { class: "paged-list" },
    h("div", { class: "table-wrap" }, list.table),
    empty,
    h("div", { class: "list-footer" }, status, more),
  );
  return { element, load };
}
