import { createHash } from "node:crypto";
import type pg from "pg";
import type { Principal } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { inTransaction } from "../db/pool.ts";
import { AppError, notFound, validation } from "../errors.ts";
import { logger } from "../logger.ts";
import type { DepartmentTree } from "../org/department-tree.ts";
import type { OrgService } from "../org/org.service.ts";
import type { SlaService } from "../sla/sla.service.ts";
import type { EscalationRule } from "../sla/timer-plan.ts";
import type { LedgerRow } from "../sla/timer-store.ts";
import { decide, type Refusal, type TimerHistory } from "./ticket.decide.ts";
import { TicketList } from "./ticket.list.ts";
import { initialContext } from "./ticket.machine.ts";
import { fromPrisma, type TicketRecord } from "./ticket.record.ts";
import { insertTicket, readForWrite, readTicket, ticketStatus, writeDecision } from "./ticket.repository.ts";
import type { CreateTicketInput, EventInput, ListQuery } from "./ticket.schemas.ts";
import { actorFor, canSee, phoneVisibility, type TicketView, toTicketView } from "./ticket.view.ts";

/** After a commit, the timers are handed the pending ledger rows the write made (to wake the queue). */
export type LedgerHook = (rows: LedgerRow[]) => Promise<void>;

/**
 * The ticket API's service: creation, reads, and users' events. Every write goes through the
 * decision function (ticket.decide.ts) and the one writer (ticket.repository.ts), in one
 * transaction on the process's pool.
 */
