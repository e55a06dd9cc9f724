import type { Principal } from "../auth/principal.ts";
import { HOTLINE_ROLES } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { AppError, forbidden, validation } from "../errors.ts";
import { Prisma, type Ticket } from "../generated/prisma/client.ts";
import type { DepartmentTree } from "../org/department-tree.ts";
import type { OrgService } from "../org/org.service.ts";
import { toCsv } from "../stats/csv.ts";
import { type FigureScope, figureCondition } from "../stats/drill.ts";
import { PeriodError, parseBound, parsePeriod } from "../stats/period.ts";
import { DUE_RUNNING_STATES, stageDeadline } from "./deadline-state.ts";
import { fromPrisma } from "./ticket.record.ts";
import type { ListQuery } from "./ticket.schemas.ts";
import { maskPhone, type TicketView, toTicketView } from "./ticket.view.ts";
import { OPEN_STATES } from "./vocabulary.ts";

/** What a list query needs besides the caller and the query string, read before the SQL is built. */
export interface ListContext {
  tree: DepartmentTree;
  /** The id of `q.categoryCode`; null when the code is unknown (nothing matches). */
  categoryId: number | null;
  now: Date;
  /** The centre's time zone: received days (receivedFrom/receivedTo) are local to it. */
  timeZone: string;
  /** receivedFrom/receivedTo as local days, `toDay` exclusive. */
  received: { fromDay?: string; toDay?: string };
}

/**
 * How a text search looks for its page (see listSql): reading the next tickets in list order
 * (`walk`), or collecting every match, through the gram index (`index`) or the other filters
 * and LIKE alone (`scan`).
 */
export type SearchPhase = "walk" | "index" | "scan";

/**
 * The ticket list (filters, scope, cursor pagination) and its CSV export: the read side of the desk.
 *
 * One SQL statement picks the page's ids (`listSql`, shaped for the indexes of migration
 * `20261130150000_ticket_list_indexes` and `20261130160000_ticket_search_filters`), then Prisma
 * reads those rows by primary key.
 */
/**
 * Searching by a citizen's full phone number is for the roles that see full numbers (the
 * hotline's agents and reviewers): anyone else could recover a masked number by guessing. Each
 * such search is audited and throttled per user. Returns the number searched, if any; throws 403
 * for other roles' `phone`. (Their `q` of digits matches ticket numbers only, see listSql.)
 */
function phoneSearched(principal: Principal, q: ListQuery): string | undefined {
  const hotline = HOTLINE_ROLES.has(principal.role);
  if (q.phone !== undefined && !hotline)
    throw forbidden("Searching by phone number is for the hotline's agents and reviewers");
  if (!hotline) return undefined;
  return q.phone ?? (q.q !== undefined && !isTextSearch(q.q) ? q.q : undefined);
}

/**
 * A sliding one-minute window of phone searches per user (per process): `perMinute` before 429
 * (HOTLINE_PHONE_SEARCHES_PER_MINUTE, default 60; the intake form's duplicate hint makes a few
 * per call).
 */
class PhoneSearchThrottle {
  private readonly hits = new Map<number, number[]>();

  constructor(private readonly perMinute: number) {}

  hit(userId: number, now = Date.now()): void {
    const recent = (this.hits.get(userId) ?? []).filter((t) => t > now - 60_000);
    if (recent.length >= this.perMinute) {
      const retryAfter = Math.max(1, Math.ceil(((recent[0] ?? now) + 60_000 - now) / 1000));
      throw new AppError("rate_limited", "Too many phone number searches; wait a moment", { retryAfter });
    }
    recent.push(now);
    this.hits.set(userId, recent);
    if (this.hits.size > 10_000) this.hits.clear();
  }
}

export class TicketList {
  private readonly phoneSearches: PhoneSearchThrottle;

  constructor(
    private readonly db: Db,
    private readonly org: OrgService,
    private readonly timeZone: string,
    phoneSearchesPerMinute = 60,
  ) {
    this.phoneSearches = new PhoneSearchThrottle(phoneSearchesPerMinute);
  }

