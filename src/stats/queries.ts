/**
 * Reads for the stats API: counters from the rollups, plus the as-of-now part from a bounded
 * query over open tickets (tickets_status_due_at_idx), grouped by what the endpoint needs.
 * The cost depends on days × departments in range and on the number of open tickets, not on
 * how many tickets the centre has ever had.
 */

import type pg from "pg";
import { DUE_RUNNING_STATES } from "../tickets/deadline-state.ts";
import {
  type Counters,
  DISPATCH_COUNTERS,
  emptyCounters,
  LIVE_COUNTERS,
  type LiveCounter,
  TICKET_COUNTERS,
} from "./metrics.ts";
import { ALL_CATEGORIES, ALL_CHANNELS, DISPATCH_COUNTER_COLUMNS, TICKET_COUNTER_COLUMNS } from "./rollups.ts";

export interface StatsScope {
  /** [fromDay, toDay), YYYY-MM-DD in the centre's time zone. */
  fromDay: string;
  toDay: string;
  /** Holder / dispatched-to department must be one of these (a subtree); null = all. */
  departmentIds: number[] | null;
  categoryId: number | null;
  channel: string | null;
}

export type GroupBy = "all" | "department" | "day" | "category";

class Sql {
  readonly params: unknown[] = [];
  p(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

/** Rollup rows to read: the (day, department) totals unless a category or channel is asked for. */
function rollupWhere(sql: Sql, s: StatsScope, groupBy: GroupBy): string {
  const w = [`day >= ${sql.p(s.fromDay)}::date`, `day < ${sql.p(s.toDay)}::date`];
  if (s.categoryId === null && s.channel === null && groupBy !== "category") {
    w.push(`category_id = ${ALL_CATEGORIES}`, `channel = '${ALL_CHANNELS}'`);
  } else {
    w.push(
      s.categoryId === null ? `category_id <> ${ALL_CATEGORIES}` : `category_id = ${sql.p(s.categoryId)}`,
    );
    w.push(s.channel === null ? `channel <> '${ALL_CHANNELS}'` : `channel = ${sql.p(s.channel)}`);
  }
  if (s.departmentIds) w.push(`department_id = ANY(${sql.p(s.departmentIds)}::int[])`);
  return w.join(" AND ");
}

const ROLLUP_GROUP: Record<GroupBy, string> = {
  all: "0",
  department: "department_id",
  day: "day::text",
  category: "category_id",
};

async function rollupCounters(
  pool: pg.Pool,
  table: "stats_daily" | "stats_dispatch_daily",
  s: StatsScope,
  groupBy: GroupBy,
): Promise<Array<Record<string, number | string>>> {
  const sql = new Sql();
  const columns: Record<string, string> =
    table === "stats_daily" ? TICKET_COUNTER_COLUMNS : DISPATCH_COUNTER_COLUMNS;
  const sums = Object.entries(columns)
    .map(([k, c]) => `coalesce(sum(${c}), 0)::int AS "${k}"`)
    .join(", ");
  const where = rollupWhere(sql, s, groupBy);
  const g = ROLLUP_GROUP[groupBy];
  const { rows } = await pool.query(
    `SELECT ${g} AS g, ${sums} FROM ${table} WHERE ${where} GROUP BY 1`,
    sql.params,
  );
  return rows;
}

/**
 * metrics.ts liveContribution in SQL: each as-of-now counter as a condition on a row `o` of
 * stats_open_tickets, at `now` (a SQL expression). The counters and the ticket list behind them
 * (drill.ts) both use these.
 */
export function liveSql(now: string): Record<LiveCounter, string> {
  const pastDue = `(o.due_at IS NOT NULL AND o.due_at < ${now})`;
  const running = DUE_RUNNING_STATES.map((s) => `'${s}'`).join(", ");
  const overdue = `(${pastDue} AND o.status IN (${running}))`;
  const flagged = `CASE o.status
      WHEN 'registered' THEN false
      WHEN 'dispatched' THEN o.sign_by IS NOT NULL AND (o.sign_by <= ${now} OR o.sign_warning)
      WHEN 'callback' THEN o.callback_by IS NOT NULL AND o.callback_by <= ${now}
      ELSE o.due_at IS NOT NULL AND (o.due_at <= ${now} OR o.resolve_warning)
    END`;
  return {
    overdueOpen: overdue,
    pastDue,
    overdueOnTime: `${pastDue} AND o.first_reply_on_time`,
    warnings: `NOT ${overdue} AND ${flagged}`,
    signLatePending: `o.status IN ('dispatched', 'returnRequested') AND o.signed_at IS NULL AND o.sign_by < ${now}`,
  };
}

/** The as-of-now counters over the open tickets received in scope (stats_open_tickets, by day). */
async function liveCounters(
  pool: pg.Pool,
  s: StatsScope,
  groupBy: GroupBy,
  now: Date,
): Promise<Array<Record<string, number | string>>> {
  const sql = new Sql();
  const n = sql.p(now);
  const w = [`o.day >= ${sql.p(s.fromDay)}::date`, `o.day < ${sql.p(s.toDay)}::date`];
  if (s.departmentIds) w.push(`o.department_id = ANY(${sql.p(s.departmentIds)}::int[])`);
  if (s.categoryId !== null) w.push(`o.category_id = ${sql.p(s.categoryId)}`);
  if (s.channel !== null) w.push(`o.channel = ${sql.p(s.channel)}`);
  const group: Record<GroupBy, string> = {
    all: "0",
    department: "o.department_id",
    day: "o.day::text",
    category: "o.category_id",
  };
  const live = liveSql(n);
  const { rows } = await pool.query(
    `SELECT ${group[groupBy]} AS g,
       count(*) FILTER (WHERE ${live.overdueOpen})::int AS "overdueOpen",
       count(*) FILTER (WHERE ${live.pastDue})::int AS "pastDue",
       count(*) FILTER (WHERE ${live.overdueOnTime})::int AS "overdueOnTime",
       count(*) FILTER (WHERE ${live.warnings})::int AS "warnings",
       count(*) FILTER (WHERE ${live.signLatePending})::int AS "signLatePending"
     FROM stats_open_tickets o WHERE ${w.join(" AND ")} GROUP BY 1`,
    sql.params,
  );
  return rows;
}

/**
 * Counters per group (all → one entry keyed "0"). `live: false` skips the open-ticket query
 * (endpoints that only need received counts).
 */
export async function loadCounters(
  pool: pg.Pool,
  s: StatsScope,
  groupBy: GroupBy,
  opts: { now: Date; live?: boolean; dispatches?: boolean },
): Promise<Map<string, Counters>> {
  const [tickets, dispatches, live] = await Promise.all([
    rollupCounters(pool, "stats_daily", s, groupBy),
    opts.dispatches === false ? [] : rollupCounters(pool, "stats_dispatch_daily", s, groupBy),
    opts.live === false ? [] : liveCounters(pool, s, groupBy, opts.now),
  ]);
  const out = new Map<string, Counters>();
  const merge = (rows: Array<Record<string, number | string>>, keys: readonly string[]) => {
    for (const r of rows) {
      const g = String(r.g);
      let c = out.get(g);
      if (!c) {
        c = emptyCounters();
        out.set(g, c);
      }
      for (const k of keys) c[k as keyof Counters] += Number(r[k] ?? 0);
    }
  };
  merge(tickets, TICKET_COUNTERS);
  merge(dispatches, DISPATCH_COUNTERS);
  merge(live, LIVE_COUNTERS);
  return out;
}

export interface OverdueRow {
  id: number;
  number: string;
  title: string;
  departmentId: number | null;
  status: string;
  dueAt: Date | null;
  supervisionLevel: number;
  /** What deadline-state.ts needs to decide the resolution deadline's state. */
  reopenCount: number;
  firstApprovedReplyAt: Date | null;
  flags: { resolveWarning?: boolean; resolveOverdue?: boolean } | null;
}

/**
 * Open tickets whose resolution deadline runs and is past (deadline-state.ts: it stops once the
 * reply is approved), or under supervision, most overdue first: picked from the narrow
 * stats_open_tickets rows (due_at index), then their numbers and titles fetched by id.
 */
export async function overdueTickets(
  pool: pg.Pool,
  opts: { now: Date; limit: number; departmentIds: number[] | null },
): Promise<OverdueRow[]> {
  const sql = new Sql();
  const now = sql.p(opts.now);
  const running = sql.p([...DUE_RUNNING_STATES]);
  const dept = opts.departmentIds ? ` AND o.department_id = ANY(${sql.p(opts.departmentIds)}::int[])` : "";
  const limit = sql.p(opts.limit);
  const { rows } = await pool.query<OverdueRow>(
    `SELECT t.id, t.number, t.title, t.department_id AS "departmentId", t.status::text AS status, t.due_at AS "dueAt",
            t.supervision_level AS "supervisionLevel", t.reopen_count AS "reopenCount",
            t.first_approved_reply_at AS "firstApprovedReplyAt", t.context->'flags' AS flags
       FROM (SELECT o.ticket_id, o.due_at FROM stats_open_tickets o
              WHERE ((o.due_at < ${now} AND o.status::text = ANY(${running}::text[])) OR o.supervision_level > 0)${dept}
              ORDER BY o.due_at NULLS LAST, o.ticket_id LIMIT ${limit}) x
       JOIN tickets t ON t.id = x.ticket_id
      ORDER BY x.due_at NULLS LAST, x.ticket_id`,
    sql.params,
  );
  return rows;
}
