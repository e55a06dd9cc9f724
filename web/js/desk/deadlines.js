// @ts-check
/** The four deadlines (sign, first response, resolve, callback) with the time left or overdue. */
import { h } from "../dom.js";
import { fmtDateTime, remaining } from "../format.js";
import { t } from "../i18n.js";

/** Deadline field → the field that records it was met. @type {[string, string][]} */
const DEADLINES = [
  ["signBy", "signedAt"],
  ["firstResponseBy", "firstResponseAt"],
  ["dueAt", "firstApprovedReplyAt"],
  ["callbackBy", "closedAt"],
];

/** @param {Record<string, any>} ticket */
export function deadlines(ticket) {
  const open = ticket.status !== "closed" && ticket.status !== "merged";
  return h(
    "table",
    { class: "deadlines", dataset: { testid: "deadlines" } },
    h(
      "tbody",
      {},
      DEADLINES.map(([key, metKey]) => {
        const at = ticket[key];
        const met = ticket[metKey];
        const r = open && at && !met ? remaining(at) : null;
        return h(
          "tr",
          { dataset: { deadline: key } },
          h("th", { scope: "row", text: t(`ticket.${key}`) }),
          h("td", { text: fmtDateTime(at) }),
          h(
            "td",
            { class: r?.overdue ? "overdue" : "muted", dataset: { testid: `remaining-${key}` } },
            r ? r.text : met && at ? `${t("time.done")} ${fmtDateTime(met)}` : "",
          ),
        );
      }),
    ),
  );
}
