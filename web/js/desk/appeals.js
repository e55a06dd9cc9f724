// @ts-check
/**
 * 申诉 / 核减 in the desk: the ticket's appeal panel (handlers file, reviewers decide) and the
 * appeals queue (#/appeals; reviewers decide pending appeals there, handlers follow theirs).
 */
import { ApiError, api, qs } from "../api.js";
import { flash, h, replace } from "../dom.js";
import { fmtDateTime } from "../format.js";
import { t } from "../i18n.js";
import { ticketHref } from "./router.js";

/** @typedef {{ user: import("../session.js").User, org: import("../org.js").Org }} Ctx */
/**
 * @typedef {{ id: number, ticketId: number, ticketNumber: string, ticketTitle: string, departmentId: number,
 *   departmentName: string, period: string, ground: string, reason: string, evidence: string | null,
 *   status: "pending" | "accepted" | "rejected", filedByName: string | null, filedAt: string,
 *   decidedByName: string | null, decidedAt: string | null, decisionReason: string | null }} Appeal
 */

const STATUS_FILTERS = ["pending", "accepted", "rejected", ""];

/** @param {string} status */
const statusBadge = (status) =>
  h("span", {
    class: `badge appeal-${status}`,
    dataset: { testid: "appeal-status" },
    text: t(`appeal.status.${status}`),
  });

/** @param {unknown} err */
const message = (err) => (err instanceof ApiError ? err.message : String(err));

/**
 * The reviewer's accept / reject form for a pending appeal.
 * @param {Appeal} appeal
 * @param {() => void} onDone
 */
function decisionForm(appeal, onDone) {
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "appeal-decision", dataset: { testid: "appeal-decision" } },
      h(
        "label",
        { class: "appeal-field" },
        t("appeal.decisionReason"),
        h("textarea", { name: "reason", required: true, rows: "2", maxlength: "2000" }),
      ),
      h(
        "div",
        { class: "form-actions" },
        h("button", {
          type: "submit",
          class: "btn btn-primary",
          value: "accept",
          dataset: { testid: "appeal-accept" },
          text: t("appeal.accept"),
        }),
        h("button", {
          type: "submit",
          class: "btn",
          value: "reject",
          dataset: { testid: "appeal-reject" },
          text: t("appeal.reject"),
        }),
      ),
    )
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const submitter = /** @type {HTMLButtonElement | null} */ (/** @type {SubmitEvent} */ (e).submitter);
    const reason = String(new FormData(form).get("reason") ?? "").trim();
    if (!reason) {
      flash(t("field.required"), "error");
      return;
    }
    try {
      await api(`/api/v1/appeals/${appeal.id}/decision`, {
        method: "POST",
        body: { decision: submitter?.value === "reject" ? "reject" : "accept", reason },
      });
      flash(t(submitter?.value === "reject" ? "appeal.rejected" : "appeal.accepted"), "ok");
      onDone();
    } catch (err) {
      flash(message(err), "error");
    }
  });
  return form;
}

/**
 * One appeal as a definition list.
 * @param {Appeal} a
 * @param {Ctx} ctx
 * @param {() => void} reload
 */
function appealItem(a, ctx, reload) {
  return h(
    "li",
    { class: "appeal", dataset: { testid: "appeal", id: a.id } },
    h(
      "div",
      { class: "appeal-head" },
      h("strong", { text: t(`appeal.ground.${a.ground}`) }),
      " ",
      statusBadge(a.status),
      h("span", { class: "muted", text: ` ${t("appeal.periodOf", { period: a.period })}` }),
    ),
    h(
      "dl",
      { class: "tl-notes" },
      h("dt", { text: t("appeal.reason") }),
      h("dd", { text: a.reason }),
      a.evidence ? [h("dt", { text: t("appeal.evidence") }), h("dd", { text: a.evidence })] : null,
      h("dt", { text: t("appeal.filed") }),
      h("dd", { text: `${a.filedByName ?? ""} · ${fmtDateTime(a.filedAt)}` }),
      a.decidedAt
        ? [
            h("dt", { text: t("appeal.decided") }),
            h("dd", {
              text: `${a.decidedByName ?? ""} · ${fmtDateTime(a.decidedAt)}: ${a.decisionReason ?? ""}`,
            }),
          ]
        : null,
    ),
    a.status === "pending" && ctx.user.role === "reviewer" ? decisionForm(a, reload) : null,
  );
}

/**
 * The ticket's appeals panel; empty (hidden) when the ticket has no valid callback and no appeal.
 * @param {number} ticketId
 * @param {Ctx} ctx
 * @param {() => void} onChanged the ticket changed (its timeline has a new entry)
 */
export function appealPanel(ticketId, ctx, onChanged) {
  const panel = h("section", {
    class: "panel appeals-panel",
    "aria-labelledby": "appeals-h",
    dataset: { testid: "appeals-panel" },
    hidden: true,
  });
  (async () => {
    /** @type {{ items: Appeal[], deadline: string | null, grounds: string[] }} */
    let data;
    try {
      data = await api(`/api/v1/tickets/${ticketId}/appeals`);
    } catch {
      return;
    }
    const canFile = ctx.user.role === "handler" && data.grounds.length > 0 && data.deadline !== null;
    const open = data.deadline !== null && new Date(data.deadline) > new Date();
    if (!data.items.length && !canFile) return;
    panel.hidden = false;
    replace(
      panel,
      h("h2", { id: "appeals-h", text: t("appeal.title") }),
      data.items.length
        ? h(
            "ul",
            { class: "appeal-list" },
            data.items.map((a) => appealItem(a, ctx, onChanged)),
          )
        : null,
      canFile && open ? fileForm(ticketId, data, onChanged) : null,
      canFile && !open
        ? h("p", {
            class: "muted",
            text: t("appeal.windowClosed", { time: fmtDateTime(/** @type {string} */ (data.deadline)) }),
          })
        : null,
    );
  })();
  return panel;
}

