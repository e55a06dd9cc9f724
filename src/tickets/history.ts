/**
 * A historical ticket's events folded into the rows the live writer would have written for it:
 * the ticket (state, machine context, deadlines), its timeline, its assignments, callbacks,
 * extension requests and timer ledger. Pure and synchronous.
 *
 * There are no rules here. Every user event goes through the ticket's one decision function
 * (`decide`, ticket.decide.ts), exactly as `POST /tickets/:id/events` does, and its decision is
 * applied to in-memory rows the way the writer (ticket.repository.ts `writeDecision`) applies it
 * to the tables. Timer and system events (`SIGN_WARNING`, …, `SUPERVISE` by `system`) go
 * through the machine as the timers apply them (`writeSystemEvents`): context and supervision
 * level only, never the status. The ledger is the ticket's timer plan after its last event
 * (`ledgerPlan`, as every live write leaves it).
 *
 * What the history adds to an API request, and how it is mapped:
 * - the actor is a role: a handler is the lead unit's, except for `ASSIST_REPLY`, which names
 *   its co-handling unit (`departmentId` or `departmentCode`);
 * - departments may be named by code (`departmentCode`, `coDepartmentCodes`);
 * - the source system's deadlines are data: when a payload carries them (`DISPATCH` and
 *   `APPROVE_RETURN`: `signBy`, `firstResponseBy`, `dueAt`; `APPROVE_REPLY`: `callbackBy`;
 *   dissatisfied `CALLBACK` and `REOPEN`: `dueAt`) they stand in for the policy's plan, and
 *   the timeline keeps them in the event's payload;
 * - `MERGE` may name its target by `intoExternalRef`; the importer resolves it once every
 *   ticket has an id (the folded ticket then has no `mergedIntoId` yet).
 */
import type { DepartmentTree } from "../org/department-tree.ts";
import type { Deadlines } from "../sla/deadlines.ts";
import { SlaSnapshot } from "../sla/sla.service.ts";
import { type EscalationRule, ledgerPlan, type PlannedRow } from "../sla/timer-plan.ts";
import { type CallbackRow, decide, type TicketColumns } from "./ticket.decide.ts";
import { type EventInput, EventInputSchema } from "./ticket.events.ts";
import {
  type Actor,
  type ActorRole,
  applyEvent,
  HANDLER_EVENTS,
  initialContext,
  ROLE_EVENTS,
  TIMER_EVENT_TYPES,
  type TicketContext,
  type TicketEvent,
  type TicketState,
} from "./ticket.machine.ts";
import type { TicketRecord } from "./ticket.record.ts";

export type Role = ActorRole;

export interface HistoryEvent {
  type: string;
  /** ISO 8601. */
  at: string;
  actorRole: Role;
  payload: Record<string, unknown>;
}

export interface HistoryInput {
  createdAt: string;
  channel: string;
  categoryCode: string;
  urgency: "normal" | "urgent" | "critical";
  events: readonly HistoryEvent[];
}

/** What folding needs besides the history: the policies and the organisation, as the live path has them. */
export interface FoldEnv {
  tree: DepartmentTree;
  /** Department ids by code. */
  codes: ReadonlyMap<string, number>;
  sla: SlaSnapshot;
  escalation: EscalationRule;
}

export function foldEnv(tree: DepartmentTree, sla: SlaSnapshot, escalation: EscalationRule): FoldEnv {
  return { tree, codes: new Map(tree.all().map((d) => [d.code, d.id])), sla, escalation };
}

export interface FoldedAssignment {
  departmentId: number;
  role: "lead" | "co" | "sub";
  dispatchedAt: Date;
  signBy: Date | null;
  signedAt: Date | null;
  outcome: "pending" | "signed" | "returned" | "recalled" | "replaced" | "completed";
  endedAt: Date | null;
}

export interface FoldedEvent {
  seq: number;
  type: string;
  fromStatus: TicketState | null;
  toStatus: TicketState;
  actorRole: string;
  /** The acting unit when the history names it (an `ASSIST_REPLY`'s co-handling unit). */
  departmentId: number | null;
  payload: Record<string, unknown>;
  at: Date;
}

