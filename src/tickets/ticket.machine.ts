/**
 * The ticket lifecycle (DESIGN.md, "Ticket lifecycle"): one pure XState v5 machine.
 *
 * No database and no clock: the service layer loads `{ status, context }`, calls
 * `applyEvent`, and stores the result. Time arrives in every event as `at` (ISO 8601).
 * Who may send what is decided here too (role, and for handlers their relation to the
 * ticket, which the service computes from the department tree), so `allowedEvents` and
 * `applyEvent` can never disagree.
 *
 * Layout: types and constants → permissions → payload checks → machine (guards,
 * actions, states) → `applyEvent` / `allowedEvents`.
 */
import { and, assign, createActor, not, or, setup, stateIn } from "xstate";
import type { EventInput } from "./ticket.events.ts";
import {
  EVENT_TYPES,
  TICKET_STATES,
  TIMER_EVENT_TYPES,
  type TicketEventType,
  type TicketState,
  type TimerEventType,
  USER_EVENT_TYPES,
  type UserEventType,
} from "./vocabulary.ts";

// ─── States ──────────────────────────────────────────────────────────────────

// The states, their groups and labels are the vocabulary's (vocabulary.ts), re-exported here.
export { OPEN_STATES, STATE_LABELS, TICKET_STATES, type TicketState } from "./vocabulary.ts";

// ─── Actors ──────────────────────────────────────────────────────────────────

export type ActorRole = "agent" | "reviewer" | "handler" | "manager" | "admin" | "system";

/**
 * How a handler relates to the ticket, computed by the service from the department tree:
 * 'lead' = the handler's department subtree contains the ticket's lead `departmentId`;
 * 'co' = it contains one of `coDepartmentIds` (`coDepartmentId` says which);
 * 'sub' = it contains `subDepartmentId`; 'none' otherwise.
 */
export type ActorRelation = "lead" | "co" | "sub" | "none";

export interface Actor {
  role: ActorRole;
  userId: number | null;
  relation: ActorRelation;
  coDepartmentId?: number;
}

// ─── Context ─────────────────────────────────────────────────────────────────

export interface TimerFlags {
  signWarning: boolean;
  signOverdue: boolean;
  firstResponseWarning: boolean;
  firstResponseOverdue: boolean;
  resolveWarning: boolean;
  resolveOverdue: boolean;
  callbackOverdue: boolean;
}

export type CallbackRating = "satisfied" | "basically_satisfied" | "dissatisfied" | "unreachable";
export type Rating = Exclude<CallbackRating, "unreachable">;
export type ReplyOutcome = "resolved" | "explained" | "unresolvable";

export interface TicketContext {
  /** Lead unit (主办). */
  departmentId: number | null;
  /** Co-handling units (协办), never containing the lead. */
  coDepartmentIds: number[];
  /** Co-handling units that have sent ASSIST_REPLY in the current round. */
  assistRepliedDepartmentIds: number[];
  /** Child unit the lead passed the work to (SUB_DISPATCH); the lead stays accountable. */
  subDepartmentId: number | null;
  /** Where a pending return request came from; REJECT_RETURN goes back there. */
  returnFrom: "dispatched" | "processing" | null;
  pendingExtension: { until: string; reason: string } | null;
  approvedExtensions: number;
  reopenCount: number;
  supervisionLevel: number;
  /** Unreachable callbacks in the current callback round. */
  unreachableCount: number;
  urgeCount: number;
  lastRating: Rating | null;
  lastResolved: boolean | null;
  directlyAnswered: boolean;
  dispatchCount: number;
  closedAt: string | null;
  mergedIntoId: number | null;
  flags: TimerFlags;
}

export function initialContext(): TicketContext {
  return {
    departmentId: null,
    coDepartmentIds: [],
    assistRepliedDepartmentIds: [],
    subDepartmentId: null,
    returnFrom: null,
    pendingExtension: null,
    approvedExtensions: 0,
    reopenCount: 0,
    supervisionLevel: 0,
    unreachableCount: 0,
    urgeCount: 0,
    lastRating: null,
    lastResolved: null,
    directlyAnswered: false,
    dispatchCount: 0,
    closedAt: null,
    mergedIntoId: null,
    flags: noFlags(),
  };
}

