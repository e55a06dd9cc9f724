// @ts-check
/**
 * The four deadlines (sign, first response, resolve, callback): when, and what each is doing now
 * — time left, overdue, done (on time or late) or not applicable — as deadline-state.js (the
 * server's own function) decides.
 */
import { deadlineStatuses } from "../deadline-state.js";
import { h } from "../dom.js";
import { fmtDateTime } from "../format.js";
import { t } from "../i18n.js";
import { stateText } from "./badges.js";

/** @param {Record<string, any>} ticket */
export function deadlines(ticket) {
  const now = new Date();
  return h(
    "table",
    { class: "deadlines", dataset: { testid: "deadlines" } },
    h(
      "tbody",
      {},
      deadlineStatuses(/** @type {import("../deadline-state.js").DeadlineFacts} */ (ticket), now).map((d) =>
        h(
          "tr",
          { dataset: { deadline: d.key, state: d.state } },
          h("th", { scope: "row", text: t(`ticket.${d.key}`) }),
          h("td", { text: d.at ? fmtDateTime(/** @type {string} */ (d.at)) : t("dash") }),
          h(
            "td",
            { class: `deadline-state state-${d.state}`, dataset: { testid: `remaining-${d.key}` } },
            stateText(d, now),
          ),
        ),
      ),
    ),
  );
}
