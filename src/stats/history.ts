/**
 * A historical ticket's event history folded into the rows the live system would have
 * written for it: the ticket (state, machine context, deadlines), its timeline, its
 * assignments, callbacks and extension requests. Pure and synchronous.
 *
 * This mirrors the ticket machine (src/tickets/ticket.machine.ts) and the write path's side
 * effects (TicketService.sideEffects) for one reason: speed. Replaying a million tickets
 * through XState costs ~45 µs an event, several minutes for a year of a large centre; this
 * fold costs a few µs. history.test.ts replays generated histories through the real machine
 * and proves both reach the same state and context. Historical deadlines are data: the
 * source system's `signBy`/`dueAt`/`callbackBy` ride in the payloads, and only when absent
 * are they planned with our SLA policies (`DeadlinePlanner`).
 */

import {
  HANDLER_EVENTS,
  initialContext,
  ROLE_EVENTS as MACHINE_ROLE_EVENTS,
  noFlags,
  TIMER_FLAG,
  type TicketContext,
  type TicketState,
  type TimerEventType,
  type TimerFlags,
} from "../tickets/ticket.machine.ts";
import { OPEN_STATES, RESOLVING_STATES } from "../tickets/vocabulary.ts";
import type { FactTicket, LiveTicket } from "./metrics.ts";

export type Role = "agent" | "reviewer" | "handler" | "manager" | "admin" | "system";

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

/** Deadlines the source system did not record, planned with our policies. */
export interface DeadlinePlanner {
  dispatch(at: Date): { signBy: Date; firstResponseBy: Date; dueAt: Date };
  resolve(at: Date): Date;
  callback(at: Date): Date;
}

export interface FoldEnv {
  /** Department id for a `departmentCode` or `departmentId` payload value; undefined when unknown. */
  department(ref: unknown): number | undefined;
  /** True when `child` is a direct child of `parent` (sub-dispatch rule). */
  isChild(parent: number, child: number): boolean;
  planner: DeadlinePlanner;
}

type Status = TicketState;

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
  fromStatus: Status | null;
  toStatus: Status;
  actorRole: string;
  payload: Record<string, unknown>;
  at: Date;
}

export interface FoldedTicket {
  status: Status;
  version: number;
  context: TicketContext;
  departmentId: number | null;
  coDepartmentIds: number[];
  subDepartmentId: number | null;
  reopenCount: number;
  supervisionLevel: number;
  dispatchCount: number;
  lastRating: "satisfied" | "basically_satisfied" | "dissatisfied" | null;
  lastResolved: boolean | null;
  directlyAnswered: boolean;
  deadlineVersion: number;
  dispatchedAt: Date | null;
  signBy: Date | null;
  firstResponseBy: Date | null;
  dueAt: Date | null;
  callbackBy: Date | null;
  signedAt: Date | null;
  firstResponseAt: Date | null;
  firstApprovedReplyAt: Date | null;
  closedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  events: FoldedEvent[];
  assignments: FoldedAssignment[];
  callbacks: Array<{ rating: string; resolved: boolean | null; note: string | null; at: Date }>;
  extensions: Array<{
    until: Date;
    reason: string;
    status: "pending" | "approved" | "rejected";
    decidedAt: Date | null;
    decisionReason: string | null;
    createdAt: Date;
  }>;
  /** MERGE target, resolved by the importer once every ticket has an id. */
  mergeInto: { ticketId?: number; externalRef?: string } | null;
}

export class HistoryError extends Error {}

/** A folded ticket as the row the metrics read (metrics.ts), given the ids the importer assigns. */
export function factTicketOf(
  id: number,
  t: FoldedTicket,
  ref: { categoryId: number; channel: string },
): FactTicket & LiveTicket & { supervisionLevel: number } {
  return {
    id,
    createdAt: t.createdAt,
    status: t.status,
    departmentId: t.departmentId,
    categoryId: ref.categoryId,
    channel: ref.channel,
    directlyAnswered: t.directlyAnswered,
    firstApprovedReplyAt: t.firstApprovedReplyAt,
    dueAt: t.dueAt,
    reopenCount: t.reopenCount,
    lastRating: t.lastRating,
    lastResolved: t.lastResolved,
    signBy: t.signBy,
    signedAt: t.signedAt,
    callbackBy: t.callbackBy,
    flags: t.context.flags,
    supervisionLevel: t.supervisionLevel,
  };
}

