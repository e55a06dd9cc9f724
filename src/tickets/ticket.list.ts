import type { Principal } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import type { Prisma, Ticket } from "../generated/prisma/client.ts";
import { AppError } from "../http/errors.ts";
import type { DepartmentTree } from "../org/department-tree.ts";
import type { OrgService } from "../org/org.service.ts";
import { toCsv } from "../stats/csv.ts";
import type { ListQuery } from "./ticket.schemas.ts";
import { fromPrisma } from "./ticket.record.ts";
import { type TicketView, toTicketView } from "./ticket.view.ts";
import { OPEN_STATES } from "./vocabulary.ts";

/** The ticket list (filters, scope, cursor pagination) and its CSV export: the read side of the desk. */
export class TicketList {
  constructor(
    private readonly db: Db,
    private readonly org: OrgService,
  ) {}

  async list(
    principal: Principal,
    q: ListQuery,
  ): Promise<{ items: TicketView[]; nextCursor: string | null }> {
    const tree = await this.org.tree();
    const and: Prisma.TicketWhereInput[] = [];
    if (principal.role === "handler") {
      const scope = principal.departmentId != null ? tree.subtreeIds(principal.departmentId) : [];
      and.push({
        OR: [
          { departmentId: { in: scope } },
          { coDepartmentIds: { hasSome: scope } },
          { subDepartmentId: { in: scope } },
        ],
      });
    }
    if (q.status?.length) and.push({ status: { in: q.status } });
    if (q.departmentId) and.push({ departmentId: { in: tree.subtreeIds(q.departmentId) } });
    if (q.categoryCode) {
      const cat = await this.org.categoryByCode(q.categoryCode);
      and.push({ categoryId: cat?.id ?? -1 });
    }
    if (q.urgency) and.push({ urgency: q.urgency });
    const now = new Date();
    const open = OPEN_STATES;
    if (q.overdue === "true") and.push({ status: { in: open }, dueAt: { lt: now } });
    if (q.overdue === "false")
      and.push({ OR: [{ dueAt: null }, { dueAt: { gte: now } }, { status: { notIn: open } }] });
    if (q.supervised === "true") and.push({ supervisionLevel: { gt: 0 }, status: { in: open } });
    if (q.reopened === "true") and.push({ reopenCount: { gt: 0 } });
    if (q.reopened === "false") and.push({ reopenCount: 0 });
    if (q.phone) and.push({ citizenPhone: q.phone });
    if (q.queue === "review") and.push({ status: "reviewing" });
    if (q.queue === "returns") and.push({ status: "returnRequested" });
    if (q.queue === "callback") and.push({ status: "callback" });
    if (q.queue === "extensions")
      and.push({ status: "processing", extensions: { some: { status: "pending" } } });
    if (q.q) {
      const term = q.q;
      if (/^\d{8,}$/.test(term)) and.push({ OR: [{ number: term }, { citizenPhone: term }] });
      else and.push({ OR: [{ title: { contains: term } }, { address: { contains: term } }] });
    }
    const sortByDeadline = q.sort === "deadline";
    const cursor = q.cursor ? decodeCursor(q.cursor) : null;
    if (cursor) {
      if (sortByDeadline) {
        const at = new Date(cursor.k);
        and.push({ OR: [{ dueAt: { gt: at } }, { dueAt: at, id: { gt: cursor.id } }] });
      } else {
        const at = new Date(cursor.k);
        and.push({ OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: cursor.id } }] });
      }
    }
    if (sortByDeadline) and.push({ dueAt: { not: null } });
    const rows = await this.db.ticket.findMany({
      where: { AND: and },
      orderBy: sortByDeadline ? [{ dueAt: "asc" }, { id: "asc" }] : [{ createdAt: "desc" }, { id: "desc" }],
      take: q.limit + 1,
    });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > q.limit && last
        ? encodeCursor({
            k: (sortByDeadline ? (last.dueAt as Date) : last.createdAt).toISOString(),
            id: last.id,
          })
        : null;
    const items = await Promise.all(page.map((t) => this.view(principal, t, tree)));
    return { items, nextCursor };
  }

  /**
   * The filtered list as CSV, in the caller's scope, walking the same cursor pages as the
   * list. Phones are masked for everyone but the hotline roles: exports are never audited reads.
   */
  async exportCsv(principal: Principal, q: Omit<ListQuery, "cursor" | "limit">): Promise<string> {
    const rows: Array<Array<string | number | null>> = [];
    let cursor: string | undefined;
    do {
      const page = await this.list(principal, { ...q, limit: 200, cursor });
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

export function encodeCursor(c: { k: string; id: number }): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

export function decodeCursor(s: string): { k: string; id: number } {
  try {
    const c = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as { k: unknown; id: unknown };
    if (typeof c.k === "string" && typeof c.id === "number" && !Number.isNaN(Date.parse(c.k)))
      return { k: c.k, id: c.id };
  } catch {
    // fall through
  }
  throw new AppError("malformed", "The cursor is not one this API issued");
}
