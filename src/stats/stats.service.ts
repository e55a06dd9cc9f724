import type pg from "pg";
import { validation } from "../errors.ts";
import { logger } from "../logger.ts";
import type { OrgService } from "../org/org.service.ts";
import { type DeadlineState, deadlineStatus } from "../tickets/deadline-state.ts";
import {
  addInto,
  type Counters,
  DEFAULT_WEIGHTS,
  emptyCounters,
  type Figures,
  figures,
  NO_DEPARTMENT,
  type SatisfactionWeights,
} from "./metrics.ts";
import {
  bucketBounds,
  bucketOf,
  buckets,
  type Granularity,
  type Period,
  PeriodError,
  parsePeriod,
  previousPeriod,
} from "./period.ts";
import { loadCounters, overdueTickets, type StatsScope } from "./queries.ts";
import { drainOutbox, type RebuildReport, rebuildAll, refreshTicket } from "./rollups.ts";

export interface StatsQuery {
  from?: string | undefined;
  to?: string | undefined;
  departmentId?: number | undefined;
  categoryCode?: string | undefined;
  channel?: string | undefined;
}

export type DepartmentFigures = { departmentId: number; departmentName: string } & Omit<Figures, "warnings">;
export const DEPARTMENT_SORT_KEYS = [
  "received",
  "closed",
  "completionRate",
  "onTimeRate",
  "responseRate",
  "satisfactionRate",
  "satisfactionScore",
  "resolutionRate",
  "reopenRate",
  "returnRate",
  "overdueOpen",
] as const;
export type DepartmentSortKey = (typeof DEPARTMENT_SORT_KEYS)[number];

export interface TrendPoint {
  /** The bucket's first day within the period (a partial first bucket starts with the period). */
  period: string;
  /** The day after the bucket's last day within the period (exclusive, like the period's `to`). */
  to: string;
  received: number;
  closed: number;
  onTimeRate: number | null;
  satisfactionRate: number | null;
}

export interface CategoryTrend {
  categoryCode: string;
  categoryName: string;
  received: number;
  previousReceived: number;
  /** (received − previousReceived) / previousReceived; null when the previous period had none. */
  change: number | null;
}

export interface OverdueItem {
  id: number;
  number: string;
  title: string;
  departmentId: number | null;
  departmentName: string | null;
  status: string;
  dueAt: string | null;
  /** The resolution deadline's state (deadline-state.ts), as the desk shows it. */
  dueState: DeadlineState;
  supervisionLevel: number;
}

/** What the stats service needs: the pool, the organisation (names, scopes) and two settings. */
export interface StatsDeps {
  pool: pg.Pool;
  org: Pick<OrgService, "tree" | "categoryByCode" | "listCategories">;
  timeZone: string;
  weights: SatisfactionWeights;
}

export type StatsListener = (e: { version: string; at: string }) => void;

const POLL_MS = 1_000;

/** Keeps the stats rollups current (via the "stats" queue) and answers the stats API. */
export class StatsService {
  readonly weights: SatisfactionWeights;
  private readonly listeners = new Set<StatsListener>();
  private poller: NodeJS.Timeout | undefined;
  private lastVersion: string | undefined;

  constructor(private readonly deps: StatsDeps) {
    this.weights = deps.weights;
  }

  get timeZone(): string {
    return this.deps.timeZone;
  }

  /** Raw pg for set-based SQL (the rollups, the import): the process's shared pool. */
  get pool(): pg.Pool {
    return this.deps.pool;
  }

  // ---- write side -----------------------------------------------------------------------

  /**
   * Drains up to `limit` rows of the stats outbox (appended by every ticket write in its own
   * transaction) into the facts and rollups; returns how many rows it took.
   */
  async drain(limit = 500): Promise<number> {
    return drainOutbox(this.pool, this.timeZone, limit);
  }

