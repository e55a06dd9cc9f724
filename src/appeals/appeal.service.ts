/**
 * 申诉 / 核减: a handling department contests one ground of a ticket's assessed callback; a
 * reviewer accepts or rejects it. Filing and deciding each write, in one transaction, the appeal
 * row, an entry in the ticket's timeline (APPEAL_FILED / APPEAL_DECIDED: the ticket's version
 * moves, so the hash chain of ticket_events covers appeals too) and an audit_log entry.
 *
 * Rules (DESIGN.md "Assessment (三率) and appeals"):
 *  - a handler whose scope holds the ticket's department files, within N working days
 *    (HOTLINE_APPEAL_WORKING_DAYS, the working calendar) after the ticket's latest valid
 *    callback, on a ground that callback gives cause for: `rating` (not satisfied),
 *    `resolved` (answered not resolved), `contacted` (answered not contacted), `overdue` (the
 *    ticket went past its resolution deadline);
 *  - one appeal per ticket and ground (409 on a second, whatever became of the first);
 *  - a reviewer decides a pending appeal once, with a reason; accepted = the ticket leaves that
 *    department's adjusted figures for that ground in the callback's period.
 */

import type pg from "pg";
import type { Principal } from "../auth/principal.ts";
import { READ_ALL_ROLES } from "../auth/principal.ts";
import { inTransaction } from "../db/pool.ts";
import { AppError, forbidden, notFound, validation } from "../errors.ts";
import type { OrgService } from "../org/org.service.ts";
import { addDuration, type WorkingCalendar } from "../sla/calendar.ts";
import type { SlaService } from "../sla/sla.service.ts";
import type { AssessmentService } from "../stats/assessment.service.ts";
import type { AppealGround } from "../stats/assessment.ts";
import { canSee } from "../tickets/ticket.view.ts";

export type AppealStatus = "pending" | "accepted" | "rejected";

export interface AppealView {
  id: number;
  ticketId: number;
  ticketNumber: string;
  ticketTitle: string;
  departmentId: number;
  departmentName: string;
  callbackId: number;
  period: string;
  ground: AppealGround;
  reason: string;
  evidence: string | null;
  status: AppealStatus;
  filedById: number;
  filedByName: string | null;
  filedAt: string;
  decidedById: number | null;
  decidedByName: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
}

/** What the ticket's callback allows its department to appeal, and until when. */
export interface AppealOptions {
  callbackId: number | null;
  callbackAt: string | null;
  /** Last moment to file; null without a valid callback. */
  deadline: string | null;
  /** Grounds the callback gives cause for and not yet appealed. */
  grounds: AppealGround[];
}

interface AppealRow {
  id: number;
  ticket_id: number;
  ticket_number: string;
  ticket_title: string;
  department_id: number;
  callback_id: number;
  period: string;
  ground: AppealGround;
  reason: string;
  evidence: string | null;
  status: AppealStatus;
  filed_by_id: number;
  filed_by_name: string | null;
  filed_at: Date;
  decided_by_id: number | null;
  decided_by_name: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
}

const SELECT = `
SELECT a.id, a.ticket_id, t.number AS ticket_number, t.title AS ticket_title, a.department_id, a.callback_id,
       a.period, a.ground::text AS ground, a.reason, a.evidence, a.status::text AS status, a.filed_by_id,
       fu.display_name AS filed_by_name, a.filed_at, a.decided_by_id, du.display_name AS decided_by_name,
       a.decided_at, a.decision_reason
  FROM appeals a JOIN tickets t ON t.id = a.ticket_id
  LEFT JOIN users fu ON fu.id = a.filed_by_id LEFT JOIN users du ON du.id = a.decided_by_id`;

interface LatestCallback {
  id: number;
  at: Date;
  rating: string;
  resolved: boolean | null;
  contacted: boolean | null;
  overdue: boolean;
}

export class AppealService {
  constructor(
    private readonly deps: {
      pool: pg.Pool;
      org: OrgService;
      sla: SlaService;
      assessment: AssessmentService;
    },
  ) {}

  private async view(rows: AppealRow[]): Promise<AppealView[]> {
    const tree = await this.deps.org.tree();
    return rows.map((r) => ({
      id: r.id,
      ticketId: r.ticket_id,
      ticketNumber: r.ticket_number,
      ticketTitle: r.ticket_title,
      departmentId: r.department_id,
      departmentName: tree.get(r.department_id)?.name ?? String(r.department_id),
      callbackId: r.callback_id,
      period: r.period,
      ground: r.ground,
      reason: r.reason,
      evidence: r.evidence,
      status: r.status,
      filedById: r.filed_by_id,
      filedByName: r.filed_by_name,
      filedAt: r.filed_at.toISOString(),
      decidedById: r.decided_by_id,
      decidedByName: r.decided_by_name,
      decidedAt: r.decided_at?.toISOString() ?? null,
      decisionReason: r.decision_reason,
    }));
  }

