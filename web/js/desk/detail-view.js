// @ts-check
/**
 * One ticket (#/tickets/:id): facts, deadlines with time left, the timeline, and a button
 * for exactly each event in `allowedEvents`, each opening its small inline form.
 */
import { ApiError, api } from "../api.js";
import { flash, h, replace } from "../dom.js";
import { draftKey, loadDraft } from "../drafts.js";
import { eventLabel, has, t } from "../i18n.js";
import { appealPanel } from "./appeals.js";
import { lightBadge, statusBadge, urgencyBadge } from "./badges.js";
import { deadlines } from "./deadlines.js";
import { eventForm } from "./event-form.js";
import { guidance, replyUnderReview } from "./guidance.js";
import { ticketFields } from "./ticket-fields.js";
import { timeline } from "./timeline.js";

/** Buttons that move the work forward come first and look primary. */
const PRIMARY = new Set([
  "SIGN",
  "REPLY",
  "APPROVE_REPLY",
  "CALLBACK",
  "DISPATCH",
  "APPROVE_EXTENSION",
  "APPROVE_RETURN",
]);

/**
 * @param {HTMLElement} view
 * @param {{ user: import("../session.js").User, org: import("../org.js").Org }} ctx
 * @param {number} id
 * @returns {() => void} dispose
 */
export function renderDetail(view, ctx, id) {
  let disposed = false;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let ticker;

  async function load() {
    replace(view, h("p", { class: "muted", role: "status", text: t("desk.loading") }));
    try {
      const [ticket, events] = await Promise.all([
        api(`/api/v1/tickets/${id}`),
        api(`/api/v1/tickets/${id}/events`).then((r) => /** @type {{ items: any[] }} */ (r).items),
      ]);
      if (!disposed) draw(/** @type {Record<string, any>} */ (ticket), events);
    } catch (err) {
      if (disposed) return;
      const notFound = err instanceof ApiError && err.status === 404;
      replace(
        view,
        h(
          "section",
          { class: "panel" },
          h("p", {
            class: "empty error",
            role: "alert",
            dataset: { testid: notFound ? "not-found" : "load-error" },
            text: notFound ? t("detail.notFound") : err instanceof ApiError ? err.message : String(err),
          }),
          h("a", { href: "#/", class: "btn", text: t("detail.back") }),
        ),
      );
    }
  }

  /**
   * @param {Record<string, any>} ticket
   * @param {any[]} events
   */
  function draw(ticket, events) {
    const formSlot = h("div", { class: "event-form-slot" });
    const deadlineBox = h("div", {}, deadlines(ticket));
    clearInterval(ticker);
    ticker = setInterval(() => replace(deadlineBox, deadlines(ticket)), 60_000);

    /** @param {string} type @param {HTMLElement} button */
    const open = async (type, button) => {
      const wasOpen = button.getAttribute("aria-expanded") === "true";
      for (const b of actions.querySelectorAll("button[aria-expanded]"))
        b.setAttribute("aria-expanded", "false");
      formSlot.replaceChildren();
      if (wasOpen) return;
      button.setAttribute("aria-expanded", "true");
      const form = await eventForm(
        type,
        { ticket, org: ctx.org, user: ctx.user },
        {
          onSent: (updated) => {
            flash(
              has(`done.${type}`) ? t(`done.${type}`) : t("detail.done", { event: eventLabel(type) }),
              "ok",
            );
            afterSend(updated);
          },
          onCancel: () => {
            button.setAttribute("aria-expanded", "false");
            formSlot.replaceChildren();
            button.focus();
          },
          reload: load,
        },
      );
      formSlot.replaceChildren(form);
      /** @type {HTMLElement | null} */ (
        form.querySelector("textarea, input:not([type=hidden]), select, button[type=submit]")
      )?.focus();
    };

    const allowed = /** @type {string[]} */ (ticket.allowedEvents ?? []);
    const ordered = [...allowed.filter((e) => PRIMARY.has(e)), ...allowed.filter((e) => !PRIMARY.has(e))];
    const actions = h(
      "div",
      { class: "action-bar", dataset: { testid: "actions" } },
      ordered.length
        ? ordered.map((type) => {
            const b = h("button", {
              type: "button",
              class: `btn ${PRIMARY.has(type) ? "btn-primary" : ""}`,
              "aria-expanded": "false",
              dataset: { testid: `action-${type}`, event: type },
              text: eventLabel(type),
            });
            b.addEventListener("click", () => open(type, b));
            return b;
          })
        : h("p", { class: "muted", text: t("detail.noActions") }),
    );

    replace(
      view,
      h(
        "article",
        {
          class: "ticket-detail",
          dataset: { testid: "ticket-detail", id: ticket.id, version: ticket.version },
        },
        h(
          "header",
          { class: "detail-head" },
          h("button", {
            type: "button",
            class: "btn btn-ghost",
            text: `← ${t("detail.back")}`,
            onclick: () => history.back(),
          }),
          h(
            "h1",
            {},
            h("span", { class: "number", dataset: { testid: "ticket-number" }, text: ticket.number }),
            " ",
            ticket.title,
          ),
          h(
            "div",
            { class: "head-badges" },
            statusBadge(ticket.status),
            lightBadge(ticket.trafficLight ?? "none"),
            urgencyBadge(ticket.urgency),
          ),
          h("button", { type: "button", class: "btn btn-ghost", text: t("detail.reload"), onclick: load }),
        ),
        h(
          "section",
          { class: "panel actions-panel", "aria-labelledby": "actions-h" },
          h("h2", { id: "actions-h", text: t("detail.actions") }),
          guidance(ticket, ctx),
          replyUnderReview(ticket, events, ctx.org),
          actions,
          formSlot,
        ),
        h(
          "div",
          { class: "detail-grid" },
          h(
            "div",
            {},
            h(
              "section",
              { class: "panel", "aria-labelledby": "fields-h" },
              h("h2", { id: "fields-h", text: t("detail.fields") }),
              ticketFields(ticket, ctx.org),
            ),
            h(
              "section",
              { class: "panel", "aria-labelledby": "deadlines-h" },
              h("h2", { id: "deadlines-h", text: t("detail.deadlines") }),
              deadlineBox,
            ),
            appealPanel(ticket.id, ctx, load),
          ),
          h(
            "section",
            { class: "panel", "aria-labelledby": "timeline-h" },
            h("h2", { id: "timeline-h", text: t("detail.timeline") }),
            timeline(events, ctx.org),
          ),
        ),
      ),
    );
    // A form left with a draft (reload, expired session) opens again with it.
    const drafted = ordered.find((type) => loadDraft(draftKey(`ticket.${ticket.id}`, type)));
    const draftButton = drafted && actions.querySelector(`[data-event="${drafted}"]`);
    if (draftButton) open(/** @type {string} */ (drafted), /** @type {HTMLElement} */ (draftButton));
  }

  /** @param {Record<string, any>} updated */
  async function afterSend(updated) {
    try {
      const events = /** @type {{ items: any[] }} */ (await api(`/api/v1/tickets/${id}/events`)).items;
      if (!disposed) draw(updated, events);
    } catch {
      load();
    }
  }

  load();
  return () => {
    disposed = true;
    clearInterval(ticker);
  };
}
