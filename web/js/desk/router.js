// @ts-check
/**
 * Hash routes of the desk:
 *   #/new                  new ticket (agent, reviewer)
 *   #/queue/<id>           a work queue of the role
 *   #/tickets?status=…     list with filters
 *   #/tickets/<id>         one ticket
 *   #/admin/<section>      system administration (admin): users, departments, categories, sla, calendar
 *   #/appeals?status=…     appeals (申诉): the reviewers' queue, the handlers' own
 */

/**
 * @typedef {{ name: "new" } | { name: "queue", id: string } | { name: "tickets", query: URLSearchParams }
 *   | { name: "ticket", id: number } | { name: "admin", section: string, query: URLSearchParams }
 *   | { name: "appeals", query: URLSearchParams }
 *   | { name: "home" }} Route
 */

/**
 * @param {string} hash
 * @returns {Route}
 */
export function parseHash(hash) {
  const raw = hash.replace(/^#/, "");
  const [path = "", query = ""] = raw.split("?");
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "new") return { name: "new" };
  if (parts[0] === "queue" && parts[1]) return { name: "queue", id: parts[1] };
  if (parts[0] === "tickets" && parts[1] && /^\d+$/.test(parts[1]))
    return { name: "ticket", id: Number(parts[1]) };
  if (parts[0] === "tickets") return { name: "tickets", query: new URLSearchParams(query) };
  if (parts[0] === "appeals") return { name: "appeals", query: new URLSearchParams(query) };
  if (parts[0] === "admin")
    return { name: "admin", section: parts[1] ?? "users", query: new URLSearchParams(query) };
  return { name: "home" };
}

/** The desk's first screen for a role. @param {string} role */
export function homeRoute(role) {
  if (role === "agent") return "#/new";
  if (role === "reviewer") return "#/queue/review";
  if (role === "handler") return "#/queue/work";
  return "#/tickets";
}

/** @param {number} id */
export const ticketHref = (id) => `#/tickets/${id}`;