const OPEN: ReadonlySet<Status> = new Set(OPEN_STATES);
const REOPEN_WINDOW_MS = 30 * 24 * 60 * 60 * 1000;
const MAX_APPROVED_EXTENSIONS = 2;
const UNREACHABLE_LIMIT = 3;

/** Who may send what: the machine's permission tables (handlers' relation is not checked for history). */
const ROLE_EVENTS: Record<Role, ReadonlySet<string>> = {
  agent: new Set(MACHINE_ROLE_EVENTS.agent),
  reviewer: new Set(MACHINE_ROLE_EVENTS.reviewer),
  handler: new Set(Object.keys(HANDLER_EVENTS)),
  manager: new Set(MACHINE_ROLE_EVENTS.manager),
  admin: new Set(MACHINE_ROLE_EVENTS.admin),
  system: new Set(MACHINE_ROLE_EVENTS.system),
};
/** The states in which each timer event applies (elsewhere the machine refuses it). */
const TIMER_STATES: Record<string, ReadonlySet<Status>> = {
  SIGN_WARNING: new Set(["dispatched"]),
  SIGN_OVERDUE: new Set(["dispatched"]),
  RESOLVE_WARNING: new Set(RESOLVING_STATES),
  RESOLVE_OVERDUE: new Set(RESOLVING_STATES),
  CALLBACK_OVERDUE: new Set(["callback"]),
};

function time(value: unknown, what: string): Date {
  if (typeof value !== "string") throw new HistoryError(`${what} must be an ISO 8601 time`);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new HistoryError(`${what} is not a valid time: ${value}`);
  return new Date(ms);
}

function optionalTime(value: unknown, what: string): Date | null {
  return value === undefined || value === null ? null : time(value, what);
}

