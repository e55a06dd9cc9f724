/**
 * The monthly assessment in PostgreSQL: which tickets a period assesses (live, or frozen once
 * the period has ended), the peer groups, and the ranking with raw and adjusted figures. The
 * definitions are assessment.ts's; this reads rows and hands them over.
 *
 * A period is live while it runs: its tickets are those whose latest valid callback (now)
 * falls in it. The first time it is read after its last day (its ranking, or the next period's,
 * which compares with it) it is frozen: its assessed tickets are copied to assessment_snapshot
 * and never change again. Not by a timer: a history imported after the period ended but before
 * anyone looked at it still counts (a centre publishes its ranking by reading it). Accepted
 * appeals (appeals.status = 'accepted') are the adjustments: the adjusted figures leave out the
 * appealed ground of the appealed callback; the raw figures and the snapshot keep it.
 */

import type pg from "pg";
import { inTransaction } from "../db/pool.ts";
import { AppError, notFound, validation } from "../errors.ts";
import type { OrgService } from "../org/org.service.ts";
import {
  type AppealGround,
  type AssessedTicket,
  type AssessmentCounters,
  type AssessmentFigures,
  type AssessmentSettings,
  assessmentFigures,
  departmentCounters,
  emptyAssessmentCounters,
  isPeriodKey,
  periodDays,
  periodOfDay,
  previousPeriodKey,
  rankByScore,
  rankChange,
  type ValidRating,
} from "./assessment.ts";
import { dayOf } from "./metrics.ts";

/** The ticket's latest valid callback and what it answered, as the assessment keeps it. */
export interface AssessedRow extends AssessedTicket {
  callbackId: number;
  callbackAt: Date;
}

export interface AssessmentPeriodInfo {
  key: string;
  /** First day (YYYY-MM-DD, centre time) and the day after the last. */
  from: string;
  to: string;
  /** Frozen (closed) periods no longer follow later events. */
  frozen: boolean;
  frozenAt: string | null;
}

type Figures = Omit<AssessmentFigures, "overdue"> & { overdue: number };

export interface AssessmentRow extends Figures {
  departmentId: number;
  name: string;
  groupId: number | null;
  groupName: string | null;
  rank: number | null;
  rankChange: number | null;
  /** Accepted appeals (核减) counted in the adjusted figures. */
  appealsAccepted: number;
  adjusted: Figures & { rank: number | null; rankChange: number | null };
}

export interface AssessmentGroup {
  id: number;
  name: string;
  departmentIds: number[];
}

/** The assessed tickets of [fromDay, toDay), as of now ($1, $2 days; $3 time zone). */
const LIVE_SQL = `
WITH w AS (SELECT ($1::date::timestamp AT TIME ZONE $3) AS f, ($2::date::timestamp AT TIME ZONE $3) AS t),
inp AS (
  SELECT DISTINCT c.ticket_id FROM callbacks c, w
   WHERE c.at >= w.f AND c.at < w.t AND c.rating <> 'unreachable'
), lv AS (
  SELECT DISTINCT ON (c.ticket_id) c.id, c.ticket_id, c.at, c.rating, c.resolved, c.contacted
    FROM callbacks c JOIN inp USING (ticket_id)
   WHERE c.rating <> 'unreachable'
   ORDER BY c.ticket_id, c.at DESC, c.id DESC
)
SELECT lv.ticket_id, t.department_id, lv.id AS callback_id, lv.at AS callback_at, lv.rating, lv.resolved,
       lv.contacted,
       EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = lv.ticket_id AND e.type = 'RESOLVE_OVERDUE')
         AS overdue
  FROM lv JOIN tickets t ON t.id = lv.ticket_id, w
 WHERE lv.at >= w.f AND lv.at < w.t AND t.department_id IS NOT NULL AND t.status <> 'merged'`;

interface RawRow {
  ticket_id: number;
  department_id: number;
  callback_id: number;
  callback_at: Date;
  rating: ValidRating;
  resolved: boolean | null;
  contacted: boolean | null;
  overdue: boolean;
}

