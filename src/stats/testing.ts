/**
 * Test support for the stats module: folded ticket histories (tickets/history.ts, folded with
 * the demo organisation and simple calendar policies of tickets/testing.ts) turned into the rows
 * the metrics read. Used by the pure tests only.
 */
import type { FoldedTicket } from "../tickets/history.ts";
import { factAssignmentsOf, factTicketOf } from "./import-facts.ts";
import type { FactAssignment, FactTicket, LiveTicket } from "./metrics.ts";

export { DEPT, TEST_ENV } from "../tickets/testing.ts";

/** A folded ticket as the rows the metrics read (ids made up: ticket `id`, assignments id*100+n). */
export function asRows(
  id: number,
  t: FoldedTicket,
  extra: { categoryId?: number; channel?: string } = {},
): { ticket: FactTicket & LiveTicket; assignments: FactAssignment[] } {
  return {
    ticket: factTicketOf(id, t, { categoryId: extra.categoryId ?? 1, channel: extra.channel ?? "phone" }),
    assignments: factAssignmentsOf(
      t,
      t.assignments.map((_, n) => id * 100 + n),
    ),
  };
}
