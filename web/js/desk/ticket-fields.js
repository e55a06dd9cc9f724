// @ts-check
/** The ticket's facts as a definition list. */
import { h } from "../dom.js";
import { fmtDateTime } from "../format.js";
import { has, t } from "../i18n.js";
import { ticketHref } from "./router.js";

/**
 * @param {Record<string, any>} tk
 * @param {import("../org.js").Org} org
 */
export function ticketFields(tk, org) {
  const dash = t("dash");
  /** @type {Array<[string, Node | string, string?]>} */
  const rows = [
    ["ticket.citizenName", tk.citizenName],
    [
      "ticket.citizenPhone",
      h(
        "span",
        {},
        tk.citizenPhone,
        tk.confidential ? h("span", { class: "badge badge-warn", text: t("ticket.confidential") }) : null,
      ),
    ],
    ["ticket.channel", has(`channel.${tk.channel}`) ? t(`channel.${tk.channel}`) : tk.channel],
    [
      "ticket.public",
      tk.public
        ? [t("ticket.publicYes"), tk.publicSummary].filter(Boolean).join(" · ")
        : t("ticket.publicNo"),
    ],
    ["ticket.category", org.categoryName(tk.categoryCode) || tk.categoryName],
    ["ticket.urgency", t(`urgency.${tk.urgency}`)],
    ["ticket.area", tk.area ? org.areaName(tk.area) : dash],
    ["ticket.address", tk.address || dash],
    ["ticket.department", tk.departmentId ? org.deptName(tk.departmentId) : dash],
    [
      "ticket.coDepartments",
      tk.coDepartmentIds?.length
        ? tk.coDepartmentIds.map((/** @type {number} */ id) => org.deptName(id)).join("、")
        : dash,
    ],
    ["ticket.subDepartment", tk.subDepartmentId ? org.deptName(tk.subDepartmentId) : dash],
    ["ticket.createdAt", fmtDateTime(tk.createdAt)],
    ["ticket.reopenCount", String(tk.reopenCount ?? 0)],
    ["ticket.supervisionLevel", tk.supervisionLevel ? t("ticket.levelN", { n: tk.supervisionLevel }) : dash],
    ["ticket.lastRating", tk.lastRating ? t(`rating.${tk.lastRating}`) : dash],
    ["ticket.approvedExtensions", String(tk.approvedExtensions ?? 0)],
  ];
  if (tk.pendingExtension) {
    rows.push([
      "ticket.pendingExtension",
      t("form.pendingExtension", {
        until: fmtDateTime(tk.pendingExtension.until),
        reason: tk.pendingExtension.reason,
      }),
    ]);
  }
  if (tk.mergedIntoId)
    rows.push([
      "ticket.mergedInto",
      h("a", { href: ticketHref(tk.mergedIntoId), text: `#${tk.mergedIntoId}` }),
    ]);
  rows.push(["ticket.description", tk.description, "wide"]);
  return h(
    "dl",
    { class: "facts", dataset: { testid: "ticket-fields" } },
    rows.map(([key, value, cls]) =>
      h(
        "div",
        { class: `fact ${cls ?? ""}`.trim(), dataset: { field: key.split(".")[1] } },
        h("dt", { text: t(key) }),
        h("dd", { class: cls === "wide" ? "pre" : undefined }, value),
      ),
    ),
  );
}
