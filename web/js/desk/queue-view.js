// @ts-check
/**
 * A role's work queues as tabs, each with how many tickets it holds, each list ordered by the
 * deadline its rows show (or newest first).
 */
import { api, qs } from "../api.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { pagedList } from "./paged-list.js";
import { queuesFor } from "./queues.js";

/**
 * @param {HTMLElement} view
 * @param {{ user: import("../session.js").User, org: import("../org.js").Org }} ctx
 * @param {string} id
 */
export function renderQueue(view, ctx, id) {
  const queues = queuesFor(ctx.user.role);
  const queue = queues.find((q) => q.id === id) ?? queues[0];
  if (!queue) {
    location.hash = "#/tickets";
    return;
  }
  /** @type {Map<string, HTMLElement>} */
  const counts = new Map();
  const tabs = h(
    "nav",
    { class: "tabs", "aria-label": t("queue.tabs") },
    queues.map((q) => {
      const count = h("span", { class: "tab-count", dataset: { testid: `count-${q.id}` } });
      counts.set(q.id, count);
      return h(
        "a",
        {
          href: `#/queue/${q.id}`,
          class: `tab${q.id === queue.id ? " active" : ""}`,
          "aria-current": q.id === queue.id ? "page" : undefined,
          dataset: { testid: `queue-${q.id}` },
        },
        t(q.label),
        count,
      );
    }),
  );

  /** Each tab's count: one request per tab, the list's own filters with `total`. */
  const refreshCounts = () =>
    Promise.all(
      queues.map(async (q) => {
        const el = counts.get(q.id);
        if (!el) return;
        try {
          /** @type {{ total?: number }} */
          const r = await api(`/api/v1/tickets${qs({ ...q.query, limit: 1, total: "true" })}`);
          el.textContent = r.total === undefined ? "" : String(r.total);
          el.setAttribute("aria-label", t("queue.countLabel", { n: r.total ?? 0 }));
        } catch {
          el.textContent = "";
        }
      }),
    );

  const list = pagedList(ctx.org, queue, {
    user: ctx.user,
    onChange: () => {
      list.reload();
      refreshCounts();
    },
  });
  replace(
    view,
    h(
      "section",
      { class: "panel", "aria-labelledby": "queue-heading" },
      h("h1", { id: "queue-heading", class: "sr-only", text: t(queue.label) }),
      tabs,
      list.element,
    ),
  );
  list.load();
  refreshCounts();
}