export interface FoldedCallback extends CallbackRow {
  at: Date;
}

export interface FoldedExtension {
  until: Date;
  reason: string;
  status: "pending" | "approved" | "rejected";
  decidedAt: Date | null;
  decisionReason: string | null;
  createdAt: Date;
}

/** The rows of one folded ticket; columns as `decide` sets them. */
export interface FoldedTicket extends TicketColumns {
  version: number;
  context: TicketContext;
  createdAt: Date;
  updatedAt: Date;
  events: FoldedEvent[];
  assignments: FoldedAssignment[];
  callbacks: FoldedCallback[];
  extensions: FoldedExtension[];
  /** The timer ledger a live ticket with this history holds (`ticketId` 0: set when written). */
  ledger: PlannedRow[];
  /** MERGE target, checked (by id) or resolved (by externalRef) by the importer. */
  mergeInto: { ticketId: number } | { externalRef: string } | null;
}

export class HistoryError extends Error {}

const SYSTEM: Actor = { role: "system", userId: null, relation: "none" };
const TIMER_TYPES: ReadonlySet<string> = new Set(TIMER_EVENT_TYPES);
/** Stands in for a MERGE target named by externalRef while the machine checks the event. */
const UNRESOLVED_TARGET = 2_147_483_647;

/** The source system's deadline fields each event may carry, per the import's contract. */
const GIVEN_DEADLINES: Record<string, ReadonlyArray<keyof GivenDeadlines>> = {
  DISPATCH: ["signBy", "firstResponseBy", "dueAt"],
  APPROVE_RETURN: ["signBy", "firstResponseBy", "dueAt"],
  APPROVE_REPLY: ["callbackBy"],
  CALLBACK: ["dueAt"],
  REOPEN: ["dueAt"],
};

interface GivenDeadlines {
  signBy?: Date;
  firstResponseBy?: Date;
  dueAt?: Date;
  callbackBy?: Date;
}

/**
 * The policies, except that a deadline the source system recorded for the event at hand is
 * taken as it was: `decide` plans with this, so what it derives from the deadlines (columns,
 * assignments' sign-by, timers) follows the recorded ones.
 */
class HistoricalSla extends SlaSnapshot {
  private given: GivenDeadlines = {};
  /** The given deadlines `decide` took (the timeline records those). */
  readonly used = new Set<keyof GivenDeadlines>();

  constructor(private readonly base: SlaSnapshot) {
    super(new Map(), base.calendar);
  }

  /** The source's deadlines for the next decision (none: `{}`). */
  give(given: GivenDeadlines): void {
    this.given = given;
    this.used.clear();
  }

  private take<K extends keyof GivenDeadlines>(key: K): Date | undefined {
    const d = this.given[key];
    if (d) this.used.add(key);
    return d;
  }

  override policy(categoryCode: string, urgency: TicketRecord["urgency"]) {
    return this.base.policy(categoryCode, urgency);
  }

  override planDispatch(categoryCode: string, urgency: TicketRecord["urgency"], at: Date): Deadlines {
    const given = {
      signBy: this.take("signBy"),
      firstResponseBy: this.take("firstResponseBy"),
      dueAt: this.take("dueAt"),
    };
    const p =
      given.signBy && given.firstResponseBy && given.dueAt
        ? null
        : this.base.planDispatch(categoryCode, urgency, at);
    return {
      signBy: given.signBy ?? (p as Deadlines).signBy,
      firstResponseBy: given.firstResponseBy ?? (p as Deadlines).firstResponseBy,
      dueAt: given.dueAt ?? (p as Deadlines).dueAt,
    };
  }

  override planResolve(categoryCode: string, urgency: TicketRecord["urgency"], from: Date): Date {
    return this.take("dueAt") ?? this.base.planResolve(categoryCode, urgency, from);
  }

