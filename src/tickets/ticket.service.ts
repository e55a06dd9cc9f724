import { createHash } from "node:crypto";
import type { Principal } from "../auth/principal.ts";
import type { Db, Tx } from "../db/client.ts";
import { Prisma, type Ticket, type TicketEvent as TicketEventRow } from "../generated/prisma/client.ts";
import { AppError, notFound, validation } from "../http/errors.ts";
import { logger } from "../logger.ts";
import type { DepartmentTree } from "../org/department-tree.ts";
import type { CategoryRow, OrgService } from "../org/org.service.ts";
import type { SlaService, SlaSnapshot } from "../sla/sla.service.ts";
import type { TicketChange } from "./system-events.ts";
import { TicketList } from "./ticket.list.ts";
import {
  type Actor,
  allowedEvents,
  applyEvent,
  initialContext,
  type TicketContext,
  type TicketEvent,
  type TicketEventType,
  type TicketState,
} from "./ticket.machine.ts";
import type { CreateTicketInput, EventInput, ListQuery } from "./ticket.schemas.ts";
import { actorFor, canSee, phoneVisibility, type TicketView, toTicketView } from "./ticket.view.ts";

interface Reference {
  tree: DepartmentTree;
  categories: Map<number, CategoryRow>;
  sla: SlaSnapshot;
}

/** Timers and stats are handed what changed after the transaction commits, a batch at a time. */
export type TicketHook = (changes: TicketChange[]) => Promise<void>;

export class TicketService {
  private readonly hooks: TicketHook[] = [];
  private readonly listing: TicketList;

  constructor(
    private readonly db: Db,
    private readonly org: OrgService,
    private readonly sla: SlaService,
  ) {
    this.listing = new TicketList(db, org);
  }

  /** Timers and stats subscribe here; a failing hook is logged, never undoes the event. */
  onChange(hook: TicketHook): void {
    this.hooks.push(hook);
  }