export class TicketService {
  private ledgerHook: LedgerHook = async () => {};
  private readonly recent = new RecentTickets();
  private catchUpHook: (ticketId: number, now: Date) => Promise<unknown> = async () => {};
  private readonly listing: TicketList;

  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly org: OrgService,
    private readonly sla: SlaService,
    private readonly escalation: EscalationRule,
    opts: { phoneSearchesPerMinute?: number } = {},
  ) {
    this.listing = new TicketList(db, org, sla.timeZone ?? "Asia/Shanghai", opts.phoneSearchesPerMinute);
  }

  /** The timers subscribe here; a failing hook is logged, never undoes the event. */
  onLedgerWritten(hook: LedgerHook): void {
    this.ledgerHook = hook;
  }

  /** The timers' catch-up for one ticket (TimerScheduler.catchUp), run before a user event. */
  onTimersDue(hook: (ticketId: number, now: Date) => Promise<unknown>): void {
    this.catchUpHook = hook;
  }

  private async catchUpTimers(ticketId: number, now: Date): Promise<void> {
    try {
      await this.catchUpHook(ticketId, now);
    } catch (err) {
      logger.error({ err, ticketId }, "timer catch-up before an event failed; reconciliation will");
    }
  }

  private async afterCommit(rows: LedgerRow[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.ledgerHook(rows);
    } catch (err) {
      logger.error({ err, ticketId: rows[0]?.ticketId }, "timer hook failed; reconciliation will catch up");
    }
  }

  // ---- create ---------------------------------------------------------------------------

  async create(
    principal: Principal,
    input: CreateTicketInput,
    idempotencyKey?: string,
  ): Promise<{ status: 200 | 201; body: TicketView }> {
    const requestHash = createHash("sha256").update(JSON.stringify(input)).digest("hex");
    if (idempotencyKey) {
      const replay = await this.replay(principal.id, idempotencyKey, requestHash);
      if (replay) return replay;
    }
    const category = await this.org.categoryByCode(input.categoryCode);
    if (!category?.active) throw validation({ categoryCode: "Unknown category" });
    if (input.externalRef) {
      const existing = await this.byExternalRef(input.externalRef);
      if (existing) return { status: 200, body: await this.view(principal, existing, true) };
    }
    const at = new Date();
    const tree = await this.org.tree();
    try {
      const row = newTicketRow(input, category.id);
      const meta = {
        type: "CREATE",
        actorId: principal.id,
        actorRole: principal.role,
        departmentId: principal.departmentId,
        at,
        payload: { channel: input.channel, categoryCode: input.categoryCode, urgency: input.urgency },
      };
      // One statement (ticket, event, outbox); with an Idempotency-Key, the key's row in the same transaction.
      const ticket = !idempotencyKey
        ? await insertTicket(this.pool, row, meta)
        : await inTransaction(this.pool, async (c) => {
            const ticket = await insertTicket(c, row, meta);
            const body = toTicketView(ticket, {
              principal,
              tree,
              categoryCode: category.code,
              categoryName: category.name,
              detail: true,
            });
            await c.query({
              name: "idempotency_insert",
              text: `INSERT INTO idempotency_keys (user_id, key, request_hash, status, response)
                     VALUES ($1, $2, $3, 201, $4::jsonb)`,
              values: [principal.id, idempotencyKey, requestHash, JSON.stringify(body)],
            });
            return ticket;
          });
      // A new ticket has no timers and no history: its first event can skip the read.
      this.recent.remember(ticket, { history: { reopenedAt: null, escalated: new Set() }, nextDue: null });
      return { status: 201, body: await this.view(principal, ticket, true, tree) };
    } catch (err) {
      if ((err as { code?: string }).code === "23505") {
        // A concurrent request with the same key or externalRef committed first: answer as it did.
        if (idempotencyKey) {
          const replay = await this.replay(principal.id, idempotencyKey, requestHash);
          if (replay) return replay;
        }
        if (input.externalRef) {
          const existing = await this.byExternalRef(input.externalRef);
          if (existing) return { status: 200, body: await this.view(principal, existing, true) };
        }
      }
      throw err;
    }
  }

  /**
   * A ticket an Open311 partner reported (src/open311): channel `open311`, public, with the
   * partner's key recorded; its CREATE event has no user actor (`actorRole` "open311").
   */
  async createForPartner(
    partner: { id: number; createdById: number },
    input: Omit<CreateTicketInput, "channel" | "confidential" | "externalRef">,
  ): Promise<{ number: string }> {
    const category = await this.org.categoryByCode(input.categoryCode);
    if (!category?.active) throw validation({ categoryCode: "Unknown category" });
    const ticket = await insertTicket(
      this.pool,
      newTicketRow({ ...input, channel: "open311" }, category.id),
      {
        type: "CREATE",
        actorId: null,
        actorRole: "open311",
        departmentId: null,
        at: new Date(),
        payload: {
          channel: "open311",
          categoryCode: input.categoryCode,
          urgency: input.urgency,
          open311KeyId: partner.id,
        },
      },
      { keyId: partner.id, createdById: partner.createdById },
    );
    return { number: ticket.number };
  }

  private async byExternalRef(externalRef: string): Promise<TicketRecord | null> {
    const t = await this.db.ticket.findUnique({ where: { externalRef } });
    return t ? fromPrisma(t) : null;
  }

  private async replay(
    userId: number,
    key: string,
    requestHash: string,
  ): Promise<{ status: 201; body: TicketView } | null> {
    // Shared by creates (201) and events (answered 200 either way by their route).
    const { rows } = await this.pool.query<{ request_hash: string; response: TicketView }>({
      name: "idempotency_read",
      text: "SELECT request_hash, response FROM idempotency_keys WHERE user_id = $1 AND key = $2",
      values: [userId, key],
    });
    const row = rows[0];
    if (!row) return null;
    if (row.request_hash !== requestHash) {
      throw new AppError(
        "idempotency_mismatch",
        "This Idempotency-Key was used for a different request body",
      );
    }
    return { status: 201, body: row.response };
  }

  // ---- read -----------------------------------------------------------------------------

  async get(principal: Principal, id: number): Promise<TicketView> {
    const [ticket, tree] = await Promise.all([readTicket(this.pool, id), this.org.tree()]);
    if (!ticket || !canSee(principal, ticket, tree)) throw notFound("Ticket");
    return this.detail(principal, ticket, tree);
  }

  /**
   * The detail view, the one path by which a response carries a ticket in detail (reads, event
   * answers, replays): where it shows the citizen's full number to a handling department, the
   * read is written to the audit log first.
   */
  private async detail(principal: Principal, t: TicketRecord, tree?: DepartmentTree): Promise<TicketView> {
    await this.auditPhoneRead(principal, t);
    return this.view(principal, t, true, tree);
  }

  private async auditPhoneRead(principal: Principal, t: Pick<TicketRecord, "id" | "confidential">) {
    if (phoneVisibility(principal, t, true) !== "audited") return;
    await this.pool.query({
      name: "audit_phone_read",
      text: `INSERT INTO audit_log (actor_id, action, ticket_id, detail) VALUES ($1, 'read_citizen_phone', $2, $3::jsonb)`,
      values: [principal.id, t.id, JSON.stringify({ role: principal.role })],
    });
  }

  async events(principal: Principal, id: number) {
    const ticket = await this.db.ticket.findUnique({
      where: { id },
      select: { departmentId: true, coDepartmentIds: true, subDepartmentId: true },
    });
    if (!ticket || !canSee(principal, ticket, await this.org.tree())) throw notFound("Ticket");
    const rows = await this.db.ticketEvent.findMany({ where: { ticketId: id }, orderBy: { seq: "asc" } });
    const actorIds = [...new Set(rows.map((r) => r.actorId).filter((v): v is number => v != null))];
    const users = await this.db.user.findMany({
      where: { id: { in: actorIds } },
      select: { id: true, displayName: true },
    });
    const names = new Map(users.map((u) => [u.id, u.displayName]));
    return rows.map((r) => ({
      id: r.id.toString(),
      seq: r.seq,
      type: r.type,
      fromStatus: r.fromStatus,
      toStatus: r.toStatus,
      actorId: r.actorId,
      actorName: r.actorId != null ? (names.get(r.actorId) ?? null) : null,
      actorRole: r.actorRole,
      departmentId: r.departmentId,
      payload: r.payload as Record<string, unknown>,
      at: r.at.toISOString(),
    }));
  }

  /** The list and its export live in ticket.list.ts; these delegate. */
  list(principal: Principal, q: ListQuery): Promise<{ items: TicketView[]; nextCursor: string | null }> {
    return this.listing.list(principal, q);
  }

  exportCsv(principal: Principal, q: Omit<ListQuery, "cursor" | "limit">): Promise<string> {
    return this.listing.exportCsv(principal, q);
  }

  /** The list view of a row (read by Prisma) the caller has already been allowed to read. */
  viewOf(principal: Principal, t: Parameters<typeof fromPrisma>[0]): Promise<TicketView> {
    return this.view(principal, fromPrisma(t), false);
  }

  private async view(
    principal: Principal,
    t: TicketRecord,
    detail: boolean,
    tree?: DepartmentTree,
  ): Promise<TicketView> {
    const category = await this.org.categoryById(t.categoryId);
    return toTicketView(t, {
      principal,
      tree: tree ?? (await this.org.tree()),
      categoryCode: category?.code ?? "",
      categoryName: category?.name ?? "",
      detail,
    });
  }

  // ---- events ---------------------------------------------------------------------------

  /**
   * A user's event: the ticket is read, scope and `If-Match` checked, the decision taken
   * (ticket.decide.ts) and written (ticket.repository.ts) with its timer ledger and stats outbox
   * row in one statement that only applies if the ticket is still at the version read. If
   * another write came first, the event is decided again on the new state — so concurrent
   * events on one ticket are applied one after another, none lost, each judged on what it
   * finds. Two round trips to the database in the common case.
   */
  async applyUserEvent(
    principal: Principal,
    id: number,
    input: EventInput,
    ifMatch?: number,
    idempotencyKey?: string,
  ): Promise<TicketView> {
    const requestHash = idempotencyKey
      ? createHash("sha256")
          .update(`event:${id}:${JSON.stringify(input)}`)
          .digest("hex")
      : "";
    if (idempotencyKey) {
      const replay = await this.replay(principal.id, idempotencyKey, requestHash);
      if (replay) return this.audited(principal, replay.body);
    }
    try {
      return await this.decideAndWrite(principal, id, input, ifMatch, idempotencyKey, requestHash);
    } catch (err) {
      // The same key sent twice at once: the first one's answer is the answer.
      if (idempotencyKey && (err as { code?: string }).code === "23505") {
        const replay = await this.replay(principal.id, idempotencyKey, requestHash);
        if (replay) return this.audited(principal, replay.body);
      }
      throw err;
    }
  }

  /** A stored answer replayed: its phone read is audited like any other. */
  private async audited(principal: Principal, body: TicketView): Promise<TicketView> {
    await this.auditPhoneRead(principal, body);
    return body;
  }

  private async decideAndWrite(
    principal: Principal,
    id: number,
    input: EventInput,
    ifMatch: number | undefined,
    idempotencyKey: string | undefined,
    requestHash: string,
  ): Promise<TicketView> {
    const [tree, categories, sla] = await Promise.all([
      this.org.tree(),
      this.org.listCategories(),
      this.sla.snapshot(),
    ]);
    const mergeTarget =
      input.type === "MERGE" ? await ticketStatus(this.pool, input.intoTicketId) : undefined;
    const categoryIds = new Map(categories.filter((cat) => cat.active).map((cat) => [cat.code, cat.id]));
    let caughtUp = false;
    let mayUseCache = true;
    for (let attempt = 1; ; attempt++) {
      const at = new Date();
      // The ticket as this process last wrote it, when no timer of it has come due since: then
      // the event costs one round trip. Only a successful write proves it current; anything
      // else it leads to (not found, stale, refused, a lost race) is decided again on a fresh read.
      const hit = mayUseCache ? this.recent.get(id, at) : undefined;
      mayUseCache = false;
      const read = hit ?? (await readForWrite(this.pool, id));
      const again = () => {
        this.recent.forget(id);
        return hit !== undefined;
      };
      if (!read || !canSee(principal, read.ticket, tree)) {
        if (again()) continue;
        throw notFound("Ticket");
      }
      if (!hit && read.nextDue && read.nextDue <= at && !caughtUp) {
        // Timers came due that no worker applied yet: apply them before this event ends their stage.
        caughtUp = true;
        await this.catchUpTimers(id, at);
        continue;
      }
      const { ticket, history } = read;
      if (ifMatch !== undefined && ifMatch !== ticket.version) {
        if (again()) continue;
        throw new AppError(
          "stale_version",
          `The ticket is at version ${ticket.version}, not ${ifMatch}; reload it`,
          { currentVersion: ticket.version },
        );
      }
      const actor = actorFor(principal, ticket, tree);
      const decision = decide({
        ticket,
        event: input,
        actor,
        at,
        categoryCode: categories.find((cat) => cat.id === ticket.categoryId)?.code ?? "",
        sla,
        tree,
        escalation: this.escalation,
        timerHistory: history,
        mergeTarget,
        categoryIds,
      });
      if (!decision.ok) {
        if (again()) continue;
        throw refusal(decision, input.type);
      }
      const category = categories.find((cat) => cat.id === ticket.categoryId);
      const audited = phoneVisibility(principal, ticket, true) === "audited";
      const written = await writeDecision(this.pool, ticket, decision, {
        type: input.type,
        actorId: principal.id,
        actorRole: actor.role,
        departmentId: principal.departmentId,
        at,
        ...(audited ? { auditPhoneRead: { actorId: principal.id, role: principal.role } } : {}),
        // The answer a retry with the same key gets: the ticket as this write leaves it.
        ...(idempotencyKey
          ? {
              idempotency: {
                userId: principal.id,
                key: idempotencyKey,
                requestHash,
                status: 200,
                response: toTicketView(
                  {
                    ...ticket,
                    ...decision.columns,
                    ...decision.correction,
                    context: decision.context,
                    version: ticket.version + 1,
                    updatedAt: at,
                  },
                  {
                    principal,
                    tree,
                    categoryCode: category?.code ?? "",
                    categoryName: category?.name ?? "",
                    detail: true,
                    now: at,
                  },
                ),
              },
            }
          : {}),
      });
      if (written) {
        this.recent.remember(written.ticket, {
          // A reopen starts the resolution period anew; escalations come only from the timers.
          history: {
            reopenedAt: written.ticket.reopenCount > ticket.reopenCount ? at : history.reopenedAt,
            escalated: history.escalated,
          },
          nextDue: decision.timers ? earliest(written.ledger) : read.nextDue,
        });
        await this.afterCommit(written.ledger);
        // The phone read, if any, was audited in the write itself.
        return this.view(principal, written.ticket, true, tree);
      }
      this.recent.forget(id);
      if (attempt >= MAX_ATTEMPTS) {
        throw new AppError("conflict", "The ticket is changing too fast to apply this event; try again");
      }
      // Someone else's write came first: back off a little (more each time), then decide again.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, attempt * 2)));
    }
  }
}