/** Folds one ticket's history. Throws HistoryError naming the first event that does not fit. */
export function foldHistory(input: HistoryInput, env: FoldEnv): FoldedTicket {
  const createdAt = time(input.createdAt, "createdAt");
  let status: Status = "registered";
  let ctx: TicketContext = initialContext();
  const t: FoldedTicket = {
    status,
    version: 1,
    context: ctx,
    departmentId: null,
    coDepartmentIds: [],
    subDepartmentId: null,
    reopenCount: 0,
    supervisionLevel: 0,
    dispatchCount: 0,
    lastRating: null,
    lastResolved: null,
    directlyAnswered: false,
    deadlineVersion: 0,
    dispatchedAt: null,
    signBy: null,
    firstResponseBy: null,
    dueAt: null,
    callbackBy: null,
    signedAt: null,
    firstResponseAt: null,
    firstApprovedReplyAt: null,
    closedAt: null,
    createdAt,
    updatedAt: createdAt,
    events: [
      {
        seq: 1,
        type: "CREATE",
        fromStatus: null,
        toStatus: "registered",
        actorRole: "agent",
        payload: { channel: input.channel, categoryCode: input.categoryCode, urgency: input.urgency },
        at: createdAt,
      },
    ],
    assignments: [],
    callbacks: [],
    extensions: [],
    mergeInto: null,
  };
  let last = createdAt;

  input.events.forEach((ev, i) => {
    const where = `events[${i}] ${ev.type}`;
    const fail = (why: string): never => {
      throw new HistoryError(`${where}: ${why}`);
    };
    const at = time(ev.at, `${where}.at`);
    const atIso = at.toISOString();
    if (at < last) fail("events must be in time order, not before the previous one or createdAt");
    last = at;
    if (!ROLE_EVENTS[ev.actorRole]?.has(ev.type)) fail(`not an event a ${ev.actorRole} sends`);
    const p = ev.payload;
    const payload: Record<string, unknown> = { ...p };
    const from: Status = status;
    const inState = (...states: Status[]) => {
      if (!states.includes(status)) fail(`not allowed while the ticket is ${status}`);
    };
    const dept = (key: string, required: boolean): number | null => {
      const ref = p[`${key}Id`] ?? p[`${key}Code`];
      if (ref === undefined || ref === null) {
        if (required) fail(`${key}Id or ${key}Code is required`);
        return null;
      }
      const id = env.department(ref);
      if (id === undefined) fail(`unknown department ${String(ref)}`);
      delete payload[`${key}Code`];
      payload[`${key}Id`] = id;
      return id as number;
    };
    const coDepts = (): number[] => {
      const refs = (p.coDepartmentIds ?? p.coDepartmentCodes) as unknown;
      if (refs === undefined || refs === null) return [];
      if (!Array.isArray(refs)) return fail("coDepartmentIds must be a list");
      const ids = refs.map((r) => env.department(r) ?? fail(`unknown co-handling department ${String(r)}`));
      delete payload.coDepartmentCodes;
      payload.coDepartmentIds = ids;
      return ids;
    };
    const endAssignments = (outcome: FoldedAssignment["outcome"], roles: FoldedAssignment["role"][]) => {
      for (const a of t.assignments) {
        if (a.endedAt === null && roles.includes(a.role)) {
          a.outcome = outcome;
          a.endedAt = at;
        }
      }
    };
    const clearDeadlines = () => {
      t.signBy = null;
      t.firstResponseBy = null;
      t.dueAt = null;
      t.callbackBy = null;
      t.deadlineVersion++;
    };
    const dispatchTo = (lead: number, co: number[]) => {
      const coIds = [...new Set(co)].filter((d) => d !== lead);
      ctx = {
        ...ctx,
        departmentId: lead,
        coDepartmentIds: coIds,
        assistRepliedDepartmentIds: [],
        subDepartmentId: null,
        returnFrom: null,
        pendingExtension: null,
        dispatchCount: ctx.dispatchCount + 1,
        flags: noFlags(),
      };
      const given = {
        signBy: optionalTime(p.signBy, `${where}.signBy`),
        firstResponseBy: optionalTime(p.firstResponseBy, `${where}.firstResponseBy`),
        dueAt: optionalTime(p.dueAt, `${where}.dueAt`),
      };
      const planned = given.signBy && given.firstResponseBy && given.dueAt ? null : env.planner.dispatch(at);
      t.dispatchedAt = at;
      t.signBy = given.signBy ?? planned?.signBy ?? null;
      t.firstResponseBy = given.firstResponseBy ?? planned?.firstResponseBy ?? null;
      t.dueAt = given.dueAt ?? planned?.dueAt ?? null;
      t.callbackBy = null;
      t.signedAt = null;
      t.firstResponseAt = null;
      t.deadlineVersion++;
      for (const [d, role] of [[lead, "lead"], ...coIds.map((c) => [c, "co"])] as Array<
        [number, "lead" | "co"]
      >) {
        t.assignments.push({
          departmentId: d,
          role,
          dispatchedAt: at,
          signBy: t.signBy,
          signedAt: null,
          outcome: "pending",
          endedAt: null,
        });
      }
    };
    const unassign = () => {
      ctx = {
        ...ctx,
        departmentId: null,
        coDepartmentIds: [],
        assistRepliedDepartmentIds: [],
        subDepartmentId: null,
        returnFrom: null,
        pendingExtension: null,
        flags: noFlags(),
      };
    };
    const reopening = () => {
      const reopenCount = ctx.reopenCount + 1;
      ctx = {
        ...ctx,
        reopenCount,
        supervisionLevel: reopenCount >= 2 ? Math.max(ctx.supervisionLevel, 2) : ctx.supervisionLevel,
        assistRepliedDepartmentIds: [],
        unreachableCount: 0,
        closedAt: null,
        flags: { ...ctx.flags, resolveWarning: false, resolveOverdue: false, callbackOverdue: false },
      };
      t.dueAt = optionalTime(p.dueAt, `${where}.dueAt`) ?? env.planner.resolve(at);
      t.callbackBy = null;
      t.deadlineVersion++;
    };

    switch (ev.type) {
      case "ANSWER_DIRECTLY":
        inState("registered");
        status = "closed";
        ctx = { ...ctx, directlyAnswered: true, closedAt: atIso };
        break;
      case "DISPATCH": {
        inState("registered");
        const lead = dept("department", true) as number;
        dispatchTo(lead, coDepts());
        status = "dispatched";
        break;
      }
      case "RECALL":
        inState("dispatched");
        unassign();
        endAssignments("recalled", ["lead", "co", "sub"]);
        clearDeadlines();
        status = "registered";
        break;
      case "SIGN":
        inState("dispatched");
        t.signedAt = at;
        for (const a of t.assignments) {
          if (a.role === "lead" && a.endedAt === null && a.signedAt === null) {
            a.signedAt = at;
            a.outcome = "signed";
          }
        }
        status = "processing";
        break;
      case "SUB_DISPATCH": {
        inState("processing");
        const sub = dept("department", true) as number;
        if (sub === ctx.departmentId) fail("sub-dispatch goes to another unit");
        if (ctx.departmentId === null || !env.isChild(ctx.departmentId, sub))
          fail("sub-dispatch goes to a direct child of the lead unit");
        ctx = { ...ctx, subDepartmentId: sub };
        endAssignments("replaced", ["sub"]);
        t.assignments.push({
          departmentId: sub,
          role: "sub",
          dispatchedAt: at,
          signBy: null,
          signedAt: at,
          outcome: "signed",
          endedAt: null,
        });
        break;
      }
      case "REQUEST_RETURN":
        inState("dispatched", "processing");
        ctx = { ...ctx, returnFrom: status === "dispatched" ? "dispatched" : "processing" };
        status = "returnRequested";
        break;
      case "APPROVE_RETURN": {
        inState("returnRequested");
        const lead = dept("department", false);
        const co = coDepts();
        endAssignments("returned", ["lead"]);
        endAssignments("replaced", ["co", "sub"]);
        if (lead !== null) {
          dispatchTo(lead, co);
          status = "dispatched";
        } else {
          if (co.length > 0) fail("co-handling units without a lead unit");
          unassign();
          clearDeadlines();
          status = "registered";
        }
        break;
      }
      case "REJECT_RETURN":
        inState("returnRequested");
        if (ctx.returnFrom === null) fail("no return to reject");
        status = ctx.returnFrom as Status;
        ctx = { ...ctx, returnFrom: null };
        break;
      case "FIRST_RESPONSE":
        inState("processing");
        if (!t.firstResponseAt) t.firstResponseAt = at;
        break;
      case "REQUEST_EXTENSION": {
        inState("processing");
        const until = time(p.until, `${where}.until`);
        if (ctx.pendingExtension !== null) fail("an extension is already pending");
        if (ctx.approvedExtensions >= MAX_APPROVED_EXTENSIONS) fail("at most 2 approved extensions");
        if (t.dueAt && until <= t.dueAt) fail("an extension must move the deadline later");
        const reason = String(p.reason ?? "");
        ctx = { ...ctx, pendingExtension: { until: p.until as string, reason } };
        t.extensions.push({
          until,
          reason,
          status: "pending",
          decidedAt: null,
          decisionReason: null,
          createdAt: at,
        });
        break;
      }
      case "APPROVE_EXTENSION":
      case "REJECT_EXTENSION": {
        inState("processing");
        if (ctx.pendingExtension === null) fail("no pending extension");
        const approve = ev.type === "APPROVE_EXTENSION";
        const pending = [...t.extensions].reverse().find((x) => x.status === "pending");
        if (pending) {
          pending.status = approve ? "approved" : "rejected";
          pending.decidedAt = at;
          pending.decisionReason = typeof p.reason === "string" ? p.reason : null;
          if (approve) {
            t.dueAt = pending.until;
            t.deadlineVersion++;
          }
        }
        ctx = approve
          ? {
              ...ctx,
              pendingExtension: null,
              approvedExtensions: ctx.approvedExtensions + 1,
              flags: { ...ctx.flags, resolveWarning: false, resolveOverdue: false },
            }
          : { ...ctx, pendingExtension: null };
        break;
      }
      case "ASSIST_REPLY": {
        inState("processing");
        const co = dept("department", true) as number;
        if (!ctx.coDepartmentIds.includes(co) || ctx.assistRepliedDepartmentIds.includes(co))
          fail("not a co-handling unit awaiting its reply");
        ctx = { ...ctx, assistRepliedDepartmentIds: [...ctx.assistRepliedDepartmentIds, co] };
        break;
      }
      case "REPLY":
        inState("processing");
        if (!ctx.coDepartmentIds.every((d) => ctx.assistRepliedDepartmentIds.includes(d)))
          fail("every co-handling unit must reply first");
        if (!["resolved", "explained", "unresolvable"].includes(p.outcome as string))
          fail("outcome must be resolved, explained or unresolvable");
        status = "reviewing";
        break;
      case "APPROVE_REPLY":
        inState("reviewing");
        if (!t.firstApprovedReplyAt) t.firstApprovedReplyAt = at;
        t.callbackBy = optionalTime(p.callbackBy, `${where}.callbackBy`) ?? env.planner.callback(at);
        t.deadlineVersion++;
        status = "callback";
        break;
      case "REJECT_REPLY":
        inState("reviewing");
        status = "processing";
        break;
      case "CALLBACK": {
        inState("callback");
        const rating = p.rating;
        const resolved = p.resolved;
        if (rating === "unreachable") {
          ctx = { ...ctx, unreachableCount: ctx.unreachableCount + 1 };
          if (ctx.unreachableCount >= UNREACHABLE_LIMIT) {
            ctx = { ...ctx, closedAt: atIso };
            status = "closed";
          }
        } else if (rating === "satisfied" || rating === "basically_satisfied" || rating === "dissatisfied") {
          if (typeof resolved !== "boolean") fail("resolved (boolean) is required for a rated callback");
          ctx = { ...ctx, lastRating: rating, lastResolved: resolved as boolean };
          if (rating === "dissatisfied") {
            reopening();
            status = "processing";
          } else {
            ctx = { ...ctx, closedAt: atIso };
            status = "closed";
          }
        } else {
          fail("rating must be satisfied, basically_satisfied, dissatisfied or unreachable");
        }
        t.callbacks.push({
          rating: rating as string,
          resolved: typeof resolved === "boolean" ? resolved : null,
          note: typeof p.note === "string" ? p.note : null,
          at,
        });
        if (status === "closed") {
          endAssignments("completed", ["lead", "co", "sub"]);
          t.callbackBy = null;
          t.deadlineVersion++;
        } else if (status === "processing") {
          // reopening() set the fresh deadline
        }
        break;
      }
      case "REOPEN": {
        inState("closed");
        if (ctx.departmentId === null || ctx.directlyAnswered || ctx.mergedIntoId !== null)
          fail("only a ticket a department handled may be reopened");
        if (ctx.closedAt === null || at.getTime() - Date.parse(ctx.closedAt) > REOPEN_WINDOW_MS)
          fail("outside the reopen window");
        reopening();
        status = "processing";
        break;
      }
      case "SUPERVISE": {
        if (!OPEN.has(status)) fail(`not allowed while the ticket is ${status}`);
        const level = p.level;
        if (level !== 1 && level !== 2 && level !== 3) fail("level must be 1, 2 or 3");
        ctx = { ...ctx, supervisionLevel: Math.max(ctx.supervisionLevel, level as number) };
        break;
      }
      case "URGE":
        if (!OPEN.has(status)) fail(`not allowed while the ticket is ${status}`);
        ctx = { ...ctx, urgeCount: ctx.urgeCount + 1 };
        break;
      case "MERGE": {
        inState("registered", "dispatched");
        const intoId = p.intoTicketId;
        const intoRef = p.intoExternalRef;
        if (typeof intoId === "number" && Number.isInteger(intoId) && intoId > 0) {
          t.mergeInto = { ticketId: intoId };
          ctx = { ...ctx, mergedIntoId: intoId };
        } else if (typeof intoRef === "string" && intoRef.length > 0) {
          t.mergeInto = { externalRef: intoRef };
        } else {
          fail("intoTicketId or intoExternalRef is required");
        }
        endAssignments("recalled", ["lead", "co", "sub"]);
        clearDeadlines();
        status = "merged";
        break;
      }
      case "COMMENT":
        break;
      default: {
        const flag = TIMER_FLAG[ev.type as TimerEventType];
        if (!flag) fail("unknown event type");
        if (!TIMER_STATES[ev.type]?.has(status)) fail(`not allowed while the ticket is ${status}`);
        ctx = { ...ctx, flags: { ...ctx.flags, [flag as keyof TimerFlags]: true } };
      }
    }
    if (from !== status && status === "closed" && ev.type !== "CALLBACK") t.callbackBy = null;
    t.events.push({
      seq: t.events.length + 1,
      type: ev.type,
      fromStatus: from,
      toStatus: status,
      actorRole: ev.actorRole,
      payload,
      at,
    });
  });

  t.status = status;
  t.context = ctx;
  t.version = t.events.length;
  t.departmentId = ctx.departmentId;
  t.coDepartmentIds = ctx.coDepartmentIds;
  t.subDepartmentId = ctx.subDepartmentId;
  t.reopenCount = ctx.reopenCount;
  t.supervisionLevel = ctx.supervisionLevel;
  t.dispatchCount = ctx.dispatchCount;
  t.lastRating = ctx.lastRating;
  t.lastResolved = ctx.lastResolved;
  t.directlyAnswered = ctx.directlyAnswered;
  t.closedAt = ctx.closedAt ? new Date(ctx.closedAt) : null;
  t.updatedAt = last;
  return t;
}