const toAssessed = (r: RawRow): AssessedRow => ({
  ticketId: r.ticket_id,
  departmentId: r.department_id,
  callbackId: r.callback_id,
  callbackAt: r.callback_at,
  rating: r.rating,
  resolved: r.resolved,
  contacted: r.contacted,
  overdue: r.overdue,
});

export class AssessmentService {
  constructor(
    private readonly deps: {
      pool: pg.Pool;
      org: OrgService;
      timeZone: string;
      settings: AssessmentSettings;
    },
  ) {}

  get settings(): AssessmentSettings {
    return this.deps.settings;
  }

  /** The period a moment falls in (centre time). */
  periodOf(at: Date): string {
    return periodOfDay(dayOf(at, this.deps.timeZone), this.deps.settings.startDay);
  }

  private days(key: string): { fromDay: string; toDay: string } {
    if (!isPeriodKey(key)) throw validation({ period: "A month YYYY-MM" });
    return periodDays(key, this.deps.settings.startDay);
  }

  /** Has the period ended (its last day is over, centre time)? */
  ended(key: string, now: Date): boolean {
    return dayOf(now, this.deps.timeZone) >= this.days(key).toDay;
  }

  /**
   * Freezes an ended period (idempotent; concurrent callers freeze it once). Returns whether this
   * call froze it.
   */
  async freeze(key: string, now = new Date()): Promise<boolean> {
    const { fromDay, toDay } = this.days(key);
    if (!this.ended(key, now)) return false;
    return inTransaction(this.deps.pool, async (c) => {
      const inserted = await c.query(
        `INSERT INTO assessment_periods (period, from_day, to_day, frozen_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (period) DO NOTHING`,
        [key, fromDay, toDay, now],
      );
      if (inserted.rowCount) {
        await c.query(
          `INSERT INTO assessment_snapshot (period, ticket_id, department_id, callback_id, callback_at, rating,
             resolved, contacted, overdue)
           SELECT $4, x.ticket_id, x.department_id, x.callback_id, x.callback_at, x.rating, x.resolved,
                  x.contacted, x.overdue FROM (${LIVE_SQL}) x`,
          [fromDay, toDay, this.deps.timeZone, key],
        );
      }
      return (inserted.rowCount ?? 0) > 0;
    });
  }

  /** The period's assessed tickets: frozen if it has ended (freezing it now if need be), else live. */
  async assessed(
    key: string,
    now = new Date(),
  ): Promise<{ info: AssessmentPeriodInfo; rows: AssessedRow[] }> {
    const { fromDay, toDay } = this.days(key);
    if (this.ended(key, now)) await this.freeze(key, now);
    const { rows: periods } = await this.deps.pool.query<{ frozen_at: Date }>(
      "SELECT frozen_at FROM assessment_periods WHERE period = $1",
      [key],
    );
    const frozenAt = periods[0]?.frozen_at ?? null;
    const { rows } = frozenAt
      ? await this.deps.pool.query<RawRow>(
          `SELECT ticket_id, department_id, callback_id, callback_at, rating, resolved, contacted, overdue
             FROM assessment_snapshot WHERE period = $1`,
          [key],
        )
      : await this.deps.pool.query<RawRow>(LIVE_SQL, [fromDay, toDay, this.deps.timeZone]);
    return {
      info: { key, from: fromDay, to: toDay, frozen: !!frozenAt, frozenAt: frozenAt?.toISOString() ?? null },
      rows: rows.map(toAssessed),
    };
  }

  /** Accepted appeals of the period: ticket → grounds, matched on department and callback. */
  async exclusions(key: string, rows: readonly AssessedRow[]): Promise<Map<number, Set<AppealGround>>> {
    const { rows: accepted } = await this.deps.pool.query<{
      ticket_id: number;
      department_id: number;
      callback_id: number;
      ground: AppealGround;
    }>(
      `SELECT ticket_id, department_id, callback_id, ground FROM appeals WHERE period = $1 AND status = 'accepted'`,
      [key],
    );
    const byTicket = new Map(rows.map((r) => [r.ticketId, r]));
    const out = new Map<number, Set<AppealGround>>();
    for (const a of accepted) {
      const row = byTicket.get(a.ticket_id);
      if (!row || row.departmentId !== a.department_id || row.callbackId !== a.callback_id) continue;
      const set = out.get(a.ticket_id) ?? new Set<AppealGround>();
      set.add(a.ground);
      out.set(a.ticket_id, set);
    }
    return out;
  }

