/**
 * The ticket's one decision function: a stored ticket, a validated event, the actor, the time
 * and the policies in; the next state, the context and every effect out, as data. Pure: no
 * database, no clock. The ticket writer (ticket.repository.ts) stores what it returns, the
 * history import (tickets/history.ts) folds imported events through it, so a ticket's
 * assignments and deadlines are the same however its events arrived.
 *
 * The XState machine (ticket.machine.ts) stays the authority for states, events and guards;
 * this adds what the machine does not know: deadlines from the SLA policies, the department
 * tree's checks, and the rows other tables get (assignments, extension requests, callbacks).
 */
import type { Ticket } from "../generated/prisma/client.ts";
import type { DepartmentTree } from "../org/department-tree.ts";
import type { SlaSnapshot } from "../sla/sla.service.ts";
import { type EscalationRule, ledgerPlan, type PlannedRow } from "../sla/timer-plan.ts";
import type { EventInput } from "./ticket.events.ts";
import {
  type Actor,
  allowedEvents,
  applyEvent,
  type TicketContext,
  type TicketEvent,
  type TicketState,
} from "./ticket.machine.ts";
import type { TicketRecord } from "./ticket.record.ts";
import { maskPhone } from "./ticket.view.ts";

/** The ticket's columns an event may change (besides `version`, `context` and `updatedAt`). */
export type TicketColumns = Pick<
  Ticket,
  | "status"
  | "departmentId"
  | "coDepartmentIds"
  | "subDepartmentId"
  | "reopenCount"
  | "supervisionLevel"
  | "dispatchCount"
  | "lastRating"
  | "lastResolved"
  | "directlyAnswered"
  | "mergedIntoId"
  | "closedAt"
  | "public"
  | "publicSummary"
  | "deadlineVersion"
  | "dispatchedAt"
  | "signBy"
  | "firstResponseBy"
  | "dueAt"
  | "callbackBy"
  | "signedAt"
  | "firstResponseAt"
  | "firstApprovedReplyAt"
  | "firstReplyOnTime"
>;

export type AssignmentRole = "lead" | "co" | "sub";
export type AssignmentOutcome = "returned" | "recalled" | "replaced" | "completed";

/** Changes to the `assignments` table, applied in order. */
export type AssignmentOp =
  /** Ends the open assignments of these roles. */
  | { op: "end"; roles: AssignmentRole[]; outcome: AssignmentOutcome }
  /** The open, unsigned lead assignment is signed. */
  | { op: "sign" }
  | { op: "create"; departmentId: number; role: AssignmentRole; signBy: Date | null; signed: boolean };

export type ExtensionOp =
  | { op: "request"; until: Date; reason: string }
  /** Decides the latest pending request. */
  | { op: "decide"; approve: boolean; reason: string | null };

export interface CallbackRow {
  rating: "satisfied" | "basically_satisfied" | "dissatisfied" | "unreachable";
  resolved: boolean | null;
  /** Whether the unit contacted the citizen (响应); null when the callback did not ask. */
  contacted: boolean | null;
  note: string | null;
}

/**
 * Intake fields an event changes (CORRECT; the area on a dispatch to another district): the
 * writer sets exactly these columns.
 */
export type TicketCorrection = Partial<
  Pick<
    Ticket,
    "citizenName" | "citizenPhone" | "area" | "address" | "categoryId" | "urgency" | "title" | "description"
  >
>;

/** What the ticket's timer plan needs beyond the row: reopen time and recorded escalations. */
export interface TimerHistory {
  reopenedAt: Date | null;
  escalated: ReadonlySet<string>;
}

export interface DecisionInput {
  /** The ticket as stored (read under its row lock). */
  ticket: TicketRecord;
  event: EventInput;
  actor: Actor;
  at: Date;
  categoryCode: string;
  sla: SlaSnapshot;
  tree: DepartmentTree;
  escalation: EscalationRule;
  timerHistory: TimerHistory;
  /** For MERGE: the target's status, or null when there is no such ticket. */
  mergeTarget?: { status: TicketState } | null;
  /** For CORRECT: the active categories' ids by code (a category code the map lacks is refused). */
  categoryIds?: ReadonlyMap<string, number>;
}

