import { Cached } from "../db/cached.ts";
import type { Db } from "../db/client.ts";
import type { CalendarDayKind, Urgency } from "../generated/prisma/enums.ts";
import { addDuration, defaultCalendar, type WorkingCalendar } from "./calendar.ts";
import {
  callbackDeadline,
  computeDeadlines,
  DEFAULT_POLICIES,
  type Deadlines,
  type SlaPolicyData,
} from "./deadlines.ts";
import { SHIPPED_CALENDAR_DAYS } from "./holidays.ts";

const CACHE_MS = 5_000;
const SEEDED_YEARS_KEY = "calendar.seededYears";
export const DEFAULT_POLICY_CODE = "*";

/**
 * Policies and the working calendar as stored (admins edit both), cached briefly so
 * deadline arithmetic on hot paths does not query them every time.
 */
export class SlaService {
  private readonly calendarCache = new Cached(
    async () =>
      defaultCalendar(await this.db.calendarDay.findMany(), this.timeZone ? { timeZone: this.timeZone } : {}),
    CACHE_MS,
  );
  private readonly policyCache = new Cached(
    async () =>
      new Map((await this.db.slaPolicy.findMany()).map((r) => [`${r.categoryCode}/${r.urgency}`, r])),
    CACHE_MS,
  );

  constructor(
    private readonly db: Db,
    /** The centre's time zone (HOTLINE_TIME_ZONE): working hours are local to it. */
    readonly timeZone?: string,
  ) {}

  /** Loads the shipped holiday data for years never seeded before; admins' edits are never overwritten. */
  async seedShippedCalendar(): Promise<void> {
    const row = await this.db.setting.findUnique({ where: { key: SEEDED_YEARS_KEY } });
    const seeded = new Set<number>(Array.isArray(row?.value) ? (row.value as number[]) : []);
    const years = [...new Set(SHIPPED_CALENDAR_DAYS.map((d) => Number(d.date.slice(0, 4))))].filter(
      (y) => !seeded.has(y),
    );
    if (years.length === 0) return;
    await this.db.$transaction(async (tx) => {
      await tx.calendarDay.createMany({
        data: SHIPPED_CALENDAR_DAYS.filter((d) => years.includes(Number(d.date.slice(0, 4)))).map((d) => ({
          date: d.date,
          year: Number(d.date.slice(0, 4)),
          kind: d.kind,
          name: d.name,
        })),
        skipDuplicates: true,
      });
      const all = [...seeded, ...years].sort();
      await tx.setting.upsert({
        where: { key: SEEDED_YEARS_KEY },
        create: { key: SEEDED_YEARS_KEY, value: all },
        update: { value: all },
      });
    });
    this.invalidate();
  }

  invalidate(): void {
    this.calendarCache.clear();
    this.policyCache.clear();
  }

  calendar(): Promise<WorkingCalendar> {
    return this.calendarCache.get();
  }

  /**
   * Policies and calendar as of now, for synchronous deadline arithmetic. The ticket write
   * path takes one before opening its transaction, so nothing inside the transaction needs a
   * second pool connection (which, with every connection queued on one ticket's row lock,
   * would deadlock the pool).
   */
  async snapshot(): Promise<SlaSnapshot> {
    const [policies, calendar] = await Promise.all([this.policyCache.get(), this.calendar()]);
    return new SlaSnapshot(policies, calendar);
  }

  async policy(categoryCode: string, urgency: Urgency): Promise<SlaPolicyData> {
    return (await this.snapshot()).policy(categoryCode, urgency);
  }

  async planDispatch(categoryCode: string, urgency: Urgency, dispatchedAt: Date): Promise<Deadlines> {
    return (await this.snapshot()).planDispatch(categoryCode, urgency, dispatchedAt);
  }

  async planResolve(categoryCode: string, urgency: Urgency, from: Date): Promise<Date> {
    return (await this.snapshot()).planResolve(categoryCode, urgency, from);
  }

  async planCallback(categoryCode: string, urgency: Urgency, approvedAt: Date): Promise<Date> {
    return (await this.snapshot()).planCallback(categoryCode, urgency, approvedAt);
  }

  // ---- admin: policies and calendar --------------------------------------------------------