  /**
   * Tells the hooks (independent of each other, so all at once) about committed changes: this
   * service's own events, and the system events the timers write in batches (system-events.ts).
   */
  async publish(changes: TicketChange[]): Promise<void> {
    if (changes.length === 0) return;
    await Promise.all(
      this.hooks.map(async (hook) => {
        try {
          await hook(changes);
        } catch (err) {
          const first = changes[0];
          logger.error(
            { err, ticketId: first?.ticket.id, event: first?.event.type, changes: changes.length },
            "ticket hook failed",
          );
        }
      }),
    );
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
      const existing = await this.db.ticket.findUnique({ where: { externalRef: input.externalRef } });
      if (existing) return { status: 200, body: await this.view(principal, existing, true) };
    }
    const at = new Date();
    try {
      const tree = await this.org.tree();
      const { ticket, event } = await this.db.$transaction(async (tx) => {
        const ticket = await tx.ticket.create({
          data: {
            channel: input.channel,
            citizenName: input.citizenName,
            citizenPhone: input.citizenPhone,
            confidential: input.confidential ?? false,
            address: input.address ?? null,
            area: input.area ?? null,
            lat: input.lat ?? null,
            lng: input.lng ?? null,
            categoryId: category.id,
            urgency: input.urgency,
            title: input.title,
            description: input.description,
            externalRef: input.externalRef ?? null,
            context: initialContext() as unknown as Prisma.InputJsonValue,
            createdById: principal.id,
            createdAt: at,
            updatedAt: at,
          },
        });
        const event = await tx.ticketEvent.create({
          data: {
            ticketId: ticket.id,
            seq: 1,
            type: "CREATE",
            fromStatus: null,
            toStatus: "registered",
            actorId: principal.id,
            actorRole: principal.role,
            departmentId: principal.departmentId,
            payload: { channel: input.channel, categoryCode: input.categoryCode, urgency: input.urgency },
            at,
          },
        });
        if (idempotencyKey) {
          // Built from data read before the transaction: no second pool connection inside it.
          const body = toTicketView(ticket, {
            principal,
            tree,
            categoryCode: category.code,
            categoryName: category.name,
            detail: true,
          });
          await tx.idempotencyKey.create({
            data: {
              userId: principal.id,
              key: idempotencyKey,
              requestHash,
              status: 201,
              response: body as unknown as Prisma.InputJsonValue,
            },
          });
        }
        return { ticket, event };
      }, TX_OPTIONS);
      await this.publish([{ ticket, event }]);
      return { status: 201, body: await this.view(principal, ticket, true) };
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
        // A concurrent request with the same key or externalRef committed first: answer as it did.
        if (idempotencyKey) {
          const replay = await this.replay(principal.id, idempotencyKey, requestHash);
          if (replay) return replay;
        }
        if (input.externalRef) {
          const existing = await this.db.ticket.findUnique({ where: { externalRef: input.externalRef } });
          if (existing) return { status: 200, body: await this.view(principal, existing, true) };
        }
      }
      throw err;
    }
  }

  private async replay(
    userId: number,
    key: string,
    requestHash: string,
  ): Promise<{ status: 201; body: TicketView } | null> {
    const row = await this.db.idempotencyKey.findUnique({ where: { userId_key: { userId, key } } });
    if (!row) return null;
    if (row.requestHash !== requestHash) {
      throw new AppError(
        "idempotency_mismatch",
        "This Idempotency-Key was used for a different request body",
      );
    }
    return { status: 201, body: row.response as unknown as TicketView };
  }

  // ---- read -----------------------------------------------------------------------------

  async get(principal: Principal, id: number): Promise<TicketView> {
    const ticket = await this.db.ticket.findUnique({ where: { id } });
    if (!ticket || !canSee(principal, ticket, await this.org.tree())) throw notFound("Ticket");
    if (phoneVisibility(principal, ticket, true) === "audited") {
      await this.db.auditLog.create({
        data: {
          actorId: principal.id,
          action: "read_citizen_phone",
          ticketId: id,
          detail: { role: principal.role },
        },
      });
    }
    return this.view(principal, ticket, true);
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

  /** Reference data for one write, read before its transaction opens (see SlaService.snapshot). */
  private async reference(): Promise<Reference> {
    const [tree, categories, sla] = await Promise.all([
      this.org.tree(),
      this.org.listCategories(),
      this.sla.snapshot(),
    ]);
    return { tree, categories: new Map(categories.map((c) => [c.id, c])), sla };
  }

  /** The list view of a row the caller has already been allowed to read. */
  viewOf(principal: Principal, t: Ticket): Promise<TicketView> {
    return this.view(principal, t, false);
  }

  private async view(
    principal: Principal,
    t: Ticket,
    detail: boolean,
    tree?: Awaited<ReturnType<OrgService["tree"]>>,
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

  /** A user's event: scope check, machine transition, write with version check, hooks. */
  async applyUserEvent(
    principal: Principal,
    id: number,
    input: EventInput,
    ifMatch?: number,
  ): Promise<TicketView> {
    const [tree, ref] = await Promise.all([this.org.tree(), this.reference()]);
    const change = await this.db.$transaction(async (tx) => {
      // Row lock: concurrent events on one ticket are applied one after another, none lost.
      const locked = await tx.$queryRaw<{ id: number }[]>`SELECT id FROM tickets WHERE id = ${id} FOR UPDATE`;
      if (locked.length === 0) throw notFound("Ticket");
      const ticket = await tx.ticket.findUniqueOrThrow({ where: { id } });
      if (!canSee(principal, ticket, tree)) throw notFound("Ticket");
      if (ifMatch !== undefined && ifMatch !== ticket.version) {
        throw new AppError(
          "stale_version",
          `The ticket is at version ${ticket.version}, not ${ifMatch}; reload it`,
          { currentVersion: ticket.version },
        );
      }
      const actor = actorFor(principal, ticket, tree);
      const event = input as unknown as Record<string, unknown> & { type: TicketEventType };
      return this.write(tx, ref, ticket, actor, principal, event);
    }, TX_OPTIONS);
    await this.publish([change]);
    return this.view(principal, change.ticket, true, tree);
  }

  private async write(
    tx: Tx,
    ref: Reference,
    ticket: Ticket,
    actor: Actor,
    principal: Principal,
    input: Record<string, unknown> & { type: string },
  ): Promise<{ ticket: Ticket; event: TicketEventRow }> {
    const at = new Date();
    const from = ticket.status as TicketState;
    const ctx = ticket.context as unknown as TicketContext;
    const machineEvent = { ...input, actor, at: at.toISOString() } as unknown as TicketEvent;
    const result = applyEvent({ status: from, context: ctx }, machineEvent);
    if (!result.ok) {
      const allowed = allowedEvents({ status: from, context: ctx }, actor, at.toISOString());
      throw new AppError(
        "transition_not_allowed",
        `${input.type} is not allowed for you while the ticket is ${from}`,
        { allowedEvents: allowed, currentStatus: from },
      );
    }
    const next = result.context;
    const to = result.status;
    const data: Prisma.TicketUncheckedUpdateInput = {
      status: to,
      version: ticket.version + 1,
      context: next as unknown as Prisma.InputJsonValue,
      departmentId: next.departmentId,
      coDepartmentIds: next.coDepartmentIds,
      subDepartmentId: next.subDepartmentId,
      reopenCount: next.reopenCount,
      supervisionLevel: next.supervisionLevel,
      dispatchCount: next.dispatchCount,
      lastRating: next.lastRating,
      lastResolved: next.lastResolved,
      directlyAnswered: next.directlyAnswered,
      mergedIntoId: next.mergedIntoId,
      closedAt: next.closedAt ? new Date(next.closedAt) : null,
      updatedAt: at,
    };
    await this.sideEffects(tx, ref, ticket, input, next, from, to, at, principal, data);
    const updated = await tx.ticket.update({ where: { id: ticket.id, version: ticket.version }, data });
    const { type, ...payload } = input;
    const event = await tx.ticketEvent.create({
      data: {
        ticketId: ticket.id,
        seq: updated.version,
        type,
        fromStatus: from,
        toStatus: to,
        actorId: principal.id,
        actorRole: actor.role,
        departmentId: principal.departmentId,
        payload: payload as Prisma.InputJsonValue,
        at,
      },
    });
    return { ticket: updated, event };
  }

  /** What an event does besides the machine's state and context: deadlines, assignments, requests. */
  private async sideEffects(
    tx: Tx,
    ref: Reference,
    t: Ticket,
    input: Record<string, unknown> & { type: string },
    next: TicketContext,
    from: TicketState,
    to: TicketState,
    at: Date,
    principal: Principal,
    data: Prisma.TicketUncheckedUpdateInput,
  ): Promise<void> {
    const code = ref.categories.get(t.categoryId)?.code ?? "";
    const tree = ref.tree;
    const checkDepartments = (lead: number, co: number[]) => {
      if (!tree.get(lead)) throw validation({ departmentId: "Unknown department" });
      const unknown = co.filter((d) => !tree.get(d));
      if (unknown.length) throw validation({ coDepartmentIds: `Unknown departments: ${unknown.join(", ")}` });
    };
    const endAssignments = async (
      outcome: "returned" | "recalled" | "replaced" | "completed",
      roles: Array<"lead" | "co" | "sub">,
    ) => {
      await tx.assignment.updateMany({
        where: { ticketId: t.id, endedAt: null, role: { in: roles } },
        data: { outcome, endedAt: at },
      });
    };
    const dispatchTo = async (lead: number, co: number[]) => {
      checkDepartments(lead, co);
      const d = ref.sla.planDispatch(code, t.urgency, at);
      Object.assign(data, {
        dispatchedAt: at,
        signBy: d.signBy,
        firstResponseBy: d.firstResponseBy,
        dueAt: d.dueAt,
        callbackBy: null,
        signedAt: null,
        firstResponseAt: null,
        deadlineVersion: t.deadlineVersion + 1,
      });
      await tx.assignment.createMany({
        data: [
          { ticketId: t.id, departmentId: lead, role: "lead" as const, dispatchedAt: at, signBy: d.signBy },
          ...next.coDepartmentIds.map((dep) => ({
            ticketId: t.id,
            departmentId: dep,
            role: "co" as const,
            dispatchedAt: at,
            signBy: d.signBy,
          })),
        ],
      });
    };
    const clearDeadlines = () =>
      Object.assign(data, {
        signBy: null,
        firstResponseBy: null,
        dueAt: null,
        callbackBy: null,
        deadlineVersion: t.deadlineVersion + 1,
      });

    switch (input.type) {
      case "DISPATCH":
        await dispatchTo(input.departmentId as number, next.coDepartmentIds);
        break;
      case "RECALL":
        await endAssignments("recalled", ["lead", "co", "sub"]);
        clearDeadlines();
        break;
      case "SIGN":
        data.signedAt = at;
        await tx.assignment.updateMany({
          where: { ticketId: t.id, endedAt: null, role: "lead", signedAt: null },
          data: { signedAt: at, outcome: "signed" },
        });
        break;
      case "SUB_DISPATCH": {
        const dep = input.departmentId as number;
        if (t.departmentId == null || !tree.isChild(t.departmentId, dep))
          throw validation({ departmentId: "Sub-dispatch goes to a direct child of the lead unit" });
        await endAssignments("replaced", ["sub"]);
        await tx.assignment.create({
          data: {
            ticketId: t.id,
            departmentId: dep,
            role: "sub",
            dispatchedAt: at,
            signedAt: at,
            outcome: "signed",
          },
        });
        break;
      }
      case "APPROVE_RETURN":
        await endAssignments("returned", ["lead"]);
        await endAssignments("replaced", ["co", "sub"]);
        if (to === "dispatched") await dispatchTo(input.departmentId as number, next.coDepartmentIds);
        else clearDeadlines();
        break;
      case "FIRST_RESPONSE":
        if (!t.firstResponseAt) data.firstResponseAt = at;
        break;
      case "REQUEST_EXTENSION": {
        const until = new Date(input.until as string);
        if (t.dueAt && until <= t.dueAt)
          throw validation({ until: "An extension must move the deadline later than the current one" });
        await tx.extensionRequest.create({
          data: { ticketId: t.id, requestedById: principal.id, until, reason: String(input.reason) },
        });
        break;
      }
      case "APPROVE_EXTENSION":
      case "REJECT_EXTENSION": {
        const approve = input.type === "APPROVE_EXTENSION";
        const pending = await tx.extensionRequest.findFirst({
          where: { ticketId: t.id, status: "pending" },
          orderBy: { id: "desc" },
        });
        if (pending) {
          await tx.extensionRequest.update({
            where: { id: pending.id },
            data: {
              status: approve ? "approved" : "rejected",
              decidedById: principal.id,
              decidedAt: at,
              decisionReason: (input.reason as string | undefined) ?? null,
            },
          });
          if (approve) Object.assign(data, { dueAt: pending.until, deadlineVersion: t.deadlineVersion + 1 });
        }
        break;
      }
      case "APPROVE_REPLY":
        if (!t.firstApprovedReplyAt) data.firstApprovedReplyAt = at;
        Object.assign(data, {
          callbackBy: ref.sla.planCallback(code, t.urgency, at),
          deadlineVersion: t.deadlineVersion + 1,
        });
        break;
      case "CALLBACK":
        await tx.callback.create({
          data: {
            ticketId: t.id,
            agentId: principal.id,
            rating: input.rating as "satisfied",
            resolved: (input.resolved as boolean | undefined) ?? null,
            note: (input.note as string | undefined) ?? null,
            at,
          },
        });
        if (to === "closed") {
          await endAssignments("completed", ["lead", "co", "sub"]);
          Object.assign(data, { callbackBy: null, deadlineVersion: t.deadlineVersion + 1 });
        } else if (to === "processing") {
          Object.assign(data, {
            dueAt: ref.sla.planResolve(code, t.urgency, at),
            callbackBy: null,
            deadlineVersion: t.deadlineVersion + 1,
          });
        }
        break;
      case "REOPEN":
        Object.assign(data, {
          dueAt: ref.sla.planResolve(code, t.urgency, at),
          callbackBy: null,
          deadlineVersion: t.deadlineVersion + 1,
        });
        break;
      case "MERGE": {
        const into = input.intoTicketId as number;
        const target =
          into === t.id
            ? null
            : await tx.ticket.findUnique({ where: { id: into }, select: { status: true } });
        if (!target || target.status === "merged")
          throw validation({ intoTicketId: "Merge into another existing ticket that is not itself merged" });
        await endAssignments("recalled", ["lead", "co", "sub"]);
        clearDeadlines();
        break;
      }
      case "ANSWER_DIRECTLY":
        break;
      default:
        break;
    }
    if (from !== to && to === "closed" && input.type !== "CALLBACK")
      Object.assign(data, { callbackBy: null });
  }
}

/**
 * Prisma's defaults (2 s to get a connection, 5 s to finish) turn a burst of events on one
 * busy ticket — each waiting for the row lock — into errors; queueing a little longer is right.
 */
const TX_OPTIONS = { maxWait: 20_000, timeout: 30_000 } as const;