  /** Brings one ticket's facts and the rollups up to date with it (tests, repairs). */
  async processTicket(ticketId: number): Promise<{ changed: boolean }> {
    return refreshTicket(this.pool, ticketId, this.timeZone, { bumpAlways: true });
  }

  /** Full set-based rebuild; returns what it had to correct (nothing, normally). */
  async rebuild(): Promise<RebuildReport> {
    const report = await rebuildAll(this.pool, this.timeZone);
    const drift = Object.values(report.changes).some((n) => n > 0);
    (drift ? logger.warn : logger.info).call(logger, { ...report }, "stats rebuild done");
    return report;
  }

  // ---- read side ------------------------------------------------------------------------

  private async scope(q: StatsQuery, now: Date): Promise<{ scope: StatsScope; period: Period }> {
    let period: Period;
    try {
      period = parsePeriod(q, this.timeZone, now);
    } catch (err) {
      if (err instanceof PeriodError) throw validation({ [err.field]: err.message });
      throw err;
    }
    let departmentIds: number[] | null = null;
    if (q.departmentId !== undefined) {
      const tree = await this.deps.org.tree();
      if (!tree.get(q.departmentId)) throw validation({ departmentId: "Unknown department" });
      departmentIds = tree.subtreeIds(q.departmentId);
    }
    let categoryId: number | null = null;
    if (q.categoryCode !== undefined) {
      const category = await this.deps.org.categoryByCode(q.categoryCode);
      if (!category) throw validation({ categoryCode: "Unknown category" });
      categoryId = category.id;
    }
    return {
      period,
      scope: { ...period, departmentIds, categoryId, channel: q.channel ?? null },
    };
  }

  private counters(scope: StatsScope, groupBy: "all" | "department" | "day" | "category", now: Date) {
    return loadCounters(this.pool, scope, groupBy, { now });
  }

  async summary(q: StatsQuery, now = new Date()): Promise<Figures> {
    const { scope } = await this.scope(q, now);
    const byGroup = await this.counters(scope, "all", now);
    return figures(byGroup.get("0") ?? emptyCounters(), this.weights);
  }

  async departments(
    q: StatsQuery,
    sort: DepartmentSortKey = "received",
    now = new Date(),
  ): Promise<{ period: Period; items: DepartmentFigures[] }> {
    const { scope, period } = await this.scope(q, now);
    const [byDept, tree] = await Promise.all([this.counters(scope, "department", now), this.deps.org.tree()]);
    const items: DepartmentFigures[] = [];
    for (const [key, c] of byDept) {
      const departmentId = Number(key);
      if (departmentId === NO_DEPARTMENT) continue;
      const { warnings: _warnings, ...f } = figures(c, this.weights);
      items.push({ departmentId, departmentName: tree.get(departmentId)?.name ?? `#${departmentId}`, ...f });
    }
    items.sort((a, b) => {
      const x = a[sort];
      const y = b[sort];
      if (x !== y) {
        if (x === null) return 1;
        if (y === null) return -1;
        return y - x;
      }
      return a.departmentId - b.departmentId;
    });
    return { period, items };
  }

  async trend(q: StatsQuery, granularity: Granularity, now = new Date()): Promise<TrendPoint[]> {
    const { scope, period } = await this.scope(q, now);
    const byDay = await this.counters(scope, "day", now);
    const byBucket = new Map<string, Counters>(buckets(period, granularity).map((b) => [b, emptyCounters()]));
    for (const [day, c] of byDay) {
      const target = byBucket.get(bucketOf(day, granularity));
      if (target) addInto(target, c);
    }
    return [...byBucket].map(([b, c]) => {
      const f = figures(c, this.weights);
      const bounds = bucketBounds(b, period, granularity);
      return {
        period: bounds.fromDay,
        to: bounds.toDay,
        received: f.received,
        closed: f.closed,
        onTimeRate: f.onTimeRate,
        satisfactionRate: f.satisfactionRate,
      };
    });
  }