  /** Stored policies plus, for each urgency without a stored default ("*"), the built-in one. */
  async listPolicies(): Promise<StoredPolicy[]> {
    const rows = await this.db.slaPolicy.findMany({ orderBy: [{ categoryCode: "asc" }, { urgency: "asc" }] });
    const out: StoredPolicy[] = rows.map((r) => ({
      ...toPolicy(r),
      source: "stored",
      updatedAt: r.updatedAt,
    }));
    for (const urgency of URGENCIES) {
      if (!rows.some((r) => r.categoryCode === DEFAULT_POLICY_CODE && r.urgency === urgency)) {
        out.push({
          categoryCode: DEFAULT_POLICY_CODE,
          urgency,
          ...DEFAULT_POLICIES[urgency],
          source: "builtin",
          updatedAt: null,
        });
      }
    }
    return out.sort(
      (a, b) =>
        Number(b.categoryCode === DEFAULT_POLICY_CODE) - Number(a.categoryCode === DEFAULT_POLICY_CODE) ||
        a.categoryCode.localeCompare(b.categoryCode) ||
        URGENCIES.indexOf(a.urgency) - URGENCIES.indexOf(b.urgency),
    );
  }

  /** Inserts or replaces one policy; the caller has validated the durations and the category. */
  async putPolicy(categoryCode: string, urgency: Urgency, p: SlaPolicyData): Promise<StoredPolicy> {
    const data = { ...p, updatedAt: new Date() };
    const row = await this.db.slaPolicy.upsert({
      where: { categoryCode_urgency: { categoryCode, urgency } },
      create: { categoryCode, urgency, ...data },
      update: data,
    });
    this.invalidate();
    return { ...toPolicy(row), source: "stored", updatedAt: row.updatedAt };
  }

  async calendarDays(year: number): Promise<Array<{ date: string; kind: CalendarDayKind; name: string }>> {
    return this.db.calendarDay.findMany({
      where: { year },
      orderBy: { date: "asc" },
      select: { date: true, kind: true, name: true },
    });
  }

  /**
   * Replaces a year's overrides. The year is also marked as seeded, so shipped holiday data of a
   * later release never mixes into what an admin entered.
   */
  async replaceCalendarYear(
    year: number,
    days: Array<{ date: string; kind: CalendarDayKind; name: string }>,
  ): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await tx.calendarDay.deleteMany({ where: { year } });
      if (days.length) await tx.calendarDay.createMany({ data: days.map((d) => ({ ...d, year })) });
      const row = await tx.setting.findUnique({ where: { key: SEEDED_YEARS_KEY } });
      const seeded = new Set<number>(Array.isArray(row?.value) ? (row.value as number[]) : []);
      if (!seeded.has(year)) {
        const all = [...seeded, year].sort();
        await tx.setting.upsert({
          where: { key: SEEDED_YEARS_KEY },
          create: { key: SEEDED_YEARS_KEY, value: all },
          update: { value: all },
        });
      }
    });
    this.invalidate();
  }
}

const URGENCIES: Urgency[] = ["normal", "urgent", "critical"];

export interface StoredPolicy extends SlaPolicyData {
  categoryCode: string;
  urgency: Urgency;
  /** `stored`: set by an admin; `builtin`: the shipped default in effect (deadlines.ts). */
  source: "stored" | "builtin";
  updatedAt: Date | null;
}

function toPolicy(r: {
  categoryCode: string;
  urgency: Urgency;
  signWithin: string;
  firstResponseWithin: string;
  resolveWithin: string;
  callbackWithin: string;
  clock: "calendar" | "working";
}) {
  return {
    categoryCode: r.categoryCode,
    urgency: r.urgency,
    signWithin: r.signWithin,
    firstResponseWithin: r.firstResponseWithin,
    resolveWithin: r.resolveWithin,
    callbackWithin: r.callbackWithin,
    clock: r.clock,
  };
}

/** Policies and calendar at one moment: pure deadline planning. */
export class SlaSnapshot {
  constructor(
    private readonly policies: ReadonlyMap<string, SlaPolicyData>,
    readonly calendar: WorkingCalendar,
  ) {}

  policy(categoryCode: string, urgency: Urgency): SlaPolicyData {
    return (
      this.policies.get(`${categoryCode}/${urgency}`) ??
      this.policies.get(`${DEFAULT_POLICY_CODE}/${urgency}`) ??
      DEFAULT_POLICIES[urgency]
    );
  }

  /** Deadlines run from dispatch, not from signing. */
  planDispatch(categoryCode: string, urgency: Urgency, dispatchedAt: Date): Deadlines {
    return computeDeadlines(dispatchedAt, this.policy(categoryCode, urgency), this.calendar);
  }

  /** A fresh resolution deadline (reopen after a dissatisfied callback or a complaint). */
  planResolve(categoryCode: string, urgency: Urgency, from: Date): Date {
    const p = this.policy(categoryCode, urgency);
    return addDuration(from, p.resolveWithin, p.clock, this.calendar);
  }

  planCallback(categoryCode: string, urgency: Urgency, approvedAt: Date): Date {
    return callbackDeadline(approvedAt, this.policy(categoryCode, urgency), this.calendar);
  }
}