  // ─── Groups ────────────────────────────────────────────────────────────────

  async groups(): Promise<AssessmentGroup[]> {
    const { rows } = await this.deps.pool.query<{ id: number; name: string; department_ids: number[] }>(
      `SELECT g.id, g.name,
              coalesce(array_agg(m.department_id ORDER BY m.department_id) FILTER (WHERE m.department_id IS NOT NULL),
                       '{}') AS department_ids
         FROM assessment_groups g LEFT JOIN assessment_group_members m ON m.group_id = g.id
        GROUP BY g.id ORDER BY g.id`,
    );
    return rows.map((r) => ({ id: r.id, name: r.name, departmentIds: r.department_ids }));
  }

  async group(id: number): Promise<AssessmentGroup> {
    const g = (await this.groups()).find((x) => x.id === id);
    if (!g) throw notFound("Assessment group");
    return g;
  }

  /** Creates a group; its departments move to it from any other group. */
  async createGroup(name: string, departmentIds: readonly number[]): Promise<AssessmentGroup> {
    await this.checkDepartments(departmentIds);
    const id: number = await inTransaction(this.deps.pool, async (c) => {
      const { rows } = await c.query<{ id: number }>(
        `INSERT INTO assessment_groups (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id`,
        [name],
      );
      if (!rows[0]) throw new AppError("conflict", `An assessment group named ${name} exists`);
      const id = rows[0].id;
      await this.setMembers(c, id, departmentIds);
      return id;
    });
    return this.group(id);
  }

  /** Renames a group and/or replaces its departments (moved from any other group). */
  async updateGroup(
    id: number,
    patch: { name?: string | undefined; departmentIds?: readonly number[] | undefined },
  ): Promise<AssessmentGroup> {
    await this.group(id);
    if (patch.departmentIds) await this.checkDepartments(patch.departmentIds);
    await inTransaction(this.deps.pool, async (c) => {
      if (patch.name !== undefined) {
        const clash = await c.query("SELECT 1 FROM assessment_groups WHERE name = $1 AND id <> $2", [
          patch.name,
          id,
        ]);
        if (clash.rowCount) throw new AppError("conflict", `An assessment group named ${patch.name} exists`);
        await c.query("UPDATE assessment_groups SET name = $2 WHERE id = $1", [id, patch.name]);
      }
      if (patch.departmentIds) {
        await c.query("DELETE FROM assessment_group_members WHERE group_id = $1", [id]);
        await this.setMembers(c, id, patch.departmentIds);
      }
    });
    return this.group(id);
  }

  private async setMembers(c: pg.ClientBase, groupId: number, departmentIds: readonly number[]) {
    if (departmentIds.length === 0) return;
    await c.query(
      `INSERT INTO assessment_group_members (department_id, group_id)
       SELECT d, $1 FROM unnest($2::int[]) AS d
       ON CONFLICT (department_id) DO UPDATE SET group_id = excluded.group_id`,
      [groupId, [...new Set(departmentIds)]],
    );
  }

  private async checkDepartments(ids: readonly number[]): Promise<void> {
    const tree = await this.deps.org.tree();
    const unknown = ids.filter((d) => !tree.get(d));
    if (unknown.length) throw validation({ departmentIds: `Unknown departments: ${unknown.join(", ")}` });
  }

  // ─── Ranking ───────────────────────────────────────────────────────────────

  /** Counters per department, raw and adjusted, and how many appeals each had accepted. */
  private async counters(key: string, now: Date) {
    const { info, rows } = await this.assessed(key, now);
    const excluded = await this.exclusions(key, rows);
    const accepted = new Map<number, number>();
    for (const r of rows) {
      const n = excluded.get(r.ticketId)?.size ?? 0;
      if (n) accepted.set(r.departmentId, (accepted.get(r.departmentId) ?? 0) + n);
    }
    return { info, raw: departmentCounters(rows), adjusted: departmentCounters(rows, excluded), accepted };
  }