/**
 * @param {number} ticketId
 * @param {{ deadline: string | null, grounds: string[] }} data
 * @param {() => void} onChanged
 */
function fileForm(ticketId, data, onChanged) {
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "appeal-file", dataset: { testid: "appeal-form" } },
      h("p", {
        class: "muted",
        text: t("appeal.deadline", { time: fmtDateTime(/** @type {string} */ (data.deadline)) }),
      }),
      h(
        "label",
        { class: "appeal-field" },
        t("appeal.ground"),
        h(
          "select",
          { name: "ground", required: true },
          data.grounds.map((g) => h("option", { value: g, text: t(`appeal.ground.${g}`) })),
        ),
      ),
      h(
        "label",
        { class: "appeal-field" },
        t("appeal.reason"),
        h("textarea", { name: "reason", required: true, rows: "3", maxlength: "2000" }),
      ),
      h(
        "label",
        { class: "appeal-field" },
        t("appeal.evidence"),
        h("textarea", { name: "evidence", rows: "2", maxlength: "5000" }),
      ),
      h(
        "div",
        { class: "form-actions" },
        h("button", {
          type: "submit",
          class: "btn btn-primary",
          dataset: { testid: "appeal-submit" },
          text: t("appeal.file"),
        }),
      ),
    )
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const fd = new FormData(form);
    const reason = String(fd.get("reason") ?? "").trim();
    const evidence = String(fd.get("evidence") ?? "").trim();
    if (!reason) {
      flash(t("field.required"), "error");
      return;
    }
    try {
      await api(`/api/v1/tickets/${ticketId}/appeals`, {
        method: "POST",
        body: { ground: fd.get("ground"), reason, ...(evidence ? { evidence } : {}) },
      });
      flash(t("appeal.filedOk"), "ok");
      onChanged();
    } catch (err) {
      flash(message(err), "error");
    }
  });
  return form;
}

/**
 * The appeals queue (#/appeals?status=pending).
 * @param {HTMLElement} view
 * @param {Ctx} ctx
 * @param {URLSearchParams} query
 */
export function renderAppeals(view, ctx, query) {
  const status = query.get("status") ?? "pending";
  const tabs = h(
    "nav",
    { class: "queue-tabs", "aria-label": t("appeal.queue") },
    STATUS_FILTERS.map((s) =>
      h("a", {
        href: `#/appeals${s ? `?status=${s}` : "?status="}`,
        class: `tab${s === status ? " active" : ""}`,
        "aria-current": s === status ? "page" : undefined,
        dataset: { testid: `appeals-tab-${s || "all"}` },
        text: s ? t(`appeal.status.${s}`) : t("appeal.all"),
      }),
    ),
  );
  const list = h("div", {}, h("p", { class: "muted", text: t("desk.loading") }));
  replace(view, h("section", { class: "panel" }, h("h1", { text: t("appeal.queue") }), tabs, list));
  const load = async () => {
    try {
      /** @type {{ items: Appeal[] }} */
      const r = await api(`/api/v1/appeals${qs({ status: status || undefined, limit: 200 })}`);
      replace(
        list,
        r.items.length
          ? h(
              "table",
              { class: "ticket-table appeals-table", dataset: { testid: "appeals-table" } },
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  ["ticket", "department", "ground", "reason", "filed", "status", "decision"].map((k) =>
                    h("th", { scope: "col", text: t(`appeal.col.${k}`) }),
                  ),
                ),
              ),
              h(
                "tbody",
                {},
                r.items.map((a) =>
                  h(
                    "tr",
                    { dataset: { testid: "appeal-row", id: a.id } },
                    h(
                      "td",
                      {},
                      h("a", { href: ticketHref(a.ticketId), text: a.ticketNumber }),
                      h("div", { class: "muted", text: a.ticketTitle }),
                    ),
                    h("td", { text: ctx.org.deptName(a.departmentId) || a.departmentName }),
                    h("td", {}, t(`appeal.ground.${a.ground}`), h("div", { class: "muted", text: a.period })),
                    h("td", {}, a.reason, a.evidence ? h("div", { class: "muted", text: a.evidence }) : null),
                    h("td", { text: `${a.filedByName ?? ""} · ${fmtDateTime(a.filedAt)}` }),
                    h("td", {}, statusBadge(a.status)),
                    h(
                      "td",
                      {},
                      a.status === "pending" && ctx.user.role === "reviewer"
                        ? decisionForm(a, load)
                        : a.decisionReason
                          ? `${a.decidedByName ?? ""}: ${a.decisionReason}`
                          : "",
                    ),
                  ),
                ),
              ),
            )
          : h("p", { class: "empty", dataset: { testid: "appeals-empty" }, text: t("appeal.none") }),
      );
    } catch (err) {
      replace(list, h("p", { class: "empty error", role: "alert", text: message(err) }));
    }
  };
  load();
}
