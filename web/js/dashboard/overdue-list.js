// @ts-check
/** Overdue and escalated tickets, each linking to the desk. */
import { h, replace } from "../dom.js";
import { fmtDateTime, remaining } from "../format.js";
import { stateLabel, t } from "../i18n.js";

/**
 * @param {HTMLElement} container
 * @param {import("../org.js").Org} org
 */
export function createOverdueList(container, org) {
  /** @type {Record<string, any>[]} */
  let items = [];
  function render() {
    if (!items.length) {
      replace(container, h("p", { class: "empty", text: t("dash.noData") }));
      return;
    }
    replace(
      container,
      h(
        "table",
        { class: "tickets", dataset: { testid: "overdue-list" } },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            [
              "ticket.number",
              "ticket.title",
              "ticket.department",
              "ticket.status",
              "ticket.dueAt",
              "ticket.supervisionLevel",
            ].map((k) => h("th", { scope: "col", text: t(k) })),
          ),
        ),
        h(
          "tbody",
          {},
          items.map((it) => {
            // The server's deadline-state (dueState): the time counts only while the deadline runs.
            const running = ["pending", "warning", "overdue"].includes(it.dueState);
            const r = running ? remaining(it.dueAt) : null;
            const done =
              it.dueState === "met" ? t("time.done") : it.dueState === "metLate" ? t("time.doneLate") : "";
            return h(
              "tr",
              { dataset: { testid: "overdue-row", id: it.id } },
              h("td", {}, h("a", { href: `/index.html#/tickets/${it.id}`, text: it.number })),
              h("td", {}, h("a", { href: `/index.html#/tickets/${it.id}`, text: it.title })),
              h("td", { text: org.deptName(it.departmentId) || it.departmentName || t("dash") }),
              h("td", { text: stateLabel(it.status) }),
              h(
                "td",
                {},
                h(
                  "span",
                  { class: "deadline" },
                  fmtDateTime(it.dueAt),
                  r
                    ? h("small", { class: r.overdue ? "overdue" : "muted", text: r.text })
                    : done
                      ? h("small", { class: it.dueState === "metLate" ? "overdue" : "muted", text: done })
                      : null,
                ),
              ),
              h("td", {
                text: it.supervisionLevel ? t("ticket.levelN", { n: it.supervisionLevel }) : t("dash"),
              }),
            );
          }),
        ),
      ),
    );
  }
  return {
    render(/** @type {Record<string, any>[]} */ next) {
      items = next;
      render();
    },
    redraw: render,
  };
}
