// @ts-check
/**
 * SLA policies per category × urgency ("*" = the default for every category), with a live
 * preview of the deadlines a ticket registered at a chosen moment would get: computed by the
 * server (GET /api/v1/sla/deadline) on the stored working calendar, holidays and 调休 included.
 */
import { api, qs } from "../../api.js";
import { debounce, flash, h, replace } from "../../dom.js";
import { fmtDateTime, isoToShanghaiInput, shanghaiInputToIso } from "../../format.js";
import { field, select } from "../../forms.js";
import { getLang, t } from "../../i18n.js";
import { onSubmit, str } from "./common.js";

const URGENCIES = ["normal", "urgent", "critical"];
const STAGES = /** @type {const} */ ([
  "signWithin",
  "firstResponseWithin",
  "resolveWithin",
  "callbackWithin",
]);

/**
 * @typedef {{ categoryCode: string, urgency: string, signWithin: string, firstResponseWithin: string,
 *   resolveWithin: string, callbackWithin: string, clock: "working" | "calendar", source: string,
 *   updatedAt: string | null }} Policy
 */

/** "周五" / "Fri" for an ISO time, in Shanghai. @param {string} iso */
function weekday(iso) {
  return new Intl.DateTimeFormat(getLang() === "en" ? "en-GB" : "zh-CN", {
    weekday: "short",
    timeZone: "Asia/Shanghai",
  }).format(new Date(iso));
}

/**
 * @param {HTMLElement} el
 * @param {import("./admin.js").Ctx} ctx
 * @param {URLSearchParams} query
 */