  async list(
    principal: Principal,
    q: ListQuery,
  ): Promise<{ items: ListItem[]; nextCursor: string | null; total?: number }> {
    checkText(q);
    const searchedPhone = phoneSearched(principal, q);
    if (searchedPhone) this.phoneSearches.hit(principal.id);
    const tree = await this.org.tree();
    const categoryId = q.categoryCode ? ((await this.org.categoryByCode(q.categoryCode))?.id ?? null) : null;
    const now = new Date();
    const ctx: ListContext = {
      tree,
      categoryId,
      now,
      timeZone: this.timeZone,
      received: receivedDays(q, this.timeZone, now),
    };
    const run = (phase?: SearchPhase) =>
      this.db.$queryRaw<Array<{ id: number }>>(listSql(principal, q, ctx, phase));
    // A text search first looks among the next SEARCH_WALK tickets in order; when that does
    // not fill the page, it collects every match, through the search index unless a status-like
    // filter leads better (see listSql).
    let ids = await run(isTextSearch(q.q) ? "walk" : undefined);
    if (isTextSearch(q.q) && ids.length <= q.limit) {
      let phase: SearchPhase = "index";
      if (hasOtherLeadingFilter(q)) {
        const [row] = await this.db.$queryRaw<Array<{ n: number }>>(searchCandidatesSql(principal, q, ctx));
        if ((row?.n ?? 0) > SEARCH_INDEX_MAX) phase = "scan";
      }
      ids = await run(phase);
    }
    const pageIds = ids.slice(0, q.limit).map((r) => r.id);
    const rows = pageIds.length ? await this.db.ticket.findMany({ where: { id: { in: pageIds } } }) : [];
    const byId = new Map(rows.map((t) => [t.id, t]));
    const page = pageIds.map((id) => byId.get(id)).filter((t): t is Ticket => t !== undefined);
    const last = page[page.length - 1];
    const key = last && listKey(q.sort, last);
    const nextCursor =
      ids.length > q.limit && last && key ? encodeCursor({ k: key.toISOString(), id: last.id }) : null;
    const steps = await this.lastSteps(page.map((t) => t.id));
    const items = await Promise.all(
      page.map(async (t) => ({
        ...(await this.view(principal, t, tree)),
        lastStep: steps.get(t.id) ?? null,
      })),
    );
    let total: number | undefined;
    if (q.total === "true") {
      const [row] = await this.db.$queryRaw<Array<{ n: number }>>(countSql(principal, q, ctx));
      total = row?.n ?? 0;
    }
    if (searchedPhone) {
      // A search by full number is a read of personal data: who, when, which number (masked), how many hits.
      await this.db.auditLog.create({
        data: {
          actorId: principal.id,
          action: "search_citizen_phone",
          detail: { role: principal.role, phone: maskPhone(searchedPhone), results: items.length },
        },
      });
    }
    return total === undefined ? { items, nextCursor } : { items, nextCursor, total };
  }

