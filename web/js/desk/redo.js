// @ts-check
/**
 * "Returned to redo" (退回重办): a processing ticket whose latest reply the hotline rejected.
 * The ticket view carries no such field yet, so the timeline decides (one request per
 * processing ticket on the page, cached by version).
 */
import { api } from "../api.js";

/** @type {Map<string, Promise<boolean>>} */
const cache = new Map();

/** Events after which the question "was the reply rejected?" is settled one way or the other. */
const RELEVANT = new Set([
  "REPLY",
  "REJECT_REPLY",
  "APPROVE_REPLY",
  "DISPATCH",
  "APPROVE_RETURN",
  "CALLBACK",
]);

/** @param {Record<string, any>} ticket */
export function isReturnedToRedo(ticket) {
  if (ticket.status !== "processing") return Promise.resolve(false);
  if (typeof ticket.replyRejected === "boolean") return Promise.resolve(ticket.replyRejected);
  const key = `${ticket.id}@${ticket.version}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = api(`/api/v1/tickets/${ticket.id}/events`).then((r) => {
      const items = /** @type {{ items: Array<{ type: string }> }} */ (r).items;
      const last = items.filter((e) => RELEVANT.has(e.type)).at(-1);
      return last?.type === "REJECT_REPLY";
    });
    cache.set(key, hit);
  }
  return hit;
}