  private async ticketFor(principal: Principal, ticketId: number) {
    const { rows } = await this.deps.pool.query<{
      id: number;
      departmentId: number | null;
      coDepartmentIds: number[];
      subDepartmentId: number | null;
    }>(
      `SELECT id, department_id AS "departmentId", co_department_ids AS "coDepartmentIds",
              sub_department_id AS "subDepartmentId" FROM tickets WHERE id = $1`,
      [ticketId],
    );
    const t = rows[0];
    if (!t || !canSee(principal, t, await this.deps.org.tree())) throw notFound("Ticket");
    return t;
  }

  private async latestCallback(c: pg.Pool | pg.ClientBase, ticketId: number): Promise<LatestCallback | null> {
    const { rows } = await c.query<LatestCallback>(
      `SELECT c.id, c.at, c.rating::text AS rating, c.resolved, c.contacted,
              EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = c.ticket_id AND e.type = 'RESOLVE_OVERDUE')
                AS overdue
         FROM callbacks c WHERE c.ticket_id = $1 AND c.rating <> 'unreachable'
        ORDER BY c.at DESC, c.id DESC LIMIT 1`,
      [ticketId],
    );
    return rows[0] ?? null;
  }

  private deadline(callbackAt: Date, calendar: WorkingCalendar): Date {
    const days = this.deps.assessment.settings.appealWorkingDays;
    return addDuration(callbackAt, `P${days}D`, "working", calendar);
  }

  /** Grounds the callback gives cause for (an answer against the department). */
  private static causes(cb: LatestCallback): AppealGround[] {
    const out: AppealGround[] = [];
    if (cb.rating !== "satisfied") out.push("rating");
    if (cb.resolved !== true) out.push("resolved");
    if (cb.contacted === false) out.push("contacted");
    if (cb.overdue) out.push("overdue");
    return out;
  }

  /** The ticket's appeals, oldest first, and what its department may still appeal. */
  async forTicket(principal: Principal, ticketId: number): Promise<{ items: AppealView[] } & AppealOptions> {
    await this.ticketFor(principal, ticketId);
    const { rows } = await this.deps.pool.query<AppealRow>(`${SELECT} WHERE a.ticket_id = $1 ORDER BY a.id`, [
      ticketId,
    ]);
    const cb = await this.latestCallback(this.deps.pool, ticketId);
    const taken = new Set(rows.map((r) => r.ground));
    return {
      items: await this.view(rows),
      callbackId: cb?.id ?? null,
      callbackAt: cb?.at.toISOString() ?? null,
      deadline: cb ? this.deadline(cb.at, await this.deps.sla.calendar()).toISOString() : null,
      grounds: cb ? AppealService.causes(cb).filter((g) => !taken.has(g)) : [],
    };
  }

  async file(
    principal: Principal,
    ticketId: number,
    input: { ground: AppealGround; reason: string; evidence?: string | undefined },
    now = new Date(),
  ): Promise<AppealView> {
    const t = await this.ticketFor(principal, ticketId);
    const tree = await this.deps.org.tree();
    if (
      principal.role !== "handler" ||
      principal.departmentId == null ||
      !tree.contains(principal.departmentId, t.departmentId)
    )
      throw forbidden("Only the ticket's handling department appeals");
    const departmentId = t.departmentId as number;
    // Read before the transaction: nothing inside it may wait for a second pool connection.
    const calendar = await this.deps.sla.calendar();
    const id: number = await inTransaction(this.deps.pool, async (c) => {
      // The ticket row lock orders this with concurrent events and appeals on the ticket.
      await c.query("SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE", [ticketId]);
      const cb = await this.latestCallback(c, ticketId);
      if (!cb) throw validation({ ground: "The ticket has no callback that reached the citizen" });
      const deadline = this.deadline(cb.at, calendar);
      if (now > deadline)
        throw validation(
          { ground: `The appeal window closed at ${deadline.toISOString()}` },
          "Too late to appeal this callback",
        );
      if (!AppealService.causes(cb).includes(input.ground))
        throw validation({ ground: `The callback gives no cause to appeal on ${input.ground}` });
      const period = this.deps.assessment.periodOf(cb.at);
      const { rows } = await c.query<{ id: number }>(
        `INSERT INTO appeals (ticket_id, department_id, callback_id, period, ground, reason, evidence, filed_by_id,
                              filed_at)
         VALUES ($1, $2, $3, $4, $5::"AppealGround", $6, $7, $8, $9)
         ON CONFLICT (ticket_id, ground) DO NOTHING RETURNING id`,
        [
          ticketId,
          departmentId,
          cb.id,
          period,
          input.ground,
          input.reason,
          input.evidence ?? null,
          principal.id,
          now,
        ],
      );
      if (!rows[0]) throw new AppError("conflict", `This ticket already has an appeal on ${input.ground}`);
      const id = rows[0].id;
      const payload = { appealId: id, ground: input.ground, reason: input.reason, period };
      await timelineEntry(c, ticketId, "APPEAL_FILED", principal, payload, now);
      await audit(c, principal.id, "appeal.filed", ticketId, { ...payload, departmentId });
      return id;
    });
    return this.get(principal, id);
  }