/** Every timer flag down: a new ticket, or a deadline replaced. */
export function noFlags(): TimerFlags {
  return {
    signWarning: false,
    signOverdue: false,
    firstResponseWarning: false,
    firstResponseOverdue: false,
    resolveWarning: false,
    resolveOverdue: false,
    callbackOverdue: false,
  };
}

// ─── Rules' constants ────────────────────────────────────────────────────────

/** A closed ticket may be reopened (重办) this many days after closing. */
export const REOPEN_WINDOW_DAYS = 30;
export const MAX_APPROVED_EXTENSIONS = 2;
/** This many unreachable callbacks close the ticket without a rating. */
export const UNREACHABLE_LIMIT = 3;
/** From this reopen count on, the ticket is supervised at level ≥ 2 (不满意工单重办全程督办). */
const REOPEN_SUPERVISION_THRESHOLD = 2;
const REOPEN_SUPERVISION_LEVEL = 2;
const DAY_MS = 24 * 60 * 60 * 1000;

// ─── Events ──────────────────────────────────────────────────────────────────

// The event types and labels are the vocabulary's (vocabulary.ts), re-exported here.
export {
  EVENT_LABELS,
  EVENT_TYPES,
  TIMER_EVENT_TYPES,
  type TicketEventType,
  type TimerEventType,
  USER_EVENT_TYPES,
  type UserEventType,
} from "./vocabulary.ts";

/** Fields every event carries. */
interface EventBase {
  actor: Actor;
  /** ISO 8601 time of the event; the machine's only clock. */
  at: string;
}

/**
 * Payload of each event type (without `type`, `actor`, `at`): the user events' are the API's
 * validated input (ticket.events.ts, declared once with zod); timer events carry none.
 */
export type TicketEventPayloads = {
  [T in UserEventType]: Omit<Extract<EventInput, { type: T }>, "type">;
} & { [T in TimerEventType]: Record<never, never> };

export type TicketEventOf<T extends TicketEventType> = { type: T } & EventBase & TicketEventPayloads[T];
export type TicketEvent = { [T in TicketEventType]: TicketEventOf<T> }[TicketEventType];

// ─── Permissions (who) ───────────────────────────────────────────────────────

const AGENT_EVENTS: readonly TicketEventType[] = [
  "ANSWER_DIRECTLY",
  "DISPATCH",
  "RECALL",
  "APPROVE_RETURN",
  "REJECT_RETURN",
  "CALLBACK",
  "REOPEN",
  "URGE",
  "MERGE",
  "COMMENT",
  "PUBLISH",
  "CORRECT",
];

/** Events each non-handler role may send (the state still has to allow them). */
export const ROLE_EVENTS: Record<Exclude<ActorRole, "handler">, readonly TicketEventType[]> = {
  agent: AGENT_EVENTS,
  reviewer: [...AGENT_EVENTS, "APPROVE_REPLY", "REJECT_REPLY", "APPROVE_EXTENSION", "REJECT_EXTENSION"],
  manager: ["SUPERVISE", "URGE", "COMMENT"],
  admin: ["COMMENT"],
  system: ["SUPERVISE", ...TIMER_EVENT_TYPES],
};

/** Events a handler may send, by the relation their department has to the ticket. */
export const HANDLER_EVENTS: Partial<Record<TicketEventType, readonly ActorRelation[]>> = {
  SIGN: ["lead"],
  SUB_DISPATCH: ["lead"],
  REQUEST_RETURN: ["lead"],
  REQUEST_EXTENSION: ["lead"],
  REPLY: ["lead"],
  FIRST_RESPONSE: ["lead", "sub"],
  ASSIST_REPLY: ["co"],
  COMMENT: ["lead", "co", "sub"],
};

function actorMaySend(actor: Actor, type: TicketEventType): boolean {
  if (actor.role === "handler") return HANDLER_EVENTS[type]?.includes(actor.relation) ?? false;
  return ROLE_EVENTS[actor.role]?.includes(type) ?? false;
}

// ─── Payload checks ──────────────────────────────────────────────────────────
// The API validates shapes too; these keep the machine sound on its own.

function isId(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}

function isIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every(isId);
}

function validAssignment(departmentId: unknown, coDepartmentIds: unknown): boolean {
  return isId(departmentId) && (coDepartmentIds === undefined || isIdList(coDepartmentIds));
}