  /**
   * The filtered list as CSV, in the caller's scope, walking the same cursor pages as the
   * list. Phones are masked for everyone but the hotline roles: exports are never audited reads.
   */
  async exportCsv(principal: Principal, q: Omit<ListQuery, "cursor" | "limit">): Promise<string> {
    const rows: Array<Array<string | number | null>> = [];
    let cursor: string | undefined;
    do {
      const page = await this.list(principal, { ...q, total: undefined, limit: 200, cursor });
      for (const t of page.items) {
        rows.push([
          t.number,
          t.createdAt,
          t.channel,
          t.status,
          t.urgency,
          t.categoryName,
          t.title,
          t.citizenName,
          t.citizenPhone,
          t.address,
          t.departmentId,
          t.dueAt,
          t.closedAt,
          t.reopenCount,
          t.supervisionLevel,
          t.lastRating,
        ]);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor && rows.length < EXPORT_MAX_ROWS);
    return toCsv(EXPORT_HEADER, rows);
  }

  /**
   * What the queues' rows show besides the ticket: its latest return request, reply, rejected
   * reply or extension request, with the text (reason or result), unless a later step settled it
   * (a decision on it, a re-dispatch, a callback). One indexed read for the page.
   */
  private async lastSteps(ids: number[]): Promise<Map<number, LastStep>> {
    if (!ids.length) return new Map();
    const rows = await this.db.$queryRaw<
      Array<{ ticketId: number; type: string; at: Date; payload: Record<string, unknown> }>
    >(Prisma.sql`SELECT DISTINCT ON (e.ticket_id) e.ticket_id AS "ticketId", e.type, e.at, e.payload
        FROM ticket_events e
       WHERE e.ticket_id = ANY(${ids}::int[]) AND e.type = ANY(${[...STEP_TYPES, ...SETTLING_TYPES]}::text[])
       ORDER BY e.ticket_id, e.seq DESC`);
    const out = new Map<number, LastStep>();
    for (const r of rows) {
      const type = STEP_TYPES.find((x) => x === r.type);
      if (!type) continue;
      const text = r.payload[type === "REPLY" ? "result" : "reason"];
      out.set(r.ticketId, {
        type,
        at: r.at.toISOString(),
        text: typeof text === "string" ? text.slice(0, STEP_TEXT_MAX) : null,
      });
    }
    return out;
  }

  /** The list view (never the detail view) of a row the caller may read. */
  private async view(principal: Principal, t: Ticket, tree: DepartmentTree): Promise<TicketView> {
    const category = await this.org.categoryById(t.categoryId);
    return toTicketView(fromPrisma(t), {
      principal,
      tree,
      categoryCode: category?.code ?? "",
      categoryName: category?.name ?? "",
      detail: false,
    });
  }
}

/** The steps a queue row tells about (lastStep), and the events that settle them. */
const STEP_TYPES = ["REQUEST_RETURN", "REPLY", "REJECT_REPLY", "REQUEST_EXTENSION"] as const;
const SETTLING_TYPES = [
  "DISPATCH",
  "APPROVE_RETURN",
  "REJECT_RETURN",
  "APPROVE_REPLY",
  "APPROVE_EXTENSION",
  "REJECT_EXTENSION",
  "CALLBACK",
  "REOPEN",
];
const STEP_TEXT_MAX = 200;
export interface LastStep {
  type: (typeof STEP_TYPES)[number];
  at: string;
  text: string | null;
}
export type ListItem = TicketView & { lastStep: LastStep | null };

/** The cursor key of a row in list order: its creation time, resolution deadline or stage deadline. */
function listKey(sort: ListQuery["sort"], t: Ticket): Date | null {
  if (sort === "deadline") return t.dueAt;
  if (sort === "stage") {
    const key = stageDeadline(t);
    return key ? t[key] : null;
  }
  return t.createdAt;
}

/**
 * The deadline of a row's stage in SQL, deadline-state.ts `stageDeadline`: signBy while
 * dispatched, callbackBy while awaiting the callback, dueAt while it runs; NULL otherwise.
 */
function stageSql(a: string): string {
  const running = DUE_RUNNING_STATES.map((s) => `'${s}'`).join(", ");
  return `(CASE WHEN ${a}.status = 'dispatched' THEN ${a}.sign_by WHEN ${a}.status = 'callback' THEN ${a}.callback_by
    WHEN ${a}.status IN (${running}) THEN ${a}.due_at END)`;
}

/** PostgreSQL text cannot hold NUL: refuse it here rather than fail in the driver. */
function checkText(q: Partial<ListQuery>): void {
  for (const key of ["q", "phone", "categoryCode", "cursor"] as const) {
    if (q[key]?.includes("\u0000"))
      throw new AppError("malformed", `${key} must not contain a NUL character`);
  }
}

/** How many tickets, in list order, a text search reads before it collects every match instead. */
export const SEARCH_WALK = 10_000;
/** A text search collecting its matches goes through the gram index up to this many candidates. */
export const SEARCH_INDEX_MAX = 3000;

/**
 * Whether a filter the search index does not hold can lead a query through its own index (a
 * status, a phone, a queue, overdue or supervised tickets). A text search the walk did not
 * satisfy (see listSql) goes through the search index unless one can and the index has more than
 * SEARCH_INDEX_MAX candidates.
 */
export function hasOtherLeadingFilter(q: ListQuery): boolean {
  return !!q.status?.length || !!q.phone || !!q.queue || q.overdue === "true" || q.supervised === "true";
}

/** `q` as a substring search (anything but a ticket number or phone: 8 or more digits). */
export function isTextSearch(term: string | undefined): term is string {
  return !!term && !/^\d{8,}$/.test(term);
}

/** Tokens of ticket_search for a category and units (migration 20261130160000_ticket_search_filters). */
const token = (kind: "k" | "d" | "c" | "s", id: number) => `\u0001${kind}${id}`;

/**
 * What a ticket's row in ticket_search (alias `s`) must hold to be a candidate: every gram of
 * the term, the category's token, one of the department subtree's lead-unit tokens, and one of
 * the handler's scope tokens (lead, co-handling or sub-dispatched unit). One GIN index scan
 * intersects them all.
 */
export function searchIndexCondition(principal: Principal, q: ListQuery, ctx: ListContext): Prisma.Sql {
  const all = searchGrams(q.q ?? "");
  if (q.categoryCode) all.push(token("k", ctx.categoryId ?? -1));
  const conds = [Prisma.sql`s.grams @> ${all}::text[]`];
  if (q.departmentId) {
    const lead = ctx.tree.subtreeIds(q.departmentId).map((id) => token("d", id));
    conds.push(Prisma.sql`s.grams && ${lead}::text[]`);
  }
  if (principal.role === "handler") {
    const scope = principal.departmentId != null ? ctx.tree.subtreeIds(principal.departmentId) : [];
    const any = scope.flatMap((id) => [token("d", id), token("c", id), token("s", id)]);
    conds.push(Prisma.sql`s.grams && ${any}::text[]`);
  }
  return Prisma.join(conds, " AND ");
}

/** How many tickets are candidates in the search index (searchIndexCondition), counted no further than SEARCH_INDEX_MAX + 1. */
export function searchCandidatesSql(principal: Principal, q: ListQuery, ctx: ListContext): Prisma.Sql {
  return Prisma.sql`SELECT count(*)::int AS n FROM (
      SELECT 1 FROM ticket_search s WHERE ${searchIndexCondition(principal, q, ctx)} LIMIT ${SEARCH_INDEX_MAX + 1}) c`;
}

/**
 * The ids of one page (limit + 1, to tell whether there is a next page), newest first or by
 * deadline, in the caller's scope. Every filter is a plain conjunct over `tickets` so the
 * planner picks per query between walking an ordered index (created_at or due_at, with the
 * cursor as an index condition) and collecting a selective filter's rows through its index
 * (status, department, phone) and sorting those few.
 *
 * A text search (`q`) does not leave that choice to the planner: it would have to know how
 * many tickets contain the term, and it cannot. It multiplies the frequencies of the term's
 * bigrams as if they were independent (those of one term are not: it takes 人民路, in one
 * ticket in nine, for one in a hundred), and the term's frequency within a handler's scope or
 * a category as if it were the same as everywhere (欠薪 is in one ticket in twenty-five, and in
 * almost none of a street office's). Either mistake turns milliseconds into hundreds of them:
 * collecting and sorting tens of thousands of rows, or walking the whole table for a page. So
 * a text search runs in bounded phases:
 *  - `walk` reads the next SEARCH_WALK tickets in list order (after the cursor), whatever they
 *    are, and keeps those passing every filter and containing the term (LIKE): a page that is
 *    common enough among recent tickets is found here, reading at most SEARCH_WALK rows;
 *  - otherwise (fewer than limit + 1 found) the matches are rarer than (limit + 1) /
 *    SEARCH_WALK, and the query collects them all and sorts them. `index` starts from the
 *    search index (ticket_search), which intersects the term's grams with the category and
 *    the units (searchIndexCondition), so a search within a handler's scope or a category
 *    reads only its candidates. When a filter the index does not hold could lead instead (a
 *    status, a phone: hasOtherLeadingFilter) and the index has more than SEARCH_INDEX_MAX
 *    candidates (searchCandidatesSql), `scan` leaves the index out, for the planner to start
 *    from that filter's index and keep the rows that contain the term.
 */
export function listSql(
  principal: Principal,
  q: ListQuery,
  ctx: ListContext,
  phase?: SearchPhase,
): Prisma.Sql {
  const { tree, now } = ctx;
  const where: Prisma.Sql[] = [];
  const open = Prisma.sql`${[...OPEN_STATES]}::"TicketStatus"[]`;
  if (principal.role === "handler") {
    const scope = principal.departmentId != null ? tree.subtreeIds(principal.departmentId) : [];
    where.push(
      Prisma.sql`(t.department_id = ANY(${scope}::int[]) OR t.co_department_ids && ${scope}::int[] OR t.sub_department_id = ANY(${scope}::int[]))`,
    );
  }
  if (q.status?.length) where.push(Prisma.sql`t.status = ANY(${q.status}::"TicketStatus"[])`);
  const departmentIds = q.departmentId
    ? q.subtree === "false"
      ? [q.departmentId]
      : tree.subtreeIds(q.departmentId)
    : null;
  if (q.figure) {
    // The figure's own rows decide the period, department, category and channel (drill.ts).
    const scope: FigureScope = {
      fromDay: ctx.received.fromDay ?? "",
      toDay: ctx.received.toDay ?? "",
      departmentIds,
      categoryId: q.categoryCode ? (ctx.categoryId ?? -1) : null,
      channel: q.channel ?? null,
    };
    where.push(figureCondition(q.figure, scope, now));
  } else {
    if (departmentIds) where.push(Prisma.sql`t.department_id = ANY(${departmentIds}::int[])`);
    if (q.categoryCode) where.push(Prisma.sql`t.category_id = ${ctx.categoryId ?? -1}`);
    if (q.channel) where.push(Prisma.sql`t.channel = ${q.channel}`);
    const local = (day: string) => Prisma.sql`(${day}::date)::timestamp AT TIME ZONE ${ctx.timeZone}`;
    if (ctx.received.fromDay) where.push(Prisma.sql`t.created_at >= ${local(ctx.received.fromDay)}`);
    if (ctx.received.toDay) where.push(Prisma.sql`t.created_at < ${local(ctx.received.toDay)}`);
  }
  if (q.urgency) where.push(Prisma.sql`t.urgency = ${q.urgency}::"Urgency"`);
  // Overdue = the resolution deadline runs and is past (deadline-state.ts: it stops once the reply is approved).
  const dueRunning = Prisma.sql`${[...DUE_RUNNING_STATES]}::"TicketStatus"[]`;
  if (q.overdue === "true") where.push(Prisma.sql`t.status = ANY(${dueRunning}) AND t.due_at < ${now}`);
  if (q.overdue === "false")
    where.push(Prisma.sql`(t.due_at IS NULL OR t.due_at >= ${now} OR t.status <> ALL(${dueRunning}))`);
  if (q.supervised === "true") where.push(Prisma.sql`t.supervision_level > 0 AND t.status = ANY(${open})`);
  if (q.reopened === "true") where.push(Prisma.sql`t.reopen_count > 0`);
  if (q.reopened === "false") where.push(Prisma.sql`t.reopen_count = 0`);
  if (q.phone) where.push(Prisma.sql`t.citizen_phone = ${q.phone}`);
  if (q.queue === "review") where.push(Prisma.sql`t.status = 'reviewing'`);
  if (q.queue === "returns") where.push(Prisma.sql`t.status = 'returnRequested'`);
  if (q.queue === "callback") where.push(Prisma.sql`t.status = 'callback'`);
  // 退回重办: the latest of the events that decide it is the hotline's rejection of the reply.
  if (q.queue === "redo")
    where.push(
      Prisma.sql`t.status = 'processing' AND (SELECT e.type FROM ticket_events e WHERE e.ticket_id = t.id
        AND e.type IN ('REPLY', 'REJECT_REPLY', 'CALLBACK', 'REOPEN', 'DISPATCH', 'APPROVE_RETURN')
        ORDER BY e.seq DESC LIMIT 1) = 'REJECT_REPLY'`,
    );
  if (q.queue === "extensions")
    where.push(
      Prisma.sql`t.status = 'processing' AND EXISTS (SELECT 1 FROM extension_requests e WHERE e.ticket_id = t.id AND e.status = 'pending')`,
    );
  if (q.q && !isTextSearch(q.q))
    where.push(
      HOTLINE_ROLES.has(principal.role)
        ? Prisma.sql`(t.number = ${q.q} OR t.citizen_phone = ${q.q})`
        : Prisma.sql`t.number = ${q.q}`,
    );
  if (isTextSearch(q.q)) {
    // The columns decide (LIKE's default escape is the backslash); in the `index` phase the
    // candidates come from ticket_search (kept by triggers), the other filters still apply.
    const pattern = `%${escapeLike(q.q)}%`;
    where.push(
      Prisma.sql`(t.title LIKE ${pattern} OR t.description LIKE ${pattern} OR t.address LIKE ${pattern})`,
    );
    if (phase === "index")
      where.push(
        Prisma.sql`t.id IN (SELECT s.ticket_id FROM ticket_search s WHERE ${searchIndexCondition(principal, q, ctx)})`,
      );
  }
  const byDeadline = q.sort === "deadline" || q.sort === "stage";
  const cursor = q.cursor ? decodeCursor(q.cursor) : null;
  // Where the list order starts: rows with a deadline for the deadline sorts, and after the cursor.
  const start = (a: string): Prisma.Sql[] => {
    const [created, id] = ["created_at", "id"].map((c) => Prisma.raw(`${a}.${c}`));
    const due = Prisma.raw(q.sort === "stage" ? stageSql(a) : `${a}.due_at`);
    const conds = byDeadline ? [Prisma.sql`${due} IS NOT NULL`] : [];
    if (cursor) {
      const at = new Date(cursor.k);
      conds.push(
        byDeadline
          ? Prisma.sql`(${due}, ${id}) > (${at}::timestamptz, ${cursor.id}::int)`
          : Prisma.sql`(${created}, ${id}) < (${at}::timestamptz, ${cursor.id}::int)`,
      );
    }
    return conds;
  };
  const order = (a: string) =>
    Prisma.raw(
      q.sort === "stage"
        ? `${stageSql(a)} ASC, ${a}.id ASC`
        : byDeadline
          ? `${a}.due_at ASC, ${a}.id ASC`
          : `${a}.created_at DESC, ${a}.id DESC`,
    );
  const and = (conds: Prisma.Sql[]) => (conds.length ? Prisma.join(conds, " AND ") : Prisma.sql`TRUE`);
  const page = q.limit + 1;
  if (phase === "walk") {
    // The subquery's LIMIT bounds the rows read; ordered, so the outer LIMIT stops early.
    return Prisma.sql`SELECT t.id FROM (
        SELECT * FROM tickets w WHERE ${and(start("w"))} ORDER BY ${order("w")} LIMIT ${SEARCH_WALK}) t
      WHERE ${and(where)} ORDER BY ${order("t")} LIMIT ${page}`;
  }
  const filter = and([...where, ...start("t")]);
  if (phase === "index" || phase === "scan") {
    // Materialized: every match is collected through the most selective index, then sorted.
    return Prisma.sql`WITH m AS MATERIALIZED (SELECT t.id, t.status, t.created_at, t.due_at, t.sign_by, t.callback_by FROM tickets t WHERE ${filter})
      SELECT m.id FROM m ORDER BY ${order("m")} LIMIT ${page}`;
  }
  return Prisma.sql`SELECT t.id FROM tickets t WHERE ${filter} ORDER BY ${order("t")} LIMIT ${page}`;
}

/** How many tickets match (the list's filters, every page), counted no further than EXPORT_MAX_ROWS + 1. */
export function countSql(principal: Principal, q: ListQuery, ctx: ListContext): Prisma.Sql {
  const all = { ...q, cursor: undefined, limit: EXPORT_MAX_ROWS };
  return Prisma.sql`SELECT count(*)::int AS n FROM (${listSql(principal, all, ctx, isTextSearch(q.q) ? "scan" : undefined)}) c`;
}

/**
 * receivedFrom/receivedTo as local days. With a figure, the stats API's period rules (its
 * default period too), so a figure's list and the figure cover the same days.
 */
export function receivedDays(
  q: Pick<ListQuery, "receivedFrom" | "receivedTo" | "figure">,
  timeZone: string,
  now: Date,
): ListContext["received"] {
  // parseBound refuses days outside 1900–9999 (PostgreSQL's and JavaScript's common years).
  try {
    if (q.figure) return parsePeriod({ from: q.receivedFrom, to: q.receivedTo }, timeZone, now);
    const fromDay = q.receivedFrom ? parseBound(q.receivedFrom, "from", timeZone) : undefined;
    const toDay = q.receivedTo ? parseBound(q.receivedTo, "to", timeZone) : undefined;
    if (fromDay && toDay && toDay <= fromDay) throw new PeriodError("to", "to must be after from");
    return { fromDay, toDay };
  } catch (err) {
    if (err instanceof PeriodError)
      throw validation({ [err.field === "from" ? "receivedFrom" : "receivedTo"]: err.message });
    throw err;
  }
}

/** `%`, `_` and the escape character itself match literally. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The grams `ticket_search_grams` (the migration's SQL function) must have stored for a text
 * containing `term`: its bigrams, or the character itself for a one-character term. Code
 * points, as PostgreSQL counts characters.
 */
export function searchGrams(term: string): string[] {
  const chars = Array.from(term);
  if (chars.length === 1) return chars;
  const grams = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) grams.add(`${chars[i]}${chars[i + 1]}`);
  return [...grams];
}