export interface Decision {
  ok: true;
  from: TicketState;
  status: TicketState;
  context: TicketContext;
  columns: TicketColumns;
  assignments: AssignmentOp[];
  extension: ExtensionOp | null;
  callback: CallbackRow | null;
  /** Intake fields changed (CORRECT, or the area following a dispatch); null when none. */
  correction: TicketCorrection | null;
  /** The event's payload as recorded in the timeline (the input without `type`). */
  payload: Record<string, unknown>;
  /** The ticket's timer ledger after the event; null when the event cannot have changed it. */
  timers: PlannedRow[] | null;
}

export type Refusal =
  | { ok: false; code: "transition_not_allowed"; allowedEvents: string[]; currentStatus: TicketState }
  | { ok: false; code: "validation"; errors: Record<string, string> };

export function decide(input: DecisionInput): Decision | Refusal {
  const { ticket: t, event, actor, at, sla, tree, categoryCode } = input;
  const iso = at.toISOString();
  const from = t.status;
  const ctx = t.context;
  const machineEvent: TicketEvent = { ...event, actor, at: iso };
  const result = applyEvent({ status: from, context: ctx }, machineEvent);
  if (!result.ok) {
    return {
      ok: false,
      code: "transition_not_allowed",
      allowedEvents: allowedEvents({ status: from, context: ctx }, actor, iso),
      currentStatus: from,
    };
  }
  const next = result.context;
  const to = result.status;
  const columns: TicketColumns = {
    status: to,
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
  };
  const assignments: AssignmentOp[] = [];
  let extension: ExtensionOp | null = null;
  let callback: CallbackRow | null = null;
  let correction: TicketCorrection | null = null;
  let recorded: Record<string, unknown> | null = null;
  const newDeadlines = (d: Partial<TicketColumns>) =>
    Object.assign(columns, d, { deadlineVersion: t.deadlineVersion + 1 });
  const clearDeadlines = () =>
    newDeadlines({ signBy: null, firstResponseBy: null, dueAt: null, callbackBy: null });
  const endAll = (outcome: AssignmentOutcome) =>
    assignments.push({ op: "end", roles: ["lead", "co", "sub"], outcome });

  /** A fresh assignment to a lead unit and co-handling units, with the dispatch's deadlines. */
  const dispatchTo = (lead: number): Refusal | null => {
    if (!tree.get(lead)) return invalid({ departmentId: "Unknown department" });
    if (!handles(tree, lead)) return invalid({ departmentId: NO_TICKETS });
    const unknown = next.coDepartmentIds.filter((d) => !tree.get(d));
    if (unknown.length) return invalid({ coDepartmentIds: `Unknown departments: ${unknown.join(", ")}` });
    const idle = next.coDepartmentIds.filter((d) => !handles(tree, d));
    if (idle.length) return invalid({ coDepartmentIds: `${NO_TICKETS}: ${idle.join(", ")}` });
    const d = sla.planDispatch(categoryCode, t.urgency, at);
    newDeadlines({
      dispatchedAt: at,
      signBy: d.signBy,
      firstResponseBy: d.firstResponseBy,
      dueAt: d.dueAt,
      callbackBy: null,
      signedAt: null,
      firstResponseAt: null,
    });
    assignments.push({ op: "create", departmentId: lead, role: "lead", signBy: d.signBy, signed: false });
    // The area is the district the ticket is handled in: a unit inside another district moves it there.
    const district = districtOf(tree, lead);
    if (district && district !== t.area) correction = { area: district };
    for (const dep of next.coDepartmentIds)
      assignments.push({ op: "create", departmentId: dep, role: "co", signBy: d.signBy, signed: false });
    return null;
  };

  switch (event.type) {
    case "DISPATCH": {
      const refused = dispatchTo(event.departmentId);
      if (refused) return refused;
      break;
    }
    case "RECALL":
      endAll("recalled");
      clearDeadlines();
      break;
    case "SIGN":
      columns.signedAt = at;
      assignments.push({ op: "sign" });
      break;
    case "SUB_DISPATCH":
      if (t.departmentId == null || !tree.isChild(t.departmentId, event.departmentId))
        return invalid({ departmentId: "Sub-dispatch goes to a direct child of the lead unit" });
      if (!handles(tree, event.departmentId)) return invalid({ departmentId: NO_TICKETS });
      assignments.push({ op: "end", roles: ["sub"], outcome: "replaced" });
      assignments.push({
        op: "create",
        departmentId: event.departmentId,
        role: "sub",
        signBy: null,
        signed: true,
      });
      break;
    case "APPROVE_RETURN":
      assignments.push({ op: "end", roles: ["lead"], outcome: "returned" });
      assignments.push({ op: "end", roles: ["co", "sub"], outcome: "replaced" });
      if (to === "dispatched" && event.departmentId != null) {
        const refused = dispatchTo(event.departmentId);
        if (refused) return refused;
      } else clearDeadlines();
      break;
    case "FIRST_RESPONSE":
      if (!t.firstResponseAt) columns.firstResponseAt = at;
      break;
    case "REQUEST_EXTENSION": {
      const until = new Date(event.until);
      if (t.dueAt && until <= t.dueAt)
        return invalid({ until: "An extension must move the deadline later than the current one" });
      extension = { op: "request", until, reason: event.reason };
      break;
    }
    case "APPROVE_EXTENSION":
    case "REJECT_EXTENSION": {
      const approve = event.type === "APPROVE_EXTENSION";
      extension = { op: "decide", approve, reason: event.reason ?? null };
      // The machine's guard guarantees a pending request in the context.
      if (approve && ctx.pendingExtension) newDeadlines({ dueAt: new Date(ctx.pendingExtension.until) });
      break;
    }
    case "REPLY":
      // A reply answers the citizen: it meets the first-response deadline when nothing came before it.
      if (!t.firstResponseAt) columns.firstResponseAt = at;
      break;
    case "APPROVE_REPLY":
      // On time is judged here, once, against the deadline in force now (extensions included):
      // a later reopen sets a fresh dueAt but never changes this (DESIGN "Metrics").
      if (!t.firstApprovedReplyAt) {
        columns.firstApprovedReplyAt = at;
        columns.firstReplyOnTime = t.dueAt !== null && at <= t.dueAt;
      }
      newDeadlines({ callbackBy: sla.planCallback(categoryCode, t.urgency, at) });
      break;
    case "CALLBACK":
      callback = {
        rating: event.rating,
        resolved: event.resolved ?? null,
        contacted: event.contacted ?? null,
        note: event.note ?? null,
      };
      if (to === "closed") {
        endAll("completed");
        newDeadlines({ callbackBy: null });
      } else if (to === "processing") {
        newDeadlines({ dueAt: sla.planResolve(categoryCode, t.urgency, at), callbackBy: null });
      }
      break;
    case "REOPEN":
      newDeadlines({ dueAt: sla.planResolve(categoryCode, t.urgency, at), callbackBy: null });
      break;
    case "MERGE": {
      const target = event.intoTicketId === t.id ? null : input.mergeTarget;
      if (!target || target.status === "merged")
        return invalid({ intoTicketId: "Merge into another existing ticket that is not itself merged" });
      endAll("recalled");
      clearDeadlines();
      break;
    }
    case "CORRECT": {
      const fixed = correct(t, event, input.categoryIds);
      if ("errors" in fixed) return invalid(fixed.errors);
      if (!Object.keys(fixed.correction).length)
        return invalid({ title: "Nothing to correct: every field is as registered" });
      correction = fixed.correction;
      recorded = { changes: fixed.changes, ...(event.note ? { note: event.note } : {}) };
      break;
    }
    case "PUBLISH":
      if (event.public && t.confidential) return invalid({ public: "A confidential ticket is never public" });
      // Text from another channel (a call's notes) may name the citizen: only a summary written for the public is shown.
      if (event.public && !event.summary && t.open311KeyId === null)
        return invalid({ summary: "Write the text Open311 shows (no names, numbers or home addresses)" });
      columns.public = event.public;
      if (event.summary !== undefined) columns.publicSummary = event.summary;
      break;
    default:
      break;
  }
  if (from !== to && to === "closed" && event.type !== "CALLBACK") columns.callbackBy = null;

  const { type: _type, ...input_ } = event;
  const payload = recorded ?? input_;
  // The first answer (FIRST_RESPONSE, or the reply) ends the first-response timers.
  const timersMayChange =
    from !== to ||
    columns.deadlineVersion !== t.deadlineVersion ||
    !sameFlags(ctx, next) ||
    (columns.firstResponseAt === null) !== (t.firstResponseAt === null);
  const timers = timersMayChange
    ? ledgerPlan(
        {
          id: t.id,
          ...columns,
          flags: next.flags,
          reopenedAt:
            to === "processing" && next.reopenCount > ctx.reopenCount ? at : input.timerHistory.reopenedAt,
          escalated: input.timerHistory.escalated,
        },
        sla.policy(categoryCode, t.urgency).clock,
        sla.calendar,
        input.escalation,
      )
    : null;
  return {
    ok: true,
    from,
    status: to,
    context: next,
    columns,
    assignments,
    extension,
    callback,
    correction,
    payload,
    timers,
  };
}