const RATED: readonly CallbackRating[] = ["satisfied", "basically_satisfied"];

function isRatedCallback(event: TicketEvent, ratings: readonly CallbackRating[]): boolean {
  return event.type === "CALLBACK" && ratings.includes(event.rating) && typeof event.resolved === "boolean";
}

// ─── Context updates ─────────────────────────────────────────────────────────

/** A fresh assignment to a lead unit (DISPATCH, or APPROVE_RETURN with re-dispatch 转办). */
function assignment(
  context: TicketContext,
  departmentId: number,
  coDepartmentIds: readonly number[] | undefined,
): Partial<TicketContext> {
  return {
    departmentId,
    coDepartmentIds: [...new Set(coDepartmentIds ?? [])].filter((id) => id !== departmentId),
    assistRepliedDepartmentIds: [],
    subDepartmentId: null,
    returnFrom: null,
    pendingExtension: null,
    dispatchCount: context.dispatchCount + 1,
    flags: noFlags(),
  };
}

/** Back to intake: no department at all (RECALL, APPROVE_RETURN without re-dispatch). */
function unassignment(): Partial<TicketContext> {
  return {
    departmentId: null,
    coDepartmentIds: [],
    assistRepliedDepartmentIds: [],
    subDepartmentId: null,
    returnFrom: null,
    pendingExtension: null,
    flags: noFlags(),
  };
}

/** 重办: back to the same department with a fresh round (dissatisfied CALLBACK, REOPEN). */
function reopening(context: TicketContext): Partial<TicketContext> {
  const reopenCount = context.reopenCount + 1;
  return {
    reopenCount,
    supervisionLevel:
      reopenCount >= REOPEN_SUPERVISION_THRESHOLD
        ? Math.max(context.supervisionLevel, REOPEN_SUPERVISION_LEVEL)
        : context.supervisionLevel,
    assistRepliedDepartmentIds: [],
    unreachableCount: 0,
    closedAt: null,
    flags: { ...context.flags, resolveWarning: false, resolveOverdue: false, callbackOverdue: false },
  };
}

/** The flag each timer event raises. */
export const TIMER_FLAG: Record<TimerEventType, keyof TimerFlags> = {
  SIGN_WARNING: "signWarning",
  SIGN_OVERDUE: "signOverdue",
  FIRST_RESPONSE_WARNING: "firstResponseWarning",
  FIRST_RESPONSE_OVERDUE: "firstResponseOverdue",
  RESOLVE_WARNING: "resolveWarning",
  RESOLVE_OVERDUE: "resolveOverdue",
  CALLBACK_OVERDUE: "callbackOverdue",
};

function isTimerEvent(type: TicketEventType): type is TimerEventType {
  return type in TIMER_FLAG;
}

// ─── The machine ─────────────────────────────────────────────────────────────