  async decide(
    principal: Principal,
    appealId: number,
    input: { decision: "accept" | "reject"; reason: string },
    now = new Date(),
  ): Promise<AppealView> {
    if (principal.role !== "reviewer") throw forbidden("Reviewers decide appeals");
    await inTransaction(this.deps.pool, async (c) => {
      const { rows } = await c.query<{
        ticket_id: number;
        status: AppealStatus;
        ground: string;
        period: string;
      }>(
        "SELECT ticket_id, status::text AS status, ground::text AS ground, period FROM appeals WHERE id = $1",
        [appealId],
      );
      const a = rows[0];
      if (!a) throw notFound("Appeal");
      // Ticket first, then the appeal: the order filing takes.
      await c.query("SELECT 1 FROM tickets WHERE id = $1 FOR UPDATE", [a.ticket_id]);
      const status = input.decision === "accept" ? "accepted" : "rejected";
      const updated = await c.query(
        `UPDATE appeals SET status = $2::"AppealStatus", decided_by_id = $3, decided_at = $4, decision_reason = $5
          WHERE id = $1 AND status = 'pending'`,
        [appealId, status, principal.id, now, input.reason],
      );
      if (!updated.rowCount) throw new AppError("conflict", "This appeal is already decided");
      const payload = {
        appealId,
        ground: a.ground,
        decision: input.decision,
        reason: input.reason,
        period: a.period,
      };
      await timelineEntry(c, a.ticket_id, "APPEAL_DECIDED", principal, payload, now);
      await audit(c, principal.id, "appeal.decided", a.ticket_id, payload);
    });
    return this.get(principal, appealId);
  }

  async get(principal: Principal, id: number): Promise<AppealView> {
    const { rows } = await this.deps.pool.query<AppealRow>(`${SELECT} WHERE a.id = $1`, [id]);
    const [view] = await this.view(rows);
    if (!view || !(await this.visible(principal, view.departmentId))) throw notFound("Appeal");
    return view;
  }

  private async visible(principal: Principal, departmentId: number): Promise<boolean> {
    if (READ_ALL_ROLES.has(principal.role)) return true;
    if (principal.role !== "handler" || principal.departmentId == null) return false;
    return (await this.deps.org.tree()).contains(principal.departmentId, departmentId);
  }

  /** Newest first; handlers see their own subtree's appeals. */
  async list(
    principal: Principal,
    q: { status?: AppealStatus | undefined; cursor?: string | undefined; limit: number },
  ): Promise<{ items: AppealView[]; nextCursor: string | null }> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (q.status) {
      values.push(q.status);
      where.push(`a.status = $${values.length}::"AppealStatus"`);
    }
    if (q.cursor) {
      const before = Number(q.cursor);
      if (!Number.isSafeInteger(before) || before <= 0)
        throw validation({ cursor: "Not a cursor from this list" });
      values.push(before);
      where.push(`a.id < $${values.length}`);
    }
    if (!READ_ALL_ROLES.has(principal.role)) {
      const scope =
        principal.role === "handler" && principal.departmentId != null
          ? (await this.deps.org.tree()).subtreeIds(principal.departmentId)
          : [];
      values.push(scope);
      where.push(`a.department_id = ANY($${values.length}::int[])`);
    }
    values.push(q.limit + 1);
    const { rows } = await this.deps.pool.query<AppealRow>(
      `${SELECT} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY a.id DESC LIMIT $${values.length}`,
      values,
    );
    const page = rows.slice(0, q.limit);
    return {
      items: await this.view(page),
      nextCursor: rows.length > q.limit ? String(page.at(-1)?.id) : null,
    };
  }
}

/**
 * An entry in the ticket's timeline outside the lifecycle machine: the ticket's version moves
 * by one and the event takes it as its seq, like every event (the hash chain stays whole).
 */
async function timelineEntry(
  c: pg.ClientBase,
  ticketId: number,
  type: "APPEAL_FILED" | "APPEAL_DECIDED",
  principal: Principal,
  payload: Record<string, unknown>,
  at: Date,
): Promise<void> {
  await c.query(
    `WITH u AS (UPDATE tickets SET version = version + 1 WHERE id = $1 RETURNING id, version, status)
     INSERT INTO ticket_events (ticket_id, seq, type, from_status, to_status, actor_id, actor_role, department_id,
                                payload, at)
     SELECT u.id, u.version, $2, u.status, u.status, $3, $4, $5, $6::jsonb, $7 FROM u`,
    [ticketId, type, principal.id, principal.role, principal.departmentId, JSON.stringify(payload), at],
  );
}

async function audit(
  c: pg.ClientBase,
  actorId: number,
  action: string,
  ticketId: number,
  detail: Record<string, unknown>,
): Promise<void> {
  await c.query(
    "INSERT INTO audit_log (actor_id, action, ticket_id, detail) VALUES ($1, $2, $3, $4::jsonb)",
    [actorId, action, ticketId, JSON.stringify(detail)],
  );
}