  /**
   * The ranking of a period: every department of the group (or of every group, plus departments
   * with assessed tickets and no group), ranked within its group by score, raw and adjusted.
   */
  async ranking(
    key: string,
    groupId?: number,
    now = new Date(),
  ): Promise<{ period: AssessmentPeriodInfo; rows: AssessmentRow[] }> {
    const groups = await this.groups();
    if (groupId !== undefined && !groups.some((g) => g.id === groupId)) throw notFound("Assessment group");
    const groupOf = new Map<number, AssessmentGroup>();
    for (const g of groups) for (const d of g.departmentIds) groupOf.set(d, g);
    const current = await this.counters(key, now);
    const previous = await this.counters(previousPeriodKey(key), now);
    const departments = new Set<number>(
      groupId !== undefined
        ? (groups.find((g) => g.id === groupId)?.departmentIds ?? [])
        : [...groupOf.keys(), ...current.raw.keys()],
    );
    const tree = await this.deps.org.tree();
    const s = this.deps.settings;
    const figuresOf = (m: Map<number, AssessmentCounters>, d: number) =>
      assessmentFigures(m.get(d) ?? emptyAssessmentCounters(), s);
    const ranks = (m: Map<number, AssessmentCounters>) => {
      const byGroup = new Map<number | null, Array<{ key: number; score: number | null }>>();
      for (const d of departments) {
        const g = groupOf.get(d)?.id ?? null;
        const list = byGroup.get(g) ?? [];
        list.push({ key: d, score: figuresOf(m, d).score });
        byGroup.set(g, list);
      }
      const out = new Map<number, number | null>();
      for (const list of byGroup.values()) for (const [d, r] of rankByScore(list)) out.set(d, r);
      return out;
    };
    const rank = ranks(current.raw);
    const rankAdj = ranks(current.adjusted);
    const prevRank = ranks(previous.raw);
    const prevRankAdj = ranks(previous.adjusted);
    const rows: AssessmentRow[] = [...departments].map((d) => {
      const g = groupOf.get(d) ?? null;
      const r = rank.get(d) ?? null;
      const ra = rankAdj.get(d) ?? null;
      return {
        departmentId: d,
        name: tree.get(d)?.name ?? String(d),
        groupId: g?.id ?? null,
        groupName: g?.name ?? null,
        ...figuresOf(current.raw, d),
        rank: r,
        rankChange: rankChange(prevRank.get(d), r),
        appealsAccepted: current.accepted.get(d) ?? 0,
        adjusted: {
          ...figuresOf(current.adjusted, d),
          rank: ra,
          rankChange: rankChange(prevRankAdj.get(d), ra),
        },
      };
    });
    rows.sort(
      (a, b) =>
        (a.groupId ?? Number.MAX_SAFE_INTEGER) - (b.groupId ?? Number.MAX_SAFE_INTEGER) ||
        (a.rank ?? Number.MAX_SAFE_INTEGER) - (b.rank ?? Number.MAX_SAFE_INTEGER) ||
        a.departmentId - b.departmentId,
    );
    return { period: current.info, rows };
  }

  /** The tickets behind one department's figures in a period (drill-down). */
  async tickets(key: string, departmentId: number, now = new Date()) {
    const { info, rows } = await this.assessed(key, now);
    const mine = rows.filter((r) => r.departmentId === departmentId);
    const excluded = await this.exclusions(key, mine);
    const { rows: meta } = await this.deps.pool.query<{ id: number; number: string; title: string }>(
      "SELECT id, number, title FROM tickets WHERE id = ANY($1::int[])",
      [mine.map((r) => r.ticketId)],
    );
    const byId = new Map(meta.map((m) => [m.id, m]));
    return {
      period: info,
      items: mine
        .sort((a, b) => a.callbackAt.getTime() - b.callbackAt.getTime() || a.ticketId - b.ticketId)
        .map((r) => ({
          ticketId: r.ticketId,
          number: byId.get(r.ticketId)?.number ?? "",
          title: byId.get(r.ticketId)?.title ?? "",
          callbackAt: r.callbackAt.toISOString(),
          rating: r.rating,
          resolved: r.resolved,
          contacted: r.contacted,
          overdue: r.overdue,
          excluded: [...(excluded.get(r.ticketId) ?? [])].sort(),
        })),
    };
  }
}
