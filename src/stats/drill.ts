/**
 * The tickets behind a dashboard figure (GET /api/v1/tickets?figure=…): the dashboard's cards,
 * ranking rows and category bars open the ticket list through these.
 *
 * A figure's tickets are read from the same rows its counter is summed from — the per-ticket
 * facts (ticket_facts), the per-dispatch facts (ticket_dispatch_facts) and the open-ticket rows
 * (stats_open_tickets, with the conditions of queries.ts `liveSql`) — with the same received
 * day, attribution (holder department for ticket figures, dispatched-to department for dispatch
 * figures), category and channel. So the list of `received`, `closed`, `open`,
 * `overdueOpen`, `warnings`, `rated`, `dissatisfied`, `unresolved`, `reopened` and `late` has
 * exactly as many tickets as the figure counts; `returned` and `signLate` count dispatches,
 * and a ticket with two such dispatches is listed once.
 *
 * For a rate the list is the part that keeps it from 100 % (late, dissatisfied, …), what a
 * manager follows up; `open` and `late` are "received − closed" and "on-time denominator −
 * numerator".
 */
import { Prisma } from "../generated/prisma/client.ts";
import { liveSql } from "./queries.ts";

export const FIGURES = [
  "received",
  "closed",
  "open",
  "late",
  "overdueOpen",
  "warnings",
  "rated",
  "dissatisfied",
  "unresolved",
  "reopened",
  "returned",
  "signLate",
] as const;
export type Figure = (typeof FIGURES)[number];

/** The scope of a figure, as the stats API takes it: received days [fromDay, toDay), attribution filters. */
export interface FigureScope {
  fromDay: string;
  toDay: string;
  /** A department subtree (or one department); null = all, including tickets without one. */
  departmentIds: number[] | null;
  categoryId: number | null;
  channel: string | null;
}

/** Conditions on a facts row aliased `alias` for the scope. */
function scoped(alias: string, s: FigureScope): Prisma.Sql {
  const a = Prisma.raw(alias);
  const conds = [Prisma.sql`${a}.day >= ${s.fromDay}::date`, Prisma.sql`${a}.day < ${s.toDay}::date`];
  if (s.departmentIds) conds.push(Prisma.sql`${a}.department_id = ANY(${s.departmentIds}::int[])`);
  if (s.categoryId !== null) conds.push(Prisma.sql`${a}.category_id = ${s.categoryId}`);
  if (s.channel !== null) conds.push(Prisma.sql`${a}.channel = ${s.channel}`);
  return Prisma.join(conds, " AND ");
}

/**
 * A condition on `t` (the tickets row): t is one of the tickets behind `figure` in `scope` at
 * `now`. The scope's filters apply through the facts here, never to `t` directly.
 */
export function figureCondition(figure: Figure, scope: FigureScope, now: Date): Prisma.Sql {
  const facts = (cond: string) =>
    Prisma.sql`t.id IN (SELECT f.ticket_id FROM ticket_facts f WHERE ${scoped("f", scope)} AND ${Prisma.raw(cond)})`;
  const dispatches = (cond: string) =>
    Prisma.sql`t.id IN (SELECT d.ticket_id FROM ticket_dispatch_facts d WHERE ${scoped("d", scope)} AND ${Prisma.raw(cond)})`;
  // `now` as a literal: liveSql takes SQL text, and an ISO instant is safe to inline.
  const live = liveSql(`'${now.toISOString()}'::timestamptz`);
  const open = (cond: string) =>
    Prisma.sql`t.id IN (SELECT o.ticket_id FROM stats_open_tickets o WHERE ${scoped("o", scope)} AND ${Prisma.raw(cond)})`;
  switch (figure) {
    case "received":
      return facts("f.received = 1");
    case "closed":
      return facts("f.closed = 1");
    case "open":
      return facts("f.received = 1 AND f.closed = 0");
    case "late":
      // on-time = (onTime + overdueOnTime) / (closed + pastDue): the rest of the denominator.
      return Prisma.sql`(${facts("f.closed = 1 AND f.on_time = 0")} OR ${open(
        `${live.pastDue} AND (${live.overdueOnTime}) IS NOT TRUE`,
      )})`;
    case "overdueOpen":
      return open(live.overdueOpen);
    case "warnings":
      return open(live.warnings);
    case "rated":
      return facts("f.rated = 1");
    case "dissatisfied":
      return facts("f.dissatisfied = 1");
    case "unresolved":
      return facts("f.rated = 1 AND f.resolved = 0");
    case "reopened":
      return facts("f.reopened = 1");
    case "returned":
      return dispatches("d.returned = 1");
    case "signLate":
      // response rate = signedOnTime / (responseDue + signLatePending): the rest of the denominator.
      return Prisma.sql`(${dispatches("d.response_due = 1 AND d.signed_on_time = 0")} OR ${open(
        live.signLatePending,
      )})`;
  }
}