export const ticketMachine = setup({
  types: {
    context: {} as TicketContext,
    events: {} as TicketEvent,
    input: {} as Partial<TicketContext> | undefined,
  },
  guards: {
    // who
    permitted: ({ event }) => actorMaySend(event.actor, event.type),
    /** The co-handling unit sending ASSIST_REPLY is one of the ticket's and has not replied yet. */
    coUnitAwaited: ({ context, event }) => {
      const id = event.actor.coDepartmentId;
      return (
        id !== undefined &&
        context.coDepartmentIds.includes(id) &&
        !context.assistRepliedDepartmentIds.includes(id)
      );
    },
    // where
    ticketIsOpen: not(or([stateIn("closed"), stateIn("merged")])),
    // assignment
    validDispatch: ({ event }) =>
      event.type === "DISPATCH" && validAssignment(event.departmentId, event.coDepartmentIds),
    validSubDispatch: ({ context, event }) =>
      event.type === "SUB_DISPATCH" &&
      isId(event.departmentId) &&
      event.departmentId !== context.departmentId,
    returnWithRedispatch: ({ event }) =>
      event.type === "APPROVE_RETURN" &&
      event.departmentId != null &&
      validAssignment(event.departmentId, event.coDepartmentIds),
    /** No new lead given (absent or null); co units without a lead make no sense and are refused. */
    returnToIntake: ({ event }) =>
      event.type === "APPROVE_RETURN" &&
      event.departmentId == null &&
      (event.coDepartmentIds === undefined || event.coDepartmentIds.length === 0),
    returnCameFromDispatched: ({ context }) => context.returnFrom === "dispatched",
    returnCameFromProcessing: ({ context }) => context.returnFrom === "processing",
    // extensions
    extensionRequestable: ({ context, event }) =>
      event.type === "REQUEST_EXTENSION" &&
      typeof event.until === "string" &&
      context.pendingExtension === null &&
      context.approvedExtensions < MAX_APPROVED_EXTENSIONS,
    extensionPending: ({ context }) => context.pendingExtension !== null,
    // reply
    coUnitsAllReplied: ({ context }) =>
      context.coDepartmentIds.every((id) => context.assistRepliedDepartmentIds.includes(id)),
    validReplyOutcome: ({ event }) =>
      event.type === "REPLY" && ["resolved", "explained", "unresolvable"].includes(event.outcome),
    // callback
    callbackSatisfied: ({ event }) => isRatedCallback(event, RATED),
    callbackDissatisfied: ({ event }) => isRatedCallback(event, ["dissatisfied"]),
    callbackUnreachable: ({ event }) => event.type === "CALLBACK" && event.rating === "unreachable",
    unreachableLimitReached: ({ context }) => context.unreachableCount + 1 >= UNREACHABLE_LIMIT,
    // reopen: only a ticket a department handled, within the window after closing
    reopenable: ({ context, event }) => {
      if (context.departmentId === null || context.directlyAnswered || context.mergedIntoId !== null)
        return false;
      if (context.closedAt === null) return false;
      const elapsed = Date.parse(event.at) - Date.parse(context.closedAt);
      return Number.isFinite(elapsed) && elapsed <= REOPEN_WINDOW_DAYS * DAY_MS;
    },
    // supervision and merge
    validSupervisionLevel: ({ event }) => event.type === "SUPERVISE" && [1, 2, 3].includes(event.level),
    validMergeTarget: ({ event }) => event.type === "MERGE" && isId(event.intoTicketId),
  },
  actions: {
    answerDirectly: assign(({ event }) => ({ directlyAnswered: true, closedAt: event.at })),
    dispatch: assign(({ context, event }) => {
      if ((event.type !== "DISPATCH" && event.type !== "APPROVE_RETURN") || event.departmentId == null) {
        return {};
      }
      return assignment(context, event.departmentId, event.coDepartmentIds);
    }),
    unassign: assign(() => unassignment()),
    subDispatch: assign(({ event }) =>
      event.type === "SUB_DISPATCH" ? { subDepartmentId: event.departmentId } : {},
    ),
    returnFromDispatched: assign({ returnFrom: "dispatched" as const }),
    returnFromProcessing: assign({ returnFrom: "processing" as const }),
    forgetReturnOrigin: assign({ returnFrom: null }),
    requestExtension: assign(({ event }) =>
      event.type === "REQUEST_EXTENSION"
        ? { pendingExtension: { until: event.until, reason: event.reason } }
        : {},
    ),
    approveExtension: assign(({ context }) => ({
      pendingExtension: null,
      approvedExtensions: context.approvedExtensions + 1,
      flags: { ...context.flags, resolveWarning: false, resolveOverdue: false },
    })),
    rejectExtension: assign({ pendingExtension: null }),
    recordAssistReply: assign(({ context, event }) => {
      const id = event.actor.coDepartmentId;
      return id === undefined
        ? {}
        : { assistRepliedDepartmentIds: [...context.assistRepliedDepartmentIds, id] };
    }),
    recordRating: assign(({ event }) =>
      event.type === "CALLBACK" && event.rating !== "unreachable"
        ? { lastRating: event.rating, lastResolved: event.resolved ?? null }
        : {},
    ),
    reopen: assign(({ context }) => reopening(context)),
    countUnreachable: assign(({ context }) => ({ unreachableCount: context.unreachableCount + 1 })),
    close: assign(({ event }) => ({ closedAt: event.at })),
    raiseSupervision: assign(({ context, event }) =>
      event.type === "SUPERVISE" ? { supervisionLevel: Math.max(context.supervisionLevel, event.level) } : {},
    ),
    countUrge: assign(({ context }) => ({ urgeCount: context.urgeCount + 1 })),
    merge: assign(({ event }) => (event.type === "MERGE" ? { mergedIntoId: event.intoTicketId } : {})),
    raiseTimerFlag: assign(({ context, event }) =>
      isTimerEvent(event.type) ? { flags: { ...context.flags, [TIMER_FLAG[event.type]]: true } } : {},
    ),
  },
}).createMachine({
  id: "ticket",
  context: ({ input }) => ({ ...initialContext(), ...input }),
  initial: "registered",
  // Events valid in several states; a state's own transitions are tried first.
  on: {
    COMMENT: { guard: "permitted" },
    // Open311 visibility is no part of the lifecycle: any state, the ticket's columns only (ticket.decide.ts).
    PUBLISH: { guard: "permitted" },
    // Correcting what was registered: any open state, the ticket's columns only (ticket.decide.ts).
    CORRECT: { guard: and(["permitted", "ticketIsOpen"]) },
    SUPERVISE: {
      guard: and(["permitted", "ticketIsOpen", "validSupervisionLevel"]),
      actions: "raiseSupervision",
    },
    URGE: { guard: and(["permitted", "ticketIsOpen"]), actions: "countUrge" },
  },
  states: {
    registered: {
      on: {
        ANSWER_DIRECTLY: { guard: "permitted", target: "closed", actions: "answerDirectly" },
        DISPATCH: { guard: and(["permitted", "validDispatch"]), target: "dispatched", actions: "dispatch" },
        MERGE: { guard: and(["permitted", "validMergeTarget"]), target: "merged", actions: "merge" },
      },
    },
    dispatched: {
      on: {
        RECALL: { guard: "permitted", target: "registered", actions: "unassign" },
        SIGN: { guard: "permitted", target: "processing" },
        REQUEST_RETURN: { guard: "permitted", target: "returnRequested", actions: "returnFromDispatched" },
        MERGE: { guard: and(["permitted", "validMergeTarget"]), target: "merged", actions: "merge" },
        SIGN_WARNING: { guard: "permitted", actions: "raiseTimerFlag" },
        SIGN_OVERDUE: { guard: "permitted", actions: "raiseTimerFlag" },
        // Deadlines run from dispatch, signed or not (DESIGN "Deadlines").
        FIRST_RESPONSE_WARNING: { guard: "permitted", actions: "raiseTimerFlag" },
        FIRST_RESPONSE_OVERDUE: { guard: "permitted", actions: "raiseTimerFlag" },
        RESOLVE_WARNING: { guard: "permitted", actions: "raiseTimerFlag" },
        RESOLVE_OVERDUE: { guard: "permitted", actions: "raiseTimerFlag" },
      },
    },
    processing: {
      on: {
        SUB_DISPATCH: { guard: and(["permitted", "validSubDispatch"]), actions: "subDispatch" },
        REQUEST_RETURN: { guard: "permitted", target: "returnRequested", actions: "returnFromProcessing" },
        FIRST_RESPONSE: { guard: "permitted" },
        REQUEST_EXTENSION: { guard: and(["permitted", "extensionRequestable"]), actions: "requestExtension" },
        APPROVE_EXTENSION: { guard: and(["permitted", "extensionPending"]), actions: "approveExtension" },
        REJECT_EXTENSION: { guard: and(["permitted", "extensionPending"]), actions: "rejectExtension" },
        ASSIST_REPLY: { guard: and(["permitted", "coUnitAwaited"]), actions: "recordAssistReply" },
        REPLY: { guard: and(["permitted", "coUnitsAllReplied", "validReplyOutcome"]), target: "reviewing" },
        FIRST_RESPONSE_WARNING: { guard: "permitted", actions: "raiseTimerFlag" },
        FIRST_RESPONSE_OVERDUE: { guard: "permitted", actions: "raiseTimerFlag" },
        RESOLVE_WARNING: { guard: "permitted", actions: "raiseTimerFlag" },
        RESOLVE_OVERDUE: { guard: "permitted", actions: "raiseTimerFlag" },
      },
    },
    returnRequested: {
      on: {
        APPROVE_RETURN: [
          { guard: and(["permitted", "returnWithRedispatch"]), target: "dispatched", actions: "dispatch" },
          { guard: and(["permitted", "returnToIntake"]), target: "registered", actions: "unassign" },
        ],
        REJECT_RETURN: [
          {
            guard: and(["permitted", "returnCameFromDispatched"]),
            target: "dispatched",
            actions: "forgetReturnOrigin",
          },
          {
            guard: and(["permitted", "returnCameFromProcessing"]),
            target: "processing",
            actions: "forgetReturnOrigin",
          },
        ],
        FIRST_RESPONSE_WARNING: { guard: "permitted", actions: "raiseTimerFlag" },
        FIRST_RESPONSE_OVERDUE: { guard: "permitted", actions: "raiseTimerFlag" },
        RESOLVE_WARNING: { guard: "permitted", actions: "raiseTimerFlag" },
        RESOLVE_OVERDUE: { guard: "permitted", actions: "raiseTimerFlag" },
      },
    },
    reviewing: {
      on: {
        APPROVE_REPLY: { guard: "permitted", target: "callback" },
        REJECT_REPLY: { guard: "permitted", target: "processing" },
        RESOLVE_WARNING: { guard: "permitted", actions: "raiseTimerFlag" },
        RESOLVE_OVERDUE: { guard: "permitted", actions: "raiseTimerFlag" },
      },
    },
    callback: {
      on: {
        CALLBACK: [
          {
            guard: and(["permitted", "callbackSatisfied"]),
            target: "closed",
            actions: ["recordRating", "close"],
          },
          {
            guard: and(["permitted", "callbackDissatisfied"]),
            target: "processing",
            actions: ["recordRating", "reopen"],
          },
          {
            guard: and(["permitted", "callbackUnreachable", "unreachableLimitReached"]),
            target: "closed",
            actions: ["countUnreachable", "close"],
          },
          { guard: and(["permitted", "callbackUnreachable"]), actions: "countUnreachable" },
        ],
        CALLBACK_OVERDUE: { guard: "permitted", actions: "raiseTimerFlag" },
      },
    },
    closed: {
      on: {
        REOPEN: { guard: and(["permitted", "reopenable"]), target: "processing", actions: "reopen" },
      },
    },
    merged: {},
  },
});

