// @ts-check
/** A role's work queues as tabs, each a deadline-ordered (or newest-first) ticket list. */
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
  const tabs = h(
    "nav",
    { class: "tabs", "aria-label": t("queue.tabs") },
    queues.map((q) =>
      h("a", {
        href: `#/queue/${q.id}`,
        class: `tab${q.id === queue.id ? " active" : ""}`,
        "aria-current": q.id === queue.id ? "page" : undefined,
        dataset: { testid: `queue-${q.id}` },
        text: t(q.label),
      }),
    ),
  );
  const list = pagedList(ctx.org, queue);
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
}
