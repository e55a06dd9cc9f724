// @ts-check
/** Each role's work queues: the API query behind each tab. */
import { OPEN_STATES } from "../vocabulary.js";

const OPEN = OPEN_STATES.join(",");
const HANDLER_WORK = "dispatched,processing,returnRequested";

/**
 * @typedef {{ id: string, label: string, query: Record<string, string> }} Queue
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
  // Each sorted by the deadline its rows show (signBy while 待签收, dueAt while 办理中: sort=stage).
  handler: [
    { id: "work", label: "queue.work", query: { status: HANDLER_WORK, sort: "stage" } },
    { id: "toSign", label: "queue.toSign", query: { status: "dispatched", sort: "stage" } },
    { id: "processing", label: "queue.processing", query: { status: "processing", sort: "stage" } },
    {
      id: "reopened",
      label: "queue.reopened",
      query: { status: HANDLER_WORK, sort: "stage", reopened: "true" },
    },
    { id: "redo", label: "queue.redo", query: { queue: "redo", sort: "stage" } },
  ],
  manager: [
    { id: "supervised", label: "queue.supervised", query: { supervised: "true", sort: "stage" } },
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