// ─── Pure API ────────────────────────────────────────────────────────────────

/** What the service stores: the state value and the context. */
export interface TicketSnapshotData {
  status: TicketState;
  context: TicketContext;
}

export type TransitionResult =
  | { ok: true; status: TicketState; context: TicketContext; changed: boolean }
  | { ok: false; reason: "not_allowed" };

const NOT_ALLOWED: TransitionResult = { ok: false, reason: "not_allowed" };

export function isTicketState(value: unknown): value is TicketState {
  return typeof value === "string" && (TICKET_STATES as readonly string[]).includes(value);
}

function isEventType(value: unknown): value is TicketEventType {
  return typeof value === "string" && (EVENT_TYPES as readonly string[]).includes(value);
}

/** Stored contexts may predate a field; fill gaps from the initial context. */
function normalizeContext(context: TicketContext): TicketContext {
  const base = initialContext();
  return { ...base, ...context, flags: { ...base.flags, ...context.flags } };
}

type TicketActorScope = Parameters<typeof ticketMachine.transition>[2];
let scope: TicketActorScope | undefined;

/**
 * The actor scope transitions run in, made once. xstate's `transition()` builds (and drops) a
 * whole actor for every call — more work than the transition itself, which for this machine is
 * guards and `assign`s only: nothing is spawned, sent or executed through the scope, so one inert
 * scope serves every call.
 */