  override planCallback(categoryCode: string, urgency: TicketRecord["urgency"], at: Date): Date {
    return this.take("callbackBy") ?? this.base.planCallback(categoryCode, urgency, at);
  }
}

function time(value: unknown, what: string): Date {
  if (typeof value !== "string") throw new HistoryError(`${what} must be an ISO 8601 time`);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new HistoryError(`${what} is not a valid time: ${value}`);
  return new Date(ms);
}

/** A new ticket as the writer inserts it, with what `decide` reads of it. */
function registered(input: HistoryInput, createdAt: Date): TicketRecord {
  return {
    id: 0,
    number: "",
    externalRef: null,
    channel: input.channel,
    status: "registered",
    version: 1,
    citizenName: "",
    citizenPhone: "",
    confidential: false,
    address: null,
    area: null,
    lat: null,
    lng: null,
    categoryId: 0,
    urgency: input.urgency,
    title: "",
    description: "",
    departmentId: null,
    coDepartmentIds: [],
    subDepartmentId: null,
    context: initialContext(),
    reopenCount: 0,
    supervisionLevel: 0,
    dispatchCount: 0,
    lastRating: null,
    lastResolved: null,
    directlyAnswered: false,
    mergedIntoId: null,
    public: false,
    publicSummary: null,
    open311KeyId: null,
    deadlineVersion: 0,
    dispatchedAt: null,
    signBy: null,
    firstResponseBy: null,
    dueAt: null,
    callbackBy: null,
    signedAt: null,
    firstResponseAt: null,
    firstApprovedReplyAt: null,
    firstReplyOnTime: null,
    closedAt: null,
    createdById: 0,
    createdAt,
    updatedAt: createdAt,
  };
}

function maySend(actor: Actor, type: string): boolean {
  if (actor.role === "handler") return type in HANDLER_EVENTS;
  return ((ROLE_EVENTS[actor.role] ?? []) as readonly string[]).includes(type);
}

