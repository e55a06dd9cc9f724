/**
 * The stats of imported tickets, written in the import's own transaction (tickets/import.ts):
 * each new ticket's facts, its lead dispatches' facts, its open row and the rollups' difference,
 * from the same definitions the stats worker uses (metrics.ts). So an imported year is on the
 * dashboard when its last batch commits, without a stats outbox row per ticket.
 */
import type pg from "pg";
import { copyRows } from "../db/copy.ts";
import type { FoldedTicket } from "../tickets/history.ts";
import {
  DISPATCH_COUNTERS,
  type DispatchFact,
  dispatchFacts,
  type FactAssignment,
  type FactTicket,
  type LiveTicket,
  type OpenRow,
  openRow,
  TICKET_COUNTERS,
  type TicketFact,
  ticketFact,
} from "./metrics.ts";
import {
  applyRollupDelta,
  bumpVersion,
  DISPATCH_COUNTER_COLUMNS,
  RollupDelta,
  TICKET_COUNTER_COLUMNS,
  upsertOpenRows,
} from "./rollups.ts";

/** A folded ticket as the row the metrics read, given the ids the importer assigned. */
export function factTicketOf(
  id: number,
  t: FoldedTicket,
  ref: { categoryId: number; channel: string },
): FactTicket & LiveTicket & { supervisionLevel: number } {
  return {
    id,
    createdAt: t.createdAt,
    status: t.status,
    departmentId: t.departmentId,
    categoryId: ref.categoryId,
    channel: ref.channel,
    directlyAnswered: t.directlyAnswered,
    firstReplyOnTime: t.firstReplyOnTime,
    dueAt: t.dueAt,
    reopenCount: t.reopenCount,
    lastRating: t.lastRating,
    lastResolved: t.lastResolved,
    signBy: t.signBy,
    signedAt: t.signedAt,
    callbackBy: t.callbackBy,
    flags: t.context.flags,
    supervisionLevel: t.supervisionLevel,
  };
}

/** The folded ticket's assignments as the metrics read them, with the ids they were written under. */
export function factAssignmentsOf(t: FoldedTicket, ids: readonly number[]): FactAssignment[] {
  return t.assignments.map((a, i) => ({ id: ids[i] as number, ...a }));
}

export interface ImportedForStats {
  id: number;
  folded: FoldedTicket;
  categoryId: number;
  channel: string;
  assignmentIds: readonly number[];
}

/** Facts, open rows and rollups of tickets just imported, on the import's transaction. */
export async function writeImportedFacts(
  c: pg.ClientBase,
  tickets: readonly ImportedForStats[],
  timeZone: string,
): Promise<void> {
  const facts: TicketFact[] = [];
  const dfacts: DispatchFact[] = [];
  const openRows: OpenRow[] = [];
  const delta = new RollupDelta();
  for (const x of tickets) {
    const t = factTicketOf(x.id, x.folded, x);
    const open = openRow(t, timeZone);
    if (open) openRows.push(open);
    const fact = ticketFact(t, timeZone);
    if (fact) {
      facts.push(fact);
      delta.addTicket(fact, 1);
    }
    for (const d of dispatchFacts(t, factAssignmentsOf(x.folded, x.assignmentIds), timeZone)) {
      dfacts.push(d);
      delta.addDispatch(d, 1);
    }
  }
  await copyRows(
    c,
    "ticket_facts",
    [
      "ticket_id",
      "day",
      "department_id",
      "category_id",
      "channel",
      ...TICKET_COUNTERS.map((k) => TICKET_COUNTER_COLUMNS[k]),
    ],
    facts.map((f) => [
      f.ticketId,
      f.day,
      f.departmentId,
      f.categoryId,
      f.channel,
      ...TICKET_COUNTERS.map((k) => f[k]),
    ]),
  );
  await copyRows(
    c,
    "ticket_dispatch_facts",
    [
      "assignment_id",
      "ticket_id",
      "day",
      "department_id",
      "category_id",
      "channel",
      ...DISPATCH_COUNTERS.map((k) => DISPATCH_COUNTER_COLUMNS[k]),
    ],
    dfacts.map((f) => [
      f.assignmentId,
      f.ticketId,
      f.day,
      f.departmentId,
      f.categoryId,
      f.channel,
      ...DISPATCH_COUNTERS.map((k) => f[k]),
    ]),
  );
  await upsertOpenRows(c, openRows);
  await applyRollupDelta(c, delta);
  await bumpVersion(c);
}