function inertScope(): TicketActorScope {
  if (!scope) {
    const self = createActor(ticketMachine, { input: {} });
    scope = {
      self,
      system: self.system,
      id: "",
      sessionId: "",
      defer: () => {},
      logger: () => {},
      stopChild: () => {},
      emit: () => {},
      actionExecutor: () => {},
    } as TicketActorScope;
  }
  return scope;
}

/**
 * Applies one event to a stored ticket. Pure: the input is not modified.
 * `changed` says whether the state (status) changed; context-only events such as
 * COMMENT, URGE or timer events are allowed with `changed: false`.
 */
export function applyEvent(data: TicketSnapshotData, event: TicketEvent): TransitionResult {
  if (!isTicketState(data.status) || !isEventType(event.type)) return NOT_ALLOWED;
  if (typeof event.actor !== "object" || event.actor === null || typeof event.at !== "string")
    return NOT_ALLOWED;

  const snapshot = ticketMachine.resolveState({
    value: data.status,
    context: normalizeContext(data.context),
  });
  // getTransitionData evaluates guards: no enabled transition means the event is refused. A guard
  // or action that throws is a bug and surfaces as one (never as "not allowed").
  if (ticketMachine.getTransitionData(snapshot, event).length === 0) return NOT_ALLOWED;
  const next = ticketMachine.transition(snapshot, event, inertScope());
  const status = next.value;
  if (next.status !== "active" || !isTicketState(status)) return NOT_ALLOWED;
  return { ok: true, status, context: next.context, changed: status !== data.status };
}