const EXPORT_MAX_ROWS = 50_000;
const EXPORT_HEADER = [
  "工单编号",
  "受理时间",
  "渠道",
  "状态",
  "紧急程度",
  "类别",
  "标题",
  "市民",
  "电话",
  "地址",
  "承办单位ID",
  "办结时限",
  "办结时间",
  "重办次数",
  "督办级别",
  "满意度评价",
];

const MAX_INT4 = 2 ** 31 - 1;
/** What the list issues: `YYYY-MM-DDTHH:mm:ss.sssZ`, years 0001–9999 (PostgreSQL's and JavaScript's common ground). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeCursor(c: { k: string; id: number }): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

/** A cursor this API issued, or 400: never a value PostgreSQL would refuse (→ 500). */
export function decodeCursor(s: string): { k: string; id: number } {
  try {
    const c = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as { k?: unknown; id?: unknown };
    if (
      typeof c === "object" &&
      c !== null &&
      typeof c.k === "string" &&
      ISO_INSTANT.test(c.k) &&
      !c.k.startsWith("0000") &&
      new Date(c.k).toISOString() === c.k &&
      typeof c.id === "number" &&
      Number.isInteger(c.id) &&
      c.id >= 1 &&
      c.id <= MAX_INT4
    )
      return { k: c.k, id: c.id };
  } catch {
    // fall through
  }
  throw new AppError("malformed", "The cursor is not one this API issued");
}