/**
 * The district (an area code: a child of the root that has units below it) a unit belongs to,
 * or null for a city-wide unit.
 */
function districtOf(tree: DepartmentTree, id: number): string | null {
  const [, districtId] = (tree.get(id)?.path ?? "").split("/").filter(Boolean).map(Number);
  const district = districtId === undefined ? undefined : tree.get(districtId);
  if (!district || !tree.all().some((d) => d.parentId === district.id)) return null;
  return district.code;
}

type CorrectEvent = Extract<EventInput, { type: "CORRECT" }>;

/**
 * What CORRECT changes: the fields that differ from the ticket, each recorded as from → to in
 * the timeline (a phone number masked there: the timeline is shown to the handling unit).
 */
function correct(
  t: TicketRecord,
  e: CorrectEvent,
  categoryIds: ReadonlyMap<string, number> | undefined,
):
  | { correction: TicketCorrection; changes: Record<string, { from: unknown; to: unknown }> }
  | { errors: Record<string, string> } {
  const correction: TicketCorrection = {};
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  const change = <K extends keyof TicketCorrection>(key: K, to: TicketCorrection[K]) => {
    if (to === undefined || to === t[key]) return;
    correction[key] = to;
    changes[key] = { from: t[key], to };
  };
  if (e.categoryCode !== undefined) {
    const id = categoryIds?.get(e.categoryCode);
    if (id === undefined) return { errors: { categoryCode: "Unknown category" } };
    if (id !== t.categoryId) {
      correction.categoryId = id;
      const from = [...(categoryIds?.entries() ?? [])].find(([, v]) => v === t.categoryId)?.[0] ?? null;
      changes.categoryCode = { from, to: e.categoryCode };
    }
  }
  change("citizenName", e.citizenName);
  if (e.citizenPhone !== undefined && e.citizenPhone !== t.citizenPhone) {
    correction.citizenPhone = e.citizenPhone;
    changes.citizenPhone = { from: maskPhone(t.citizenPhone), to: maskPhone(e.citizenPhone) };
  }
  change("area", e.area === undefined ? undefined : e.area || null);
  change("address", e.address === undefined ? undefined : e.address || null);
  change("urgency", e.urgency);
  change("title", e.title);
  change("description", e.description);
  return { correction, changes };
}

/** Units that register or oversee tickets (the hotline centre, the city above the units) handle none. */
const NO_TICKETS = "This unit handles no tickets (the hotline centre or an office above the units)";
const handles = (tree: DepartmentTree, id: number) => tree.get(id)?.handlesTickets !== false;

function invalid(errors: Record<string, string>): Refusal {
  return { ok: false, code: "validation", errors };
}

function sameFlags(a: TicketContext, b: TicketContext): boolean {
  const fa = a.flags;
  const fb = b.flags;
  return (Object.keys(fa) as Array<keyof typeof fa>).every((k) => fa[k] === fb[k]);
}