/** Folds one ticket's history. Throws HistoryError naming the first event that does not fit. */
export function foldHistory(input: HistoryInput, env: FoldEnv): FoldedTicket {
  const createdAt = time(input.createdAt, "createdAt");
  const sla = new HistoricalSla(env.sla);
  const t = registered(input, createdAt);
  let reopenedAt: Date | null = null;
  const escalated = new Set<string>();
  let mergeInto: FoldedTicket["mergeInto"] = null;
  const events: FoldedEvent[] = [
    {
      seq: 1,
      type: "CREATE",
      fromStatus: null,
      toStatus: "registered",
      actorRole: "agent",
      departmentId: null,
      payload: { channel: input.channel, categoryCode: input.categoryCode, urgency: input.urgency },
      at: createdAt,
    },
  ];
  const assignments: FoldedAssignment[] = [];
  const callbacks: FoldedCallback[] = [];
  const extensions: FoldedExtension[] = [];
  let last = createdAt;

  input.events.forEach((ev, i) => {
    const where = `events[${i}] ${ev.type}`;
    const fail = (why: string): never => {
      throw new HistoryError(`${where}: ${why}`);
    };
    const at = time(ev.at, `${where}.at`);
    if (at < last) fail("events must be in time order, not before the previous one or createdAt");
    last = at;
    const p = ev.payload;

    // ── Timer and system events: through the machine as the timers apply them ──
    if (ev.actorRole === "system") {
      if (!maySend(SYSTEM, ev.type)) fail("not an event a system sends");
      const event = (
        ev.type === "SUPERVISE"
          ? { type: "SUPERVISE", level: p.level, note: p.note, actor: SYSTEM, at: at.toISOString() }
          : { type: ev.type, actor: SYSTEM, at: at.toISOString() }
      ) as TicketEvent;
      const r = applyEvent({ status: t.status, context: t.context }, event);
      if (!r.ok) fail(`not allowed while the ticket is ${t.status}`);
      else {
        if (r.status !== t.status) fail(`a system event may not move the ticket to ${r.status}`);
        t.context = r.context;
        t.supervisionLevel = r.context.supervisionLevel;
        t.version += 1;
        t.updatedAt = at;
      }
      if (ev.type === "SUPERVISE" && p.kind != null && p.deadlineVersion != null)
        escalated.add(`${p.kind}:${p.deadlineVersion}`);
      events.push({
        seq: t.version,
        type: ev.type,
        fromStatus: t.status,
        toStatus: t.status,
        actorRole: "system",
        departmentId: null,
        payload: { ...p },
        at,
      });
      return;
    }
    if (TIMER_TYPES.has(ev.type)) fail(`not an event a ${ev.actorRole} sends`);

    // ── User events: the history's names to the API's ids, then decide() ──
    const department = (ref: unknown, what: string): unknown => {
      if (typeof ref !== "string") return ref;
      return env.codes.get(ref) ?? fail(`unknown ${what} ${ref}`);
    };
    const body: Record<string, unknown> = { ...p, type: ev.type };
    if (p.departmentCode !== undefined && p.departmentId === undefined) {
      body.departmentId = department(p.departmentCode, "department");
      delete body.departmentCode;
    }
    if (p.coDepartmentCodes !== undefined && p.coDepartmentIds === undefined) {
      if (!Array.isArray(p.coDepartmentCodes)) fail("coDepartmentCodes must be a list");
      body.coDepartmentIds = (p.coDepartmentCodes as unknown[]).map((c) =>
        department(c, "co-handling department"),
      );
      delete body.coDepartmentCodes;
    }
    const actor: Actor =
      ev.actorRole !== "handler"
        ? { role: ev.actorRole, userId: null, relation: "none" }
        : ev.type === "ASSIST_REPLY"
          ? { role: "handler", userId: null, relation: "co", coDepartmentId: body.departmentId as number }
          : { role: "handler", userId: null, relation: "lead" };
    if (!maySend(actor, ev.type)) fail(`not an event a ${ev.actorRole} sends`);
    if (ev.type === "ASSIST_REPLY") {
      if (typeof body.departmentId !== "number")
        fail("departmentId or departmentCode names the co-handling unit");
      delete body.departmentId;
    }
    const intoRef = ev.type === "MERGE" && body.intoTicketId === undefined ? body.intoExternalRef : undefined;
    if (intoRef !== undefined) {
      if (typeof intoRef !== "string" || intoRef.length === 0)
        fail("intoTicketId or intoExternalRef is required");
      body.intoTicketId = UNRESOLVED_TARGET;
    }
    const parsed = EventInputSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail(`${issue?.path.join(".") || "payload"}: ${issue?.message ?? "invalid"}`);
    }
    const event = parsed.data as EventInput;

    const given: GivenDeadlines = {};
    for (const key of GIVEN_DEADLINES[ev.type] ?? []) {
      if (p[key] !== undefined && p[key] !== null) given[key] = time(p[key], `${where}.${key}`);
    }
    sla.give(given);
    const d = decide({
      ticket: t,
      event,
      actor,
      at,
      categoryCode: input.categoryCode,
      sla,
      tree: env.tree,
      escalation: env.escalation,
      timerHistory: { reopenedAt, escalated },
      // The target's existence and status are the importer's to check (it has the tickets).
      mergeTarget: ev.type === "MERGE" ? { status: "registered" } : undefined,
    });
    if (!d.ok) {
      const [field, message] = d.code === "validation" ? (Object.entries(d.errors)[0] ?? []) : [];
      throw new HistoryError(
        `${where}: ${field ? `${field}: ${message}` : `not allowed while the ticket is ${t.status}`}`,
      );
    }

    let context = d.context;
    let columns = d.columns;
    let payload: Record<string, unknown> = d.payload;
    // The source's deadlines the decision took stay in the timeline, as the source recorded them.
    if (sla.used.size > 0)
      payload = { ...payload, ...Object.fromEntries([...sla.used].map((k) => [k, p[k]])) };
    if (event.type === "MERGE") {
      if (intoRef !== undefined) {
        mergeInto = { externalRef: intoRef as string };
        context = { ...context, mergedIntoId: null };
        columns = { ...columns, mergedIntoId: null };
        payload = { intoExternalRef: intoRef };
      } else mergeInto = { ticketId: event.intoTicketId };
    }
    if (d.status === "processing" && context.reopenCount > t.context.reopenCount) reopenedAt = at;
    // decide() read `t` and returned new values: the record is updated in place.
    Object.assign(t, columns, d.correction);
    t.context = context;
    t.version += 1;
    t.updatedAt = at;

    // The writer's statement, on rows in memory: ends, then signing, then new assignments (one
    // snapshot: what an op creates is not ended by the same event).
    const ended = new Map<string, FoldedAssignment["outcome"]>();
    for (const op of d.assignments)
      if (op.op === "end") for (const role of op.roles) ended.set(role, op.outcome);
    for (const a of assignments) {
      if (a.endedAt !== null) continue;
      const outcome = ended.get(a.role);
      if (outcome) {
        a.outcome = outcome;
        a.endedAt = at;
      }
    }
    if (d.assignments.some((op) => op.op === "sign")) {
      for (const a of assignments) {
        if (a.endedAt === null && a.role === "lead" && a.signedAt === null) {
          a.signedAt = at;
          a.outcome = "signed";
        }
      }
    }
    for (const op of d.assignments) {
      if (op.op !== "create") continue;
      assignments.push({
        departmentId: op.departmentId,
        role: op.role,
        dispatchedAt: at,
        signBy: op.signBy,
        signedAt: op.signed ? at : null,
        outcome: op.signed ? "signed" : "pending",
        endedAt: null,
      });
    }
    if (d.extension?.op === "request") {
      extensions.push({
        until: d.extension.until,
        reason: d.extension.reason,
        status: "pending",
        decidedAt: null,
        decisionReason: null,
        createdAt: at,
      });
    } else if (d.extension?.op === "decide") {
      const pending = extensions.findLast((x) => x.status === "pending");
      if (pending) {
        pending.status = d.extension.approve ? "approved" : "rejected";
        pending.decidedAt = at;
        pending.decisionReason = d.extension.reason;
      }
    }
    if (d.callback) callbacks.push({ ...d.callback, at });
    events.push({
      seq: t.version,
      type: ev.type,
      fromStatus: d.from,
      toStatus: d.status,
      actorRole: actor.role,
      departmentId: actor.coDepartmentId ?? null,
      payload,
      at,
    });
  });

  const ledger = ledgerPlan(
    { ...t, id: 0, flags: t.context.flags, reopenedAt, escalated },
    env.sla.policy(input.categoryCode, input.urgency).clock,
    env.sla.calendar,
    env.escalation,
  );
  return {
    status: t.status,
    departmentId: t.departmentId,
    coDepartmentIds: t.coDepartmentIds,
    subDepartmentId: t.subDepartmentId,
    reopenCount: t.reopenCount,
    supervisionLevel: t.supervisionLevel,
    dispatchCount: t.dispatchCount,
    lastRating: t.lastRating,
    lastResolved: t.lastResolved,
    directlyAnswered: t.directlyAnswered,
    mergedIntoId: t.mergedIntoId,
    closedAt: t.closedAt,
    public: t.public,
    publicSummary: t.publicSummary,
    deadlineVersion: t.deadlineVersion,
    dispatchedAt: t.dispatchedAt,
    signBy: t.signBy,
    firstResponseBy: t.firstResponseBy,
    dueAt: t.dueAt,
    callbackBy: t.callbackBy,
    signedAt: t.signedAt,
    firstResponseAt: t.firstResponseAt,
    firstApprovedReplyAt: t.firstApprovedReplyAt,
    firstReplyOnTime: t.firstReplyOnTime,
    version: t.version,
    context: t.context,
    createdAt,
    updatedAt: t.updatedAt,
    events,
    assignments,
    callbacks,
    extensions,
    ledger,
    mergeInto,
  };
}
