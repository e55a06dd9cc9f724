// @ts-check
/** Each role's work queues: the API query behind each tab, and an optional client-side filter. */
import { OPEN_STATES } from "../vocabulary.js";

const OPEN = OPEN_STATES.join(",");
const HANDLER_WORK = "dispatched,processing,returnRequested";

/**
 * @typedef {{ id: string, label: string, query: Record<string, string>,
 *   filter?: (t: Record<string, any>) => boolean, redo?: boolean }} Queue
 */

/** @type {Record<string, Queue[]>} */
const BY_ROLE = {
  agent: [
    { id: "toDispatch", label: "queue.toDispatch", query: { status: "registered" } },
    { id: "returns", label: "queue.returns", query: { queue: "returns" } },
    { id: "callback", label: "queue.callback", query: { queue: "callback" } },
  ],
  reviewer: [
    { id: "review", label: "queue.review", query: { queue: "review" } },
    { id: "extensions", label: "queue.extensions", query: { queue: "extensions" } },
    { id: "returns", label: "queue.returns", query: { queue: "returns" } },
    { id: "callback", label: "queue.callback", query: { queue: "callback" } },
    { id: "toDispatch", label: "queue.toDispatch", query: { status: "registered" } },
  ],
  handler: [
    { id: "work", label: "queue.work", query: { status: HANDLER_WORK, sort: "deadline" } },
    { id: "toSign", label: "queue.toSign", query: { status: "dispatched", sort: "deadline" } },
    { id: "processing", label: "queue.processing", query: { status: "processing", sort: "deadline" } },
    {
      id: "reopened",
      label: "queue.reopened",
      query: { status: HANDLER_WORK, sort: "deadline", reopened: "true" },
    },
    // The API has no "reply rejected" field yet: the timeline tells (see redo.js).
    { id: "redo", label: "queue.redo", query: { status: "processing", sort: "deadline" }, redo: true },
  ],
  manager: [
    { id: "supervised", label: "queue.supervised", query: { supervised: "true", sort: "deadline" } },
    { id: "overdue", label: "queue.overdue", query: { overdue: "true", sort: "deadline" } },
    { id: "open", label: "list.openStatuses", query: { status: OPEN } },
  ],
  admin: [
    { id: "overdue", label: "queue.overdue", query: { overdue: "true", sort: "deadline" } },
    { id: "open", label: "list.openStatuses", query: { status: OPEN } },
  ],
};

/** @param {string} role */
export function queuesFor(role) {
  return BY_ROLE[role] ?? [];
}

/** Roles that register tickets. @param {string} role */
export const canCreate = (role) => role === "agent" || role === "reviewer";