/** A new ticket's row from the validated input. */
function newTicketRow(input: CreateTicketInput, categoryId: number) {
  return {
    channel: input.channel,
    citizenName: input.citizenName,
    citizenPhone: input.citizenPhone,
    confidential: input.confidential ?? false,
    address: input.address ?? null,
    area: input.area ?? null,
    lat: input.lat ?? null,
    lng: input.lng ?? null,
    categoryId,
    urgency: input.urgency,
    title: input.title,
    description: input.description,
    externalRef: input.externalRef ?? null,
    context: initialContext(),
  };
}

/** The earliest due time of these pending ledger rows, or null. */
function earliest(rows: LedgerRow[]): Date | null {
  let min: Date | null = null;
  for (const r of rows) if (!min || r.dueAt < min) min = r.dueAt;
  return min;
}

/**
 * Tickets as this process last wrote them (with their timer facts), so the next event on one
 * can skip the read. Bounded; entries are hints, never answers: a write using one applies only
 * if the ticket is still at that version.
 */
class RecentTickets {
  private readonly entries = new Map<
    number,
    { ticket: TicketRecord; history: TimerHistory; nextDue: Date | null }
  >();
  constructor(private readonly max = 5_000) {}

  get(id: number, now: Date) {
    const e = this.entries.get(id);
    if (!e) return undefined;
    // A timer of it has come due: it must be applied first, which the read path does.
    if (e.nextDue && e.nextDue <= now) return undefined;
    return e;
  }

  remember(ticket: TicketRecord, facts: { history: TimerHistory; nextDue: Date | null }): void {
    this.entries.delete(ticket.id);
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(ticket.id, { ticket, ...facts });
  }

  forget(id: number): void {
    this.entries.delete(id);
  }
}

/** Attempts of an event on a ticket that keeps changing under it (each attempt follows another write). */
const MAX_ATTEMPTS = 200;

function refusal(r: Refusal, type: string): AppError {
  if (r.code === "validation") return validation(r.errors);
  return new AppError(
    "transition_not_allowed",
    `${type} is not allowed for you while the ticket is ${r.currentStatus}`,
    {
      allowedEvents: r.allowedEvents,
      currentStatus: r.currentStatus,
    },
  );
}