export function renderSlaAdmin(el, ctx, query) {
  const { org } = ctx;
  /** @type {Policy[]} */
  let policies = [];
  const tbody = h("tbody");
  const preview = h("dl", {
    class: "sla-preview",
    dataset: { testid: "sla-preview" },
    "aria-live": "polite",
  });
  const categoryOptions = /** @type {Array<[string, string]>} */ ([
    ["*", t("admin.sla.allCategories")],
    ...org.categories.map((c) => [c.code, org.categoryName(c.code)]),
  ]);
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "admin-form sla-editor", novalidate: true, dataset: { testid: "sla-form" } },
      h("h2", { text: t("admin.sla.edit") }),
      h(
        "div",
        { class: "row" },
        field(
          t("admin.sla.category"),
          select("categoryCode", categoryOptions, { value: query.get("category") ?? "*" }),
        ),
        field(
          t("admin.sla.urgency"),
          select(
            "urgency",
            URGENCIES.map((u) => [u, t(`urgency.${u}`)]),
            { value: query.get("urgency") ?? "normal" },
          ),
        ),
        field(
          t("admin.sla.clock"),
          select("clock", [
            ["working", t("admin.sla.clock.working")],
            ["calendar", t("admin.sla.clock.calendar")],
          ]),
        ),
      ),
      h(
        "div",
        { class: "row" },
        STAGES.map((s) =>
          field(t(`admin.sla.${s}`), h("input", { name: s, required: true, spellcheck: "false" })),
        ),
      ),
      h("p", { class: "hint", text: t("admin.sla.durationHint") }),
      h(
        "div",
        { class: "row" },
        field(
          t("admin.sla.previewStart"),
          h("input", {
            name: "start",
            type: "datetime-local",
            value: query.get("start") ?? isoToShanghaiInput(new Date()),
            dataset: { testid: "preview-start" },
          }),
        ),
      ),
      h("h3", { text: t("admin.sla.preview") }),
      preview,
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "submit", class: "btn btn-primary", text: t("admin.save") }),
        h("span", { class: "hint", text: t("admin.sla.saveHint") }),
      ),
    )
  );
  const input = (/** @type {string} */ name) =>
    /** @type {HTMLInputElement | HTMLSelectElement} */ (form.elements.namedItem(name));

  /** The policy in force for the chosen category and urgency (its own, else the default). */
  function effective() {
    const cat = input("categoryCode").value;
    const urg = input("urgency").value;
    return (
      policies.find((p) => p.categoryCode === cat && p.urgency === urg) ??
      policies.find((p) => p.categoryCode === "*" && p.urgency === urg)
    );
  }

  function fill() {
    const p = effective();
    if (!p) return;
    for (const s of STAGES) input(s).value = p[s];
    input("clock").value = p.clock;
    void updatePreview();
  }

  let previewSeq = 0;
  async function updatePreview() {
    const seq = ++previewSeq;
    const start = shanghaiInputToIso(input("start").value);
    const clock = input("clock").value;
    const rows = await Promise.all(
      STAGES.map(async (s) => {
        const duration = input(s).value.trim();
        try {
          /** @type {{ deadline: string }} */
          const res = await api(`/api/v1/sla/deadline${qs({ start, duration, clock })}`);
          return [s, `${fmtDateTime(res.deadline)} ${weekday(res.deadline)}`, false];
        } catch (err) {
          return [s, err instanceof Error ? err.message : String(err), true];
        }
      }),
    );
    if (seq !== previewSeq) return;
    replace(
      preview,
      rows.map(([s, text, bad]) => [
        h("dt", { text: t(`admin.sla.${s}`) }),
        h("dd", { class: bad ? "error" : "", dataset: { stage: String(s) }, text: String(text) }),
      ]),
    );
  }
  const later = debounce(updatePreview, 250);
  for (const name of [...STAGES, "start", "clock"]) input(name).addEventListener("input", later);
  input("categoryCode").addEventListener("change", fill);
  input("urgency").addEventListener("change", fill);

  onSubmit(form, async (data) => {
    const cat = str(data, "categoryCode");
    const urg = str(data, "urgency");
    await api(`/api/v1/sla-policies/${encodeURIComponent(cat)}/${urg}`, {
      method: "PUT",
      body: Object.fromEntries([...STAGES.map((s) => [s, str(data, s)]), ["clock", str(data, "clock")]]),
    });
    flash(t("admin.saved"), "ok");
    await load();
  });

  async function load() {
    /** @type {{ items: Policy[] }} */
    const res = await api("/api/v1/sla-policies");
    policies = res.items;
    const sorted = [...policies].sort(
      (a, b) =>
        Number(b.categoryCode === "*") - Number(a.categoryCode === "*") ||
        a.categoryCode.localeCompare(b.categoryCode) ||
        URGENCIES.indexOf(a.urgency) - URGENCIES.indexOf(b.urgency),
    );
    replace(
      tbody,
      sorted.map((p) =>
        h(
          "tr",
          {
            class: "clickable",
            tabindex: 0,
            title: t("admin.sla.pick"),
            onclick: () => {
              input("categoryCode").value = p.categoryCode;
              input("urgency").value = p.urgency;
              fill();
            },
          },
          h("td", {
            text: p.categoryCode === "*" ? t("admin.sla.allCategories") : org.categoryName(p.categoryCode),
          }),
          h("td", { text: t(`urgency.${p.urgency}`) }),
          STAGES.map((s) => h("td", {}, h("code", { text: p[s] }))),
          h("td", { text: t(`admin.sla.clock.${p.clock}`) }),
          h("td", {
            class: "muted",
            text: p.source === "builtin" ? t("admin.sla.builtin") : fmtDateTime(p.updatedAt),
          }),
        ),
      ),
    );
  }

  replace(
    el,
    h(
      "div",
      { class: "admin-columns sla-layout" },
      h("section", {}, form),
      h(
        "section",
        {},
        h("h2", { text: t("admin.sla.policies") }),
        h("p", { class: "hint", text: t("admin.sla.intro") }),
        h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "admin-table", dataset: { testid: "sla-table" } },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["admin.sla.category", "admin.sla.urgency", ...STAGES.map((s) => `admin.sla.${s}`)]
                  .concat(["admin.sla.clock", "admin.sla.updated"])
                  .map((k) => h("th", { text: t(k) })),
              ),
            ),
            tbody,
          ),
        ),
      ),
    ),
  );
  load()
    .then(fill)
    .catch((err) => flash(err instanceof Error ? err.message : String(err), "error"));
}
