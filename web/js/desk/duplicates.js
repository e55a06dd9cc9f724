// @ts-check
/**
 * While the agent types: open tickets with the same phone number or a similar title,
 * shown as links, so a repeat call is merged instead of registered twice.
 */
import { api, qs } from "../api.js";
import { debounce, h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { OPEN_STATES } from "../vocabulary.js";
import { statusBadge } from "./badges.js";
import { ticketHref } from "./router.js";

const OPEN = OPEN_STATES.join(",");

/**
 * Words of a title worth searching for: the two longest runs between punctuation,
 * trimmed to 8 characters (the API matches a substring of title or address).
 * @param {string} title
 */
export function titleTerms(title) {
  return title
    .split(/[\s,，。.;；:：、!！?？()（）"“”'‘’/]+/)
    .filter((w) => w.length >= 2)
    .sort((a, b) => b.length - a.length)
    .slice(0, 2)
    .map((w) => w.slice(0, 8));
}

/**
 * @param {HTMLElement} box where the hint is drawn
 * @param {() => number | undefined} [exclude] the id of the ticket being registered, never its own duplicate
 * @returns {(phone: string, title: string) => void} call on every keystroke (debounced inside)
 */
export function duplicateHint(box, exclude = () => undefined) {
  let generation = 0;
  const run = async (/** @type {string} */ phone, /** @type {string} */ title) => {
    const mine = ++generation;
    /** @type {Array<{ reason: string, query: Record<string, string> }>} */
    const queries = [];
    if (/^[\d-]{7,}$/.test(phone)) queries.push({ reason: "new.dupPhone", query: { phone } });
    for (const q of titleTerms(title)) queries.push({ reason: "new.dupTitle", query: { q } });
    if (!queries.length) {
      replace(box, h("p", { class: "muted", text: t("new.dupIdle") }));
      return;
    }
    /** @type {Map<number, { ticket: Record<string, any>, reasons: Set<string> }>} */
    const found = new Map();
    await Promise.all(
      queries.map(async ({ reason, query }) => {
        try {
          /** @type {{ items: Record<string, any>[] }} */
          const r = await api(`/api/v1/tickets${qs({ ...query, status: OPEN, limit: 5 })}`);
          for (const tk of r.items) {
            if (tk.id === exclude()) continue;
            const hit = found.get(tk.id) ?? { ticket: tk, reasons: new Set() };
            hit.reasons.add(reason);
            found.set(tk.id, hit);
          }
        } catch {
          // a hint, not a gate: ignore failures
        }
      }),
    );
    if (mine !== generation) return;
    const hits = [...found.values()].slice(0, 8);
    replace(
      box,
      hits.length
        ? h(
            "ul",
            { class: "dupes", dataset: { testid: "duplicates" } },
            hits.map(({ ticket, reasons }) =>
              h(
                "li",
                {},
                h("a", { href: ticketHref(ticket.id), text: `${ticket.number} ${ticket.title}` }),
                " ",
                statusBadge(ticket.status),
                [...reasons].map((r) => h("span", { class: "badge badge-warn", text: t(r) })),
              ),
            ),
          )
        : h("p", { class: "muted", text: t("new.noDuplicates") }),
    );
  };
  return debounce(run, 350);
}