  async categories(q: StatsQuery, limit: number, now = new Date()): Promise<CategoryTrend[]> {
    const { scope, period } = await this.scope(q, now);
    const prev = { ...scope, ...previousPeriod(period) };
    const only = { now, live: false, dispatches: false };
    const [current, previous, categories] = await Promise.all([
      loadCounters(this.pool, scope, "category", only),
      loadCounters(this.pool, prev, "category", only),
      this.deps.org.listCategories(),
    ]);
    const byId = new Map(categories.map((c) => [c.id, c]));
    const ids = new Set([...current.keys(), ...previous.keys()]);
    const items: CategoryTrend[] = [];
    for (const key of ids) {
      const cat = byId.get(Number(key));
      const received = current.get(key)?.received ?? 0;
      const previousReceived = previous.get(key)?.received ?? 0;
      if (received === 0 && previousReceived === 0) continue;
      items.push({
        categoryCode: cat?.code ?? `#${key}`,
        categoryName: cat?.name ?? `#${key}`,
        received,
        previousReceived,
        change: previousReceived === 0 ? null : (received - previousReceived) / previousReceived,
      });
    }
    items.sort(
      (a, b) =>
        b.received - a.received ||
        b.previousReceived - a.previousReceived ||
        a.categoryCode.localeCompare(b.categoryCode),
    );
    return items.slice(0, limit);
  }

  async overdue(
    q: { limit: number; departmentId?: number | undefined },
    now = new Date(),
  ): Promise<OverdueItem[]> {
    const tree = await this.deps.org.tree();
    let departmentIds: number[] | null = null;
    if (q.departmentId !== undefined) {
      if (!tree.get(q.departmentId)) throw validation({ departmentId: "Unknown department" });
      departmentIds = tree.subtreeIds(q.departmentId);
    }
    const rows = await overdueTickets(this.pool, { now, limit: q.limit, departmentIds });
    return rows.map((r) => ({
      id: r.id,
      number: r.number,
      title: r.title,
      departmentId: r.departmentId,
      departmentName: r.departmentId === null ? null : (tree.get(r.departmentId)?.name ?? null),
      status: r.status,
      dueAt: r.dueAt ? r.dueAt.toISOString() : null,
      dueState: deadlineStatus(
        {
          ...r,
          signBy: null,
          signedAt: null,
          firstResponseBy: null,
          firstResponseAt: null,
          callbackBy: null,
        },
        "dueAt",
        now,
      ).state,
      supervisionLevel: r.supervisionLevel,
    }));
  }

  // ---- change notifications (SSE) -------------------------------------------------------

  async version(): Promise<string> {
    const { rows } = await this.pool.query<{ version: string }>(
      "SELECT version::text AS version FROM stats_state WHERE id = 1",
    );
    return rows[0]?.version ?? "0";
  }

  /**
   * Calls `listener` whenever the rollups change (any process's worker). One poll of the
   * version row per process per second, however many dashboards are connected.
   */
  subscribe(listener: StatsListener): () => void {
    this.listeners.add(listener);
    if (!this.poller) {
      void this.version()
        .then((v) => {
          this.lastVersion ??= v;
        })
        .catch(() => {});
      this.poller = setInterval(() => void this.poll(), POLL_MS);
      this.poller.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.poller) {
        clearInterval(this.poller);
        this.poller = undefined;
        this.lastVersion = undefined;
      }
    };
  }

  private async poll(): Promise<void> {
    try {
      const v = await this.version();
      if (this.lastVersion !== undefined && v !== this.lastVersion) {
        const e = { version: v, at: new Date().toISOString() };
        for (const l of this.listeners) l(e);
      }
      this.lastVersion = v;
    } catch (err) {
      logger.warn({ err }, "stats version poll failed");
    }
  }

  async close(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    this.poller = undefined;
    this.listeners.clear();
  }
}
