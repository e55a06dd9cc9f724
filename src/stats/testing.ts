/**
 * Test support for the stats module: the demo organisation's department codes with fixed ids,
 * a fold environment with simple calendar deadlines, and folded tickets turned into the rows
 * the metrics read. Used by the pure tests only.
 */
import { DEMO_DISTRICT_OF, demoDepartments } from "../../prisma/demo-org.ts";
import { type DeadlinePlanner, type FoldEnv, type FoldedTicket, factTicketOf } from "./history.ts";
import type { FactAssignment, FactTicket, LiveTicket } from "./metrics.ts";

const CODES = demoDepartments().map((d) => d.code);
const PARENTS = DEMO_DISTRICT_OF;
export const DEPT: Record<string, number> = Object.fromEntries(CODES.map((c, i) => [c, i + 1]));

const HOUR = 3_600_000;
/** Sign within 4 h, first response 1 day, resolve 5 days, call back 2 days (calendar). */
export const SIMPLE_PLANNER: DeadlinePlanner = {
  dispatch: (at) => ({
    signBy: new Date(at.getTime() + 4 * HOUR),
    firstResponseBy: new Date(at.getTime() + 24 * HOUR),
    dueAt: new Date(at.getTime() + 120 * HOUR),
  }),
  resolve: (at) => new Date(at.getTime() + 120 * HOUR),
  callback: (at) => new Date(at.getTime() + 48 * HOUR),
};

export const TEST_ENV: FoldEnv = {
  department: (ref) =>
    typeof ref === "number"
      ? CODES[ref - 1]
        ? ref
        : undefined
      : typeof ref === "string"
        ? DEPT[ref]
        : undefined,
  isChild: (parent, child) => DEPT[PARENTS[CODES[child - 1] ?? ""] ?? ""] === parent,
  planner: SIMPLE_PLANNER,
};

/** A folded ticket as the rows the metrics read (ids made up: ticket `id`, assignments id*100+n). */
export function asRows(
  id: number,
  t: FoldedTicket,
  extra: { categoryId?: number; channel?: string } = {},
): { ticket: FactTicket & LiveTicket; assignments: FactAssignment[] } {
  return {
    ticket: factTicketOf(id, t, { categoryId: extra.categoryId ?? 1, channel: extra.channel ?? "phone" }),
    assignments: t.assignments.map((a, n) => ({ id: id * 100 + n, ...a })),
  };
}