/** Payloads to try when asking "is there any payload with which this actor may send this now?". */
const CANDIDATE_PAYLOADS: { [T in UserEventType]: (context: TicketContext) => TicketEventPayloads[T][] } = {
  ANSWER_DIRECTLY: () => [{ answer: "" }],
  DISPATCH: () => [{ departmentId: 1 }],
  RECALL: () => [{ reason: "" }],
  SIGN: () => [{}],
  SUB_DISPATCH: (context) => [{ departmentId: context.departmentId === 1 ? 2 : 1 }],
  REQUEST_RETURN: () => [{ reason: "" }],
  APPROVE_RETURN: () => [{}, { departmentId: 1 }],
  REJECT_RETURN: () => [{ reason: "" }],
  FIRST_RESPONSE: () => [{ note: "" }],
  REQUEST_EXTENSION: () => [{ until: "", reason: "" }],
  APPROVE_EXTENSION: () => [{}],
  REJECT_EXTENSION: () => [{}],
  ASSIST_REPLY: () => [{ note: "" }],
  REPLY: () => [{ result: "", outcome: "resolved" }],
  APPROVE_REPLY: () => [{}],
  REJECT_REPLY: () => [{ reason: "" }],
  CALLBACK: () => [
    { rating: "satisfied", resolved: true },
    { rating: "dissatisfied", resolved: false },
    { rating: "unreachable" },
  ],
  REOPEN: () => [{ reason: "" }],
  SUPERVISE: () => [{ level: 3, note: "" }],
  URGE: () => [{ note: "" }],
  MERGE: () => [{ intoTicketId: 1 }],
  COMMENT: () => [{ note: "" }],
  PUBLISH: () => [{ public: true, summary: "" }],
  CORRECT: () => [{ title: "" }],
};

/** Builds a typed event from its parts. */
export function makeEvent<T extends TicketEventType>(
  type: T,
  actor: Actor,
  at: string,
  payload: TicketEventPayloads[T],
): TicketEvent {
  // TypeScript cannot correlate a generic T with its member of the union; by construction
  // this object is exactly TicketEventOf<T>.
  return { ...payload, type, actor, at } as TicketEvent;
}

/**
 * The user events `actor` may send to this ticket at time `now` (ISO), in EVENT_TYPES
 * order. An event whose guards depend on its payload is listed when some valid payload
 * would be accepted. Timer events are never listed.
 */
export function allowedEvents(data: TicketSnapshotData, actor: Actor, now: string): TicketEventType[] {
  if (!isTicketState(data.status)) return [];
  // One resolved snapshot for every candidate; who may send what is a table lookup, so only
  // those events are tried against the machine's guards.
  const snapshot = ticketMachine.resolveState({
    value: data.status,
    context: normalizeContext(data.context),
  });
  return USER_EVENT_TYPES.filter(
    (type) => actorMaySend(actor, type) && isAllowedWithSomePayload(snapshot, actor, now, type),
  );
}

function isAllowedWithSomePayload<T extends UserEventType>(
  snapshot: ReturnType<typeof ticketMachine.resolveState>,
  actor: Actor,
  now: string,
  type: T,
): boolean {
  const candidates: (context: TicketContext) => TicketEventPayloads[T][] = CANDIDATE_PAYLOADS[type];
  // Guards only (applyEvent's first step): an enabled transition means the event is allowed.
  return candidates(snapshot.context).some(
    (payload) => ticketMachine.getTransitionData(snapshot, makeEvent(type, actor, now, payload)).length > 0,
  );
}
