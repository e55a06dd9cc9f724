import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createActor } from "xstate";
import {
  type Actor,
  allowedEvents,
  applyEvent,
  EVENT_LABELS,
  EVENT_TYPES,
  initialContext,
  MAX_APPROVED_EXTENSIONS,
  makeEvent,
  OPEN_STATES,
  REOPEN_WINDOW_DAYS,
  STATE_LABELS,
  TICKET_STATES,
  TIMER_EVENT_TYPES,
  type TicketContext,
  type TicketEvent,
  type TicketEventPayloads,
  type TicketEventType,
  type TicketSnapshotData,
  type TicketState,
  type TransitionResult,
  ticketMachine,
  UNREACHABLE_LIMIT,
  USER_EVENT_TYPES,
} from "./ticket.machine.ts";

// ─── Fixtures ────────────────────────────────────────────────────────────────

const AT = "2024-06-01T10:00:00.000Z";
const DAY = 24 * 60 * 60 * 1000;
const shift = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();

const LEAD = 10;
const CO = 11;

const ACTORS = {
  agent: { role: "agent", userId: 1, relation: "none" },
  reviewer: { role: "reviewer", userId: 2, relation: "none" },
  manager: { role: "manager", userId: 3, relation: "none" },
  admin: { role: "admin", userId: 4, relation: "none" },
  system: { role: "system", userId: null, relation: "none" },
  lead: { role: "handler", userId: 5, relation: "lead" },
  co: { role: "handler", userId: 6, relation: "co", coDepartmentId: CO },
  sub: { role: "handler", userId: 7, relation: "sub" },
  none: { role: "handler", userId: 8, relation: "none" },
} as const satisfies Record<string, Actor>;
type ActorKey = keyof typeof ACTORS;
const ACTOR_KEYS = Object.keys(ACTORS) as ActorKey[];

/** Valid example payloads for every event (written here, independently of the machine). */
const SAMPLES: { [T in TicketEventType]: TicketEventPayloads[T][] } = {
  ANSWER_DIRECTLY: [{ answer: "已电话答复" }],
  DISPATCH: [{ departmentId: 20 }, { departmentId: 20, coDepartmentIds: [21], note: "派单" }],
  RECALL: [{ reason: "派错" }],
  SIGN: [{}],
  SUB_DISPATCH: [{ departmentId: 30 }, { departmentId: 31 }],
  REQUEST_RETURN: [{ reason: "非本单位职责" }],
  APPROVE_RETURN: [{}, { departmentId: 20 }, { departmentId: 20, coDepartmentIds: [21] }],
  REJECT_RETURN: [{ reason: "属于本单位" }],
  FIRST_RESPONSE: [{ note: "已联系市民" }],
  REQUEST_EXTENSION: [{ until: "2024-06-10T10:00:00.000Z", reason: "需现场勘查" }],
  APPROVE_EXTENSION: [{}, { reason: "同意" }],
  REJECT_EXTENSION: [{}, { reason: "不同意" }],
  ASSIST_REPLY: [{ note: "协办意见" }],
  REPLY: [
    { result: "已修复", outcome: "resolved" },
    { result: "已解释", outcome: "explained" },
  ],
  APPROVE_REPLY: [{}],
  REJECT_REPLY: [{ reason: "答复不完整" }],
  CALLBACK: [
    { rating: "satisfied", resolved: true },
    { rating: "basically_satisfied", resolved: false },
    { rating: "dissatisfied", resolved: false },
    { rating: "unreachable" },
  ],
  REOPEN: [{ reason: "市民再次投诉" }],
  SUPERVISE: [
    { level: 1, note: "督办" },
    { level: 2, note: "督办" },
    { level: 3, note: "督办" },
  ],
  URGE: [{ note: "请尽快办理" }],
  MERGE: [{ intoTicketId: 77 }],
  COMMENT: [{ note: "备注" }],
  PUBLISH: [{ public: true, summary: "路灯不亮" }, { public: false }],
  CORRECT: [{ title: "路灯不亮（更正）" }, { categoryCode: "noise", urgency: "urgent" }],
  SIGN_WARNING: [{}],
  SIGN_OVERDUE: [{}],
  FIRST_RESPONSE_WARNING: [{}],
  FIRST_RESPONSE_OVERDUE: [{}],
  RESOLVE_WARNING: [{}],
  RESOLVE_OVERDUE: [{}],
  CALLBACK_OVERDUE: [{}],
};

function ev<T extends TicketEventType>(
  type: T,
  actor: Actor,
  payload: TicketEventPayloads[T],
  at: string = AT,
): TicketEvent {
  return makeEvent(type, actor, at, payload);
}

function samplesOf(type: TicketEventType, actor: Actor, at: string = AT): TicketEvent[] {
  const payloads: TicketEventPayloads[TicketEventType][] = SAMPLES[type];
  return payloads.map((p) => ({ ...p, type, actor, at }) as TicketEvent);
}

function ctx(overrides: Partial<TicketContext> = {}): TicketContext {
  return { ...initialContext(), ...overrides };
}

/**
 * A typical ticket in `state`, shaped so that the context guards of `type` pass:
 * the table test is about who may do what where; context guards have their own tests.
 */
function fixture(state: TicketState, type?: TicketEventType): TicketSnapshotData {
  const assigned = { departmentId: LEAD, coDepartmentIds: [CO], dispatchCount: 1 };
  switch (state) {
    case "registered":
      return { status: state, context: ctx() };
    case "dispatched":
      return { status: state, context: ctx(assigned) };
    case "processing":
      return {
        status: state,
        context: ctx({
          ...assigned,
          assistRepliedDepartmentIds: type === "ASSIST_REPLY" ? [] : [CO],
          pendingExtension:
            type === "APPROVE_EXTENSION" || type === "REJECT_EXTENSION"
              ? { until: "2024-06-10T10:00:00.000Z", reason: "勘查" }
              : null,
        }),
      };
    case "returnRequested":
      return { status: state, context: ctx({ ...assigned, returnFrom: "processing" }) };
    case "reviewing":
    case "callback":
      return { status: state, context: ctx({ ...assigned, assistRepliedDepartmentIds: [CO] }) };
    case "closed":
      return {
        status: state,
        context: ctx({
          ...assigned,
          assistRepliedDepartmentIds: [CO],
          closedAt: shift(AT, -DAY),
          lastRating: "satisfied",
          lastResolved: true,
        }),
      };
    case "merged":
      return { status: state, context: ctx({ mergedIntoId: 99 }) };
  }
}

function ok(result: TransitionResult): Extract<TransitionResult, { ok: true }> {
  if (!result.ok) throw new Error("expected the event to be accepted");
  return result;
}

/** Applies events in order, failing loudly on the first refusal. */
function run(start: TicketSnapshotData, events: TicketEvent[]): TicketSnapshotData {
  return events.reduce<TicketSnapshotData>((data, event) => {
    const result = applyEvent(data, event);
    if (!result.ok) throw new Error(`${event.type} refused in ${data.status}`);
    return { status: result.status, context: result.context };
  }, start);
}

// ─── The expected table (from DESIGN.md "Ticket lifecycle" and the role rules) ──

const OPEN: TicketState[] = [
  "registered",
  "dispatched",
  "processing",
  "returnRequested",
  "reviewing",
  "callback",
];

/** In which states each event is accepted (given a permitted actor and passing context guards). */
const WHERE: Record<TicketEventType, TicketState[]> = {
  ANSWER_DIRECTLY: ["registered"],
  DISPATCH: ["registered"],
  RECALL: ["dispatched"],
  SIGN: ["dispatched"],
  SUB_DISPATCH: ["processing"],
  REQUEST_RETURN: ["dispatched", "processing"],
  APPROVE_RETURN: ["returnRequested"],
  REJECT_RETURN: ["returnRequested"],
  FIRST_RESPONSE: ["processing"],
  REQUEST_EXTENSION: ["processing"],
  APPROVE_EXTENSION: ["processing"],
  REJECT_EXTENSION: ["processing"],
  ASSIST_REPLY: ["processing"],
  REPLY: ["processing"],
  APPROVE_REPLY: ["reviewing"],
  REJECT_REPLY: ["reviewing"],
  CALLBACK: ["callback"],
  REOPEN: ["closed"],
  SUPERVISE: OPEN,
  URGE: OPEN,
  MERGE: ["registered", "dispatched"],
  COMMENT: [...OPEN, "closed", "merged"],
  PUBLISH: [...OPEN, "closed", "merged"],
  CORRECT: OPEN,
  SIGN_WARNING: ["dispatched"],
  SIGN_OVERDUE: ["dispatched"],
  FIRST_RESPONSE_WARNING: ["dispatched", "processing", "returnRequested"],
  FIRST_RESPONSE_OVERDUE: ["dispatched", "processing", "returnRequested"],
  RESOLVE_WARNING: ["dispatched", "processing", "returnRequested", "reviewing"],
  RESOLVE_OVERDUE: ["dispatched", "processing", "returnRequested", "reviewing"],
  CALLBACK_OVERDUE: ["callback"],
};

/** Who may send each event (lead/co/sub/none are handlers by relation). */
const WHO: Record<TicketEventType, ActorKey[]> = {
  ANSWER_DIRECTLY: ["agent", "reviewer"],
  DISPATCH: ["agent", "reviewer"],
  RECALL: ["agent", "reviewer"],
  SIGN: ["lead"],
  SUB_DISPATCH: ["lead"],
  REQUEST_RETURN: ["lead"],
  APPROVE_RETURN: ["agent", "reviewer"],
  REJECT_RETURN: ["agent", "reviewer"],
  FIRST_RESPONSE: ["lead", "sub"],
  REQUEST_EXTENSION: ["lead"],
  APPROVE_EXTENSION: ["reviewer"],
  REJECT_EXTENSION: ["reviewer"],
  ASSIST_REPLY: ["co"],
  REPLY: ["lead"],
  APPROVE_REPLY: ["reviewer"],
  REJECT_REPLY: ["reviewer"],
  CALLBACK: ["agent", "reviewer"],
  REOPEN: ["agent", "reviewer"],
  SUPERVISE: ["manager", "system"],
  URGE: ["agent", "reviewer", "manager"],
  MERGE: ["agent", "reviewer"],
  COMMENT: ["agent", "reviewer", "manager", "admin", "lead", "co", "sub"],
  PUBLISH: ["agent", "reviewer"],
  CORRECT: ["agent", "reviewer"],
  SIGN_WARNING: ["system"],
  SIGN_OVERDUE: ["system"],
  FIRST_RESPONSE_WARNING: ["system"],
  FIRST_RESPONSE_OVERDUE: ["system"],
  RESOLVE_WARNING: ["system"],
  RESOLVE_OVERDUE: ["system"],
  CALLBACK_OVERDUE: ["system"],
};

/** Where each accepted event leads (from the fixture of that state); undefined = stays. */
const TARGET: Partial<Record<TicketEventType, Partial<Record<TicketState, TicketState[]>>>> = {
  ANSWER_DIRECTLY: { registered: ["closed"] },
  DISPATCH: { registered: ["dispatched"] },
  RECALL: { dispatched: ["registered"] },
  SIGN: { dispatched: ["processing"] },
  REQUEST_RETURN: { dispatched: ["returnRequested"], processing: ["returnRequested"] },
  APPROVE_RETURN: { returnRequested: ["registered", "dispatched"] },
  REJECT_RETURN: { returnRequested: ["processing"] },
  REPLY: { processing: ["reviewing"] },
  APPROVE_REPLY: { reviewing: ["callback"] },
  REJECT_REPLY: { reviewing: ["processing"] },
  CALLBACK: { callback: ["closed", "processing", "callback"] },
  REOPEN: { closed: ["processing"] },
  MERGE: { registered: ["merged"], dispatched: ["merged"] },
};

const expectedAllowed = (state: TicketState, type: TicketEventType, who: ActorKey): boolean =>
  WHERE[type].includes(state) && WHO[type].includes(who);

// ─── Tests ───────────────────────────────────────────────────────────────────

describe("constants", () => {
  it("partitions event types into user and timer events", () => {
    expect([...USER_EVENT_TYPES, ...TIMER_EVENT_TYPES].sort()).toEqual([...EVENT_TYPES].sort());
    expect(USER_EVENT_TYPES).toHaveLength(24);
    expect(OPEN_STATES).toEqual(OPEN);
    expect(REOPEN_WINDOW_DAYS).toBe(30);
    expect(MAX_APPROVED_EXTENSIONS).toBe(2);
    expect(UNREACHABLE_LIMIT).toBe(3);
  });

  it("labels every state and event in Chinese and English", () => {
    expect(Object.keys(STATE_LABELS).sort()).toEqual([...TICKET_STATES].sort());
    expect(Object.keys(EVENT_LABELS).sort()).toEqual([...EVENT_TYPES].sort());
    expect(STATE_LABELS.registered.zh).toBe("已受理");
    expect(STATE_LABELS.dispatched.zh).toBe("待签收");
    expect(STATE_LABELS.processing.zh).toBe("办理中");
    expect(STATE_LABELS.returnRequested.zh).toBe("退单审核");
    expect(STATE_LABELS.reviewing.zh).toBe("待审核");
    expect(STATE_LABELS.callback.zh).toBe("待回访");
    expect(STATE_LABELS.closed.zh).toBe("已办结");
    expect(STATE_LABELS.merged.zh).toBe("已合并");
    expect(EVENT_LABELS.SIGN.zh).toBe("签收");
    expect(EVENT_LABELS.DISPATCH.zh).toBe("派单");
    expect(EVENT_LABELS.REOPEN.zh).toBe("重办");
    expect(EVENT_LABELS.CALLBACK_OVERDUE.zh).toBe("回访超期");
    for (const label of [...Object.values(STATE_LABELS), ...Object.values(EVENT_LABELS)]) {
      expect(label.zh).toMatch(/\p{Script=Han}/u);
      expect(label.en.length).toBeGreaterThan(0);
    }
  });

  it("has a consistent expected table (sanity of the test itself)", () => {
    let cells = 0;
    for (const s of TICKET_STATES)
      for (const t of EVENT_TYPES)
        for (const a of ACTOR_KEYS) {
          if (expectedAllowed(s, t, a)) cells++;
        }
    // + PUBLISH: every state × agent, reviewer; + the first-response timers (3 states × 2) and the
    // resolution timers while dispatched (2), system only; + CORRECT: every open state × agent, reviewer.
    expect(cells).toBe(126 + 16 + 8 + 12);
  });
});

describe("state × event × actor table", () => {
  const cases = TICKET_STATES.flatMap((state) => EVENT_TYPES.map((type) => [state, type] as const));

  it.each(cases)("%s + %s", (state, type) => {
    const data = fixture(state, type);
    const expected = Object.fromEntries(ACTOR_KEYS.map((a) => [a, expectedAllowed(state, type, a)]));
    const results = Object.fromEntries(
      ACTOR_KEYS.map((a) => [a, samplesOf(type, ACTORS[a]).map((e) => applyEvent(data, e))]),
    );
    const actual = Object.fromEntries(ACTOR_KEYS.map((a) => [a, (results[a] ?? []).some((r) => r.ok)]));
    expect(actual).toEqual(expected);

    // Where the event is accepted, it leads where the table says.
    const targets = TARGET[type]?.[state] ?? [state];
    for (const r of Object.values(results).flat()) {
      if (r.ok) {
        expect(targets).toContain(r.status);
        expect(r.changed).toBe(r.status !== state);
      }
    }

    // allowedEvents answers the same question the same way.
    const listed = Object.fromEntries(
      ACTOR_KEYS.map((a) => [a, allowedEvents(data, ACTORS[a], AT).includes(type)]),
    );
    const timer = (TIMER_EVENT_TYPES as readonly string[]).includes(type);
    expect(listed).toEqual(timer ? Object.fromEntries(ACTOR_KEYS.map((a) => [a, false])) : expected);
  });
});

describe("allowedEvents agrees with applyEvent", () => {
  const contexts: [string, TicketSnapshotData][] = [
    ...TICKET_STATES.map((s) => [`${s} (typical)`, fixture(s)] as [string, TicketSnapshotData]),
    ["processing, extension pending", fixture("processing", "APPROVE_EXTENSION")],
    ["processing, co unit awaited", fixture("processing", "ASSIST_REPLY")],
    [
      "processing, extensions used up",
      { status: "processing", context: ctx({ departmentId: LEAD, approvedExtensions: 2 }) },
    ],
    ["processing, no co units", { status: "processing", context: ctx({ departmentId: LEAD }) }],
    [
      "returnRequested from dispatched",
      { status: "returnRequested", context: ctx({ departmentId: LEAD, returnFrom: "dispatched" }) },
    ],
    [
      "callback, two unreachable",
      { status: "callback", context: ctx({ departmentId: LEAD, unreachableCount: 2 }) },
    ],
    [
      "closed long ago",
      { status: "closed", context: ctx({ departmentId: LEAD, closedAt: shift(AT, -40 * DAY) }) },
    ],
    [
      "closed, answered directly",
      { status: "closed", context: ctx({ directlyAnswered: true, closedAt: AT }) },
    ],
    [
      "dispatched with sub unit",
      { status: "dispatched", context: ctx({ departmentId: LEAD, subDepartmentId: 12 }) },
    ],
  ];
  const cases = contexts.flatMap(([name, data]) => ACTOR_KEYS.map((a) => [name, a, data] as const));

  it.each(cases)("%s as %s", (_name, actorKey, data) => {
    const actor = ACTORS[actorKey];
    const listed = allowedEvents(data, actor, AT);
    for (const t of TIMER_EVENT_TYPES) expect(listed).not.toContain(t);
    for (const type of USER_EVENT_TYPES) {
      const accepted = samplesOf(type, actor).map((e) => applyEvent(data, e).ok);
      if (listed.includes(type))
        expect({ type, accepted: accepted.some(Boolean) }).toEqual({ type, accepted: true });
      else expect({ type, accepted: accepted.some(Boolean) }).toEqual({ type, accepted: false });
    }
    // Listed in EVENT_TYPES order, without duplicates.
    expect(listed).toEqual(USER_EVENT_TYPES.filter((t) => listed.includes(t)));
  });
});

describe("assignment", () => {
  const agent = ACTORS.agent;

  it("DISPATCH sets the lead and deduplicated co units, counts, and clears the previous round", () => {
    const start: TicketSnapshotData = {
      status: "registered",
      context: ctx({
        assistRepliedDepartmentIds: [5],
        subDepartmentId: 6,
        returnFrom: "processing",
        dispatchCount: 1,
        flags: {
          signWarning: true,
          signOverdue: true,
          firstResponseWarning: true,
          firstResponseOverdue: true,
          resolveWarning: true,
          resolveOverdue: true,
          callbackOverdue: false,
        },
      }),
    };
    const r = ok(
      applyEvent(start, ev("DISPATCH", agent, { departmentId: 20, coDepartmentIds: [21, 21, 20, 22] })),
    );
    expect(r.status).toBe("dispatched");
    expect(r.changed).toBe(true);
    expect(r.context.departmentId).toBe(20);
    expect(r.context.coDepartmentIds).toEqual([21, 22]);
    expect(r.context.assistRepliedDepartmentIds).toEqual([]);
    expect(r.context.subDepartmentId).toBeNull();
    expect(r.context.returnFrom).toBeNull();
    expect(r.context.dispatchCount).toBe(2);
    expect(Object.values(r.context.flags)).toEqual([false, false, false, false, false, false, false]);
  });

  it("a new assignment or a return to intake drops a pending extension request", () => {
    const pending = { until: "2024-06-10T10:00:00.000Z", reason: "勘查" };
    const back = {
      status: "returnRequested" as const,
      context: { ...fixture("returnRequested").context, pendingExtension: pending },
    };
    expect(ok(applyEvent(back, ev("APPROVE_RETURN", agent, {}))).context.pendingExtension).toBeNull();
    expect(
      ok(applyEvent(back, ev("APPROVE_RETURN", agent, { departmentId: 20 }))).context.pendingExtension,
    ).toBeNull();
    const rejected = ok(applyEvent(back, ev("REJECT_RETURN", agent, { reason: "x" })));
    expect(rejected.context.pendingExtension).toEqual(pending);
  });

  it("DISPATCH without a valid department is refused", () => {
    const bad = [{ departmentId: 0 }, { departmentId: 1.5 }, { departmentId: 3, coDepartmentIds: [-1] }];
    for (const p of bad) expect(applyEvent(fixture("registered"), ev("DISPATCH", agent, p)).ok).toBe(false);
  });

  it("RECALL returns the ticket to intake without any department", () => {
    const r = ok(applyEvent(fixture("dispatched"), ev("RECALL", agent, { reason: "派错" })));
    expect(r.status).toBe("registered");
    expect(r.context.departmentId).toBeNull();
    expect(r.context.coDepartmentIds).toEqual([]);
    expect(r.context.subDepartmentId).toBeNull();
  });

  it("SUB_DISPATCH passes work to another unit, never to the lead itself", () => {
    const data = fixture("processing");
    expect(applyEvent(data, ev("SUB_DISPATCH", ACTORS.lead, { departmentId: LEAD })).ok).toBe(false);
    const r = ok(applyEvent(data, ev("SUB_DISPATCH", ACTORS.lead, { departmentId: 12 })));
    expect(r.status).toBe("processing");
    expect(r.context.subDepartmentId).toBe(12);
    expect(r.context.departmentId).toBe(LEAD);
    // The sub unit may then give the first response, but not reply.
    const after = { status: r.status, context: r.context };
    expect(applyEvent(after, ev("FIRST_RESPONSE", ACTORS.sub, { note: "已联系" })).ok).toBe(true);
    expect(applyEvent(after, ev("REPLY", ACTORS.sub, { result: "x", outcome: "resolved" })).ok).toBe(false);
  });

  it("ANSWER_DIRECTLY closes at once", () => {
    const r = ok(
      applyEvent(fixture("registered"), ev("ANSWER_DIRECTLY", agent, { answer: "政策咨询已答复" })),
    );
    expect(r.status).toBe("closed");
    expect(r.context.directlyAnswered).toBe(true);
    expect(r.context.closedAt).toBe(AT);
  });
});

describe("returns (退单)", () => {
  const { agent, lead } = ACTORS;

  it.each(["dispatched", "processing"] as const)(
    "REJECT_RETURN goes back to %s, where it came from",
    (origin) => {
      const requested = ok(applyEvent(fixture(origin), ev("REQUEST_RETURN", lead, { reason: "非本单位" })));
      expect(requested.status).toBe("returnRequested");
      expect(requested.context.returnFrom).toBe(origin);
      const rejected = ok(
        applyEvent(
          { status: "returnRequested", context: requested.context },
          ev("REJECT_RETURN", agent, { reason: "属于本单位" }),
        ),
      );
      expect(rejected.status).toBe(origin);
      expect(rejected.context.returnFrom).toBeNull();
      expect(rejected.context.departmentId).toBe(LEAD);
    },
  );

  it("REJECT_RETURN without a known origin is refused", () => {
    const data: TicketSnapshotData = { status: "returnRequested", context: ctx({ departmentId: LEAD }) };
    expect(applyEvent(data, ev("REJECT_RETURN", agent, { reason: "x" })).ok).toBe(false);
  });

  it("APPROVE_RETURN without a department sends the ticket back to intake", () => {
    const r = ok(applyEvent(fixture("returnRequested"), ev("APPROVE_RETURN", agent, {})));
    expect(r.status).toBe("registered");
    expect(r.context.departmentId).toBeNull();
    expect(r.context.coDepartmentIds).toEqual([]);
    expect(r.context.returnFrom).toBeNull();
    expect(r.context.dispatchCount).toBe(1);
  });

  it("APPROVE_RETURN with a department re-dispatches (转办) with fresh deadlines", () => {
    const data = fixture("returnRequested");
    data.context.flags = { ...data.context.flags, signOverdue: true, resolveWarning: true };
    const r = ok(
      applyEvent(data, ev("APPROVE_RETURN", agent, { departmentId: 20, coDepartmentIds: [20, 21] })),
    );
    expect(r.status).toBe("dispatched");
    expect(r.context.departmentId).toBe(20);
    expect(r.context.coDepartmentIds).toEqual([21]);
    expect(r.context.dispatchCount).toBe(2);
    expect(r.context.returnFrom).toBeNull();
    expect(Object.values(r.context.flags).some(Boolean)).toBe(false);
  });

  it("APPROVE_RETURN with an invalid department is refused rather than guessed", () => {
    expect(applyEvent(fixture("returnRequested"), ev("APPROVE_RETURN", agent, { departmentId: -3 })).ok).toBe(
      false,
    );
    expect(
      applyEvent(fixture("returnRequested"), ev("APPROVE_RETURN", agent, { coDepartmentIds: [21] })).ok,
    ).toBe(false);
    const nullDept = { ...ev("APPROVE_RETURN", agent, {}), departmentId: null } as unknown as TicketEvent;
    expect(ok(applyEvent(fixture("returnRequested"), nullDept)).status).toBe("registered");
  });
});

describe("extensions (延期)", () => {
  const { lead, reviewer } = ACTORS;
  const request = ev("REQUEST_EXTENSION", lead, { until: "2024-06-10T10:00:00.000Z", reason: "勘查" });

  it("allows one pending request at a time", () => {
    const r = ok(applyEvent(fixture("processing"), request));
    expect(r.context.pendingExtension).toEqual({ until: "2024-06-10T10:00:00.000Z", reason: "勘查" });
    expect(applyEvent({ status: "processing", context: r.context }, request).ok).toBe(false);
  });

  it("approval counts, clears the request and the resolution flags", () => {
    const data = fixture("processing", "APPROVE_EXTENSION");
    data.context.flags = {
      ...data.context.flags,
      resolveWarning: true,
      resolveOverdue: true,
      signOverdue: true,
    };
    const r = ok(applyEvent(data, ev("APPROVE_EXTENSION", reviewer, {})));
    expect(r.status).toBe("processing");
    expect(r.context.pendingExtension).toBeNull();
    expect(r.context.approvedExtensions).toBe(1);
    expect(r.context.flags).toMatchObject({
      resolveWarning: false,
      resolveOverdue: false,
      signOverdue: true,
    });
  });

  it("rejection clears the request without counting", () => {
    const r = ok(
      applyEvent(
        fixture("processing", "REJECT_EXTENSION"),
        ev("REJECT_EXTENSION", reviewer, { reason: "不同意" }),
      ),
    );
    expect(r.context.pendingExtension).toBeNull();
    expect(r.context.approvedExtensions).toBe(0);
  });

  it("approve/reject need a pending request", () => {
    const data = fixture("processing");
    expect(applyEvent(data, ev("APPROVE_EXTENSION", reviewer, {})).ok).toBe(false);
    expect(applyEvent(data, ev("REJECT_EXTENSION", reviewer, {})).ok).toBe(false);
  });

  it("at most two approved extensions per ticket", () => {
    let data = fixture("processing");
    for (let i = 0; i < MAX_APPROVED_EXTENSIONS; i++) {
      data = run(data, [request, ev("APPROVE_EXTENSION", reviewer, {})]);
    }
    expect(data.context.approvedExtensions).toBe(2);
    expect(applyEvent(data, request).ok).toBe(false);
    expect(allowedEvents(data, lead, AT)).not.toContain("REQUEST_EXTENSION");
    // One below the limit it is still possible.
    const one = { status: data.status, context: { ...data.context, approvedExtensions: 1 } };
    expect(applyEvent(one, request).ok).toBe(true);
  });
});

describe("co-handling (协办) and reply", () => {
  const { lead } = ACTORS;
  const co = (id: number): Actor => ({
    role: "handler",
    userId: 60 + id,
    relation: "co",
    coDepartmentId: id,
  });
  const reply = ev("REPLY", lead, { result: "已处理", outcome: "resolved" });
  const twoCo: TicketSnapshotData = {
    status: "processing",
    context: ctx({ departmentId: LEAD, coDepartmentIds: [11, 12], dispatchCount: 1 }),
  };

  it("the lead may reply only after every co unit has replied", () => {
    expect(applyEvent(twoCo, reply).ok).toBe(false);
    expect(allowedEvents(twoCo, lead, AT)).not.toContain("REPLY");
    const one = run(twoCo, [ev("ASSIST_REPLY", co(11), { note: "意见" })]);
    expect(one.context.assistRepliedDepartmentIds).toEqual([11]);
    expect(applyEvent(one, reply).ok).toBe(false);
    const both = run(one, [ev("ASSIST_REPLY", co(12), { note: "意见" })]);
    expect(ok(applyEvent(both, reply)).status).toBe("reviewing");
  });

  it("a co unit replies once, and only a co unit of this ticket", () => {
    const one = run(twoCo, [ev("ASSIST_REPLY", co(11), { note: "意见" })]);
    expect(applyEvent(one, ev("ASSIST_REPLY", co(11), { note: "again" })).ok).toBe(false);
    expect(applyEvent(twoCo, ev("ASSIST_REPLY", co(13), { note: "x" })).ok).toBe(false);
    const noId: Actor = { role: "handler", userId: 9, relation: "co" };
    expect(applyEvent(twoCo, ev("ASSIST_REPLY", noId, { note: "x" })).ok).toBe(false);
  });

  it("a ticket without co units can be replied to at once", () => {
    const data: TicketSnapshotData = { status: "processing", context: ctx({ departmentId: LEAD }) };
    expect(applyEvent(data, reply).ok).toBe(true);
  });

  it("REPLY needs a known outcome", () => {
    const bad = { ...reply, outcome: "done" } as unknown as TicketEvent;
    expect(applyEvent(fixture("processing"), bad).ok).toBe(false);
  });

  it("REJECT_REPLY sends the ticket back to processing and keeps the co replies", () => {
    const r = ok(applyEvent(fixture("reviewing"), ev("REJECT_REPLY", ACTORS.reviewer, { reason: "不完整" })));
    expect(r.status).toBe("processing");
    expect(r.context.assistRepliedDepartmentIds).toEqual([CO]);
  });

  it("FIRST_RESPONSE may be repeated and changes nothing", () => {
    const data = fixture("processing");
    const once = run(data, [
      ev("FIRST_RESPONSE", lead, { note: "1" }),
      ev("FIRST_RESPONSE", lead, { note: "2" }),
    ]);
    expect(once).toEqual(data);
  });
});

describe("callback (回访)", () => {
  const { agent } = ACTORS;
  const cb = (payload: TicketEventPayloads["CALLBACK"], at: string = AT) =>
    ev("CALLBACK", agent, payload, at);

  it.each(["satisfied", "basically_satisfied"] as const)("%s closes with the rating", (rating) => {
    const r = ok(applyEvent(fixture("callback"), cb({ rating, resolved: true })));
    expect(r.status).toBe("closed");
    expect(r.context.closedAt).toBe(AT);
    expect(r.context.lastRating).toBe(rating);
    expect(r.context.lastResolved).toBe(true);
  });

  it("a rated callback needs `resolved`", () => {
    for (const rating of ["satisfied", "basically_satisfied", "dissatisfied"] as const) {
      expect(applyEvent(fixture("callback"), cb({ rating })).ok).toBe(false);
    }
    expect(
      applyEvent(fixture("callback"), cb({ rating: "great" } as unknown as { rating: "satisfied" })).ok,
    ).toBe(false);
  });

  it("dissatisfied reopens to the same department; twice raises supervision to ≥ 2", () => {
    const data = fixture("callback");
    data.context.flags = {
      ...data.context.flags,
      resolveOverdue: true,
      resolveWarning: true,
      signOverdue: true,
    };
    const first = ok(applyEvent(data, cb({ rating: "dissatisfied", resolved: false })));
    expect(first.status).toBe("processing");
    expect(first.context.reopenCount).toBe(1);
    expect(first.context.supervisionLevel).toBe(0);
    expect(first.context.departmentId).toBe(LEAD);
    expect(first.context.lastRating).toBe("dissatisfied");
    expect(first.context.lastResolved).toBe(false);
    expect(first.context.assistRepliedDepartmentIds).toEqual([]);
    expect(first.context.flags).toMatchObject({
      resolveOverdue: false,
      resolveWarning: false,
      signOverdue: true,
    });

    // Co unit must assist again before the next reply.
    const again = run({ status: first.status, context: first.context }, [
      ev("ASSIST_REPLY", ACTORS.co, { note: "再次意见" }),
      ev("REPLY", ACTORS.lead, { result: "重办", outcome: "resolved" }),
      ev("APPROVE_REPLY", ACTORS.reviewer, {}),
    ]);
    const second = ok(applyEvent(again, cb({ rating: "dissatisfied", resolved: false })));
    expect(second.context.reopenCount).toBe(2);
    expect(second.context.supervisionLevel).toBe(2);
  });

  it("dissatisfied starts a fresh callback round: unreachable count and callback flag reset", () => {
    const data = fixture("callback");
    data.context.unreachableCount = 2;
    data.context.flags = { ...data.context.flags, callbackOverdue: true };
    const r = ok(applyEvent(data, cb({ rating: "dissatisfied", resolved: false })));
    expect(r.context.unreachableCount).toBe(0);
    expect(r.context.flags.callbackOverdue).toBe(false);
  });

  it("reopen supervision never lowers a higher level", () => {
    const data = fixture("callback");
    data.context.reopenCount = 1;
    data.context.supervisionLevel = 3;
    expect(
      ok(applyEvent(data, cb({ rating: "dissatisfied", resolved: false }))).context.supervisionLevel,
    ).toBe(3);
  });

  it("three unreachable callbacks close the ticket without a rating", () => {
    let data = fixture("callback");
    for (let i = 1; i < UNREACHABLE_LIMIT; i++) {
      const r = ok(applyEvent(data, cb({ rating: "unreachable" })));
      expect(r.status).toBe("callback");
      expect(r.changed).toBe(false);
      expect(r.context.unreachableCount).toBe(i);
      data = { status: r.status, context: r.context };
    }
    const last = ok(applyEvent(data, cb({ rating: "unreachable" }, shift(AT, DAY))));
    expect(last.status).toBe("closed");
    expect(last.context.unreachableCount).toBe(3);
    expect(last.context.closedAt).toBe(shift(AT, DAY));
    expect(last.context.lastRating).toBeNull();
    expect(last.context.lastResolved).toBeNull();
  });

  it("unreachable keeps a rating from an earlier round", () => {
    const data = fixture("callback");
    data.context.lastRating = "dissatisfied";
    data.context.unreachableCount = 2;
    const r = ok(applyEvent(data, cb({ rating: "unreachable" })));
    expect(r.status).toBe("closed");
    expect(r.context.lastRating).toBe("dissatisfied");
  });
});

describe("reopen (重办)", () => {
  const { agent } = ACTORS;
  const reopen = (at: string) => ev("REOPEN", agent, { reason: "再次投诉" }, at);
  const closedAt = "2024-05-01T10:00:00.000Z";
  const closed: TicketSnapshotData = {
    status: "closed",
    context: ctx({
      departmentId: LEAD,
      closedAt,
      reopenCount: 1,
      assistRepliedDepartmentIds: [CO],
      coDepartmentIds: [CO],
    }),
  };

  it("works within the window, to the same department, counting and supervising", () => {
    const r = ok(applyEvent(closed, reopen(shift(closedAt, REOPEN_WINDOW_DAYS * DAY))));
    expect(r.status).toBe("processing");
    expect(r.context.departmentId).toBe(LEAD);
    expect(r.context.reopenCount).toBe(2);
    expect(r.context.supervisionLevel).toBe(2);
    expect(r.context.closedAt).toBeNull();
    expect(r.context.assistRepliedDepartmentIds).toEqual([]);
  });

  it("clears the callback-overdue flag and the unreachable count of the closed round", () => {
    const data: TicketSnapshotData = {
      status: "closed",
      context: {
        ...closed.context,
        unreachableCount: 3,
        flags: { ...closed.context.flags, callbackOverdue: true },
      },
    };
    const r = ok(applyEvent(data, reopen(shift(closedAt, DAY))));
    expect(r.context.unreachableCount).toBe(0);
    expect(r.context.flags.callbackOverdue).toBe(false);
  });

  it("is refused after the window", () => {
    const late = shift(closedAt, REOPEN_WINDOW_DAYS * DAY + 1);
    expect(applyEvent(closed, reopen(late)).ok).toBe(false);
    expect(allowedEvents(closed, agent, late)).not.toContain("REOPEN");
    expect(allowedEvents(closed, agent, shift(closedAt, DAY))).toContain("REOPEN");
  });

  it("is refused for a directly answered ticket", () => {
    const direct = run(fixture("registered"), [ev("ANSWER_DIRECTLY", agent, { answer: "已答复" })]);
    expect(direct.status).toBe("closed");
    expect(applyEvent(direct, reopen(AT)).ok).toBe(false);
    expect(allowedEvents(direct, agent, AT)).toEqual(["COMMENT", "PUBLISH"]);
  });

  it("is refused for an unparseable time", () => {
    expect(applyEvent(closed, reopen("not a date")).ok).toBe(false);
  });
});

describe("timer events", () => {
  const OWN: Record<
    (typeof TIMER_EVENT_TYPES)[number],
    { states: TicketState[]; flag: keyof TicketContext["flags"] }
  > = {
    SIGN_WARNING: { states: ["dispatched"], flag: "signWarning" },
    SIGN_OVERDUE: { states: ["dispatched"], flag: "signOverdue" },
    FIRST_RESPONSE_WARNING: {
      states: ["dispatched", "processing", "returnRequested"],
      flag: "firstResponseWarning",
    },
    FIRST_RESPONSE_OVERDUE: {
      states: ["dispatched", "processing", "returnRequested"],
      flag: "firstResponseOverdue",
    },
    RESOLVE_WARNING: {
      states: ["dispatched", "processing", "returnRequested", "reviewing"],
      flag: "resolveWarning",
    },
    RESOLVE_OVERDUE: {
      states: ["dispatched", "processing", "returnRequested", "reviewing"],
      flag: "resolveOverdue",
    },
    CALLBACK_OVERDUE: { states: ["callback"], flag: "callbackOverdue" },
  };
  const cases = TIMER_EVENT_TYPES.flatMap((t) => TICKET_STATES.map((s) => [t, s] as const));

  it.each(cases)("%s in %s sets only its flag, never the state", (type, state) => {
    const data = fixture(state);
    const r = applyEvent(data, ev(type, ACTORS.system, {}));
    expect(r.ok).toBe(OWN[type].states.includes(state));
    if (r.ok) {
      expect(r.status).toBe(state);
      expect(r.changed).toBe(false);
      expect(r.context).toEqual({
        ...data.context,
        flags: { ...data.context.flags, [OWN[type].flag]: true },
      });
      // Idempotent.
      expect(
        ok(applyEvent({ status: r.status, context: r.context }, ev(type, ACTORS.system, {}))).context,
      ).toEqual(r.context);
    }
  });

  it("timer events come from the system only", () => {
    for (const a of ACTOR_KEYS.filter((k) => k !== "system")) {
      expect(applyEvent(fixture("dispatched"), ev("SIGN_OVERDUE", ACTORS[a], {})).ok).toBe(false);
    }
  });
});

describe("supervision, urging, merging, comments", () => {
  const { manager, system, agent, admin } = ACTORS;

  it("SUPERVISE keeps the highest level", () => {
    const data = run(fixture("processing"), [
      ev("SUPERVISE", manager, { level: 2, note: "督办" }),
      ev("SUPERVISE", system, { level: 1, note: "超期" }),
    ]);
    expect(data.status).toBe("processing");
    expect(data.context.supervisionLevel).toBe(2);
    expect(run(data, [ev("SUPERVISE", manager, { level: 3, note: "x" })]).context.supervisionLevel).toBe(3);
  });

  it("SUPERVISE levels outside 1–3 are refused", () => {
    for (const level of [0, 4, 1.5, -1]) {
      const e = { ...ev("SUPERVISE", manager, { level: 1, note: "" }), level } as unknown as TicketEvent;
      expect(applyEvent(fixture("processing"), e).ok).toBe(false);
    }
  });

  it.each(OPEN)("SUPERVISE and URGE work in open state %s and keep it", (state) => {
    const r = ok(applyEvent(fixture(state), ev("URGE", manager, { note: "催" })));
    expect(r.status).toBe(state);
    expect(r.context.urgeCount).toBe(1);
    expect(ok(applyEvent(fixture(state), ev("SUPERVISE", system, { level: 1, note: "" }))).status).toBe(
      state,
    );
  });

  it.each(["closed", "merged"] as const)("SUPERVISE and URGE are refused in %s", (state) => {
    expect(applyEvent(fixture(state), ev("URGE", agent, { note: "" })).ok).toBe(false);
    expect(applyEvent(fixture(state), ev("SUPERVISE", manager, { level: 1, note: "" })).ok).toBe(false);
  });

  it("MERGE only from registered or dispatched, recording the target", () => {
    for (const state of TICKET_STATES) {
      const r = applyEvent(fixture(state), ev("MERGE", agent, { intoTicketId: 77 }));
      expect(r.ok).toBe(state === "registered" || state === "dispatched");
      if (r.ok) {
        expect(r.status).toBe("merged");
        expect(r.context.mergedIntoId).toBe(77);
      }
    }
    expect(applyEvent(fixture("registered"), ev("MERGE", agent, { intoTicketId: 0 })).ok).toBe(false);
  });

  it("COMMENT works everywhere, changes nothing", () => {
    for (const state of TICKET_STATES) {
      const data = fixture(state);
      const r = ok(applyEvent(data, ev("COMMENT", admin, { note: "备注" })));
      expect(r).toEqual({ ok: true, status: state, context: data.context, changed: false });
    }
  });
});

describe("applyEvent", () => {
  it("is pure: the stored data is not modified", () => {
    const data = fixture("callback");
    const frozen = structuredClone(data);
    const deepFreeze = (o: object): void => {
      Object.freeze(o);
      for (const v of Object.values(o)) if (typeof v === "object" && v !== null) deepFreeze(v);
    };
    deepFreeze(data);
    ok(applyEvent(data, ev("CALLBACK", ACTORS.agent, { rating: "dissatisfied", resolved: false })));
    ok(applyEvent(data, ev("CALLBACK_OVERDUE", ACTORS.system, {})));
    expect(data).toEqual(frozen);
  });

  it("refuses unknown events, unknown states and malformed events", () => {
    const unknown = { type: "FLY", actor: ACTORS.agent, at: AT } as unknown as TicketEvent;
    expect(applyEvent(fixture("registered"), unknown)).toEqual({ ok: false, reason: "not_allowed" });
    const badState = { status: "lost", context: initialContext() } as unknown as TicketSnapshotData;
    expect(applyEvent(badState, ev("COMMENT", ACTORS.agent, { note: "" })).ok).toBe(false);
    const noActor = { type: "COMMENT", at: AT, note: "" } as unknown as TicketEvent;
    expect(applyEvent(fixture("registered"), noActor).ok).toBe(false);
  });

  it("fills fields missing from an older stored context", () => {
    const { urgeCount: _u, flags: _f, ...old } = initialContext();
    const data = { status: "registered", context: old } as unknown as TicketSnapshotData;
    const r = ok(applyEvent(data, ev("URGE", ACTORS.agent, { note: "" })));
    expect(r.context.urgeCount).toBe(1);
    expect(r.context.flags.signWarning).toBe(false);
  });

  it("the machine runs as an actor with its context from input", () => {
    const actor = createActor(ticketMachine, { input: { reopenCount: 1 } }).start();
    actor.send(ev("DISPATCH", ACTORS.agent, { departmentId: 20 }));
    expect(actor.getSnapshot().value).toBe("dispatched");
    expect(actor.getSnapshot().context).toMatchObject({ departmentId: 20, reopenCount: 1, dispatchCount: 1 });
    actor.stop();
  });
});

describe("a full life", () => {
  it("create → dispatch → sign → reply → approve → dissatisfied → reply → approve → satisfied → closed", () => {
    const { agent, reviewer, lead } = ACTORS;
    let t = Date.parse(AT);
    const at = () => {
      t += 60 * 60 * 1000;
      return new Date(t).toISOString();
    };
    const reply = () => ev("REPLY", lead, { result: "已处理", outcome: "resolved" }, at());

    let data: TicketSnapshotData = { status: "registered", context: initialContext() };
    const steps: [TicketEvent, TicketState][] = [
      [ev("DISPATCH", agent, { departmentId: LEAD }, at()), "dispatched"],
      [ev("SIGN", lead, {}, at()), "processing"],
      [reply(), "reviewing"],
      [ev("APPROVE_REPLY", reviewer, {}, at()), "callback"],
      [ev("CALLBACK", agent, { rating: "dissatisfied", resolved: false }, at()), "processing"],
      [reply(), "reviewing"],
      [ev("APPROVE_REPLY", reviewer, {}, at()), "callback"],
      [ev("CALLBACK", agent, { rating: "satisfied", resolved: true }, at()), "closed"],
    ];
    for (const [event, expected] of steps) {
      expect(allowedEvents(data, event.actor, event.at)).toContain(event.type);
      const r = ok(applyEvent(data, event));
      expect(r.status).toBe(expected);
      data = { status: r.status, context: r.context };
    }
    expect(data.context).toMatchObject({
      departmentId: LEAD,
      dispatchCount: 1,
      reopenCount: 1,
      supervisionLevel: 0,
      lastRating: "satisfied",
      lastResolved: true,
      closedAt: steps[7]?.[0].at,
      directlyAnswered: false,
    });
  });
});

describe("properties", () => {
  const RANDOM_ACTORS: Actor[] = [
    ...Object.values(ACTORS),
    { role: "handler", userId: 60, relation: "co", coDepartmentId: 21 },
  ];
  const step = fc.record({
    actor: fc.constantFrom(...RANDOM_ACTORS),
    type: fc.constantFrom(...EVENT_TYPES),
    sample: fc.nat(),
    // Up to 40 days between events, so the reopen window is crossed both ways.
    gapMs: fc.integer({ min: 0, max: 40 * DAY }),
  });

  it("random event sequences keep the machine in its states and honour the terminal states", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let data: TicketSnapshotData = { status: "registered", context: initialContext() };
        let t = Date.parse(AT);
        for (const s of steps) {
          t += s.gapMs;
          const samples = samplesOf(s.type, s.actor, new Date(t).toISOString());
          const event = samples[s.sample % samples.length];
          if (!event) throw new Error("no sample");
          const r = applyEvent(data, event);
          const listed = allowedEvents(data, s.actor, event.at);
          if (r.ok && (USER_EVENT_TYPES as string[]).includes(s.type)) expect(listed).toContain(s.type);
          if (!r.ok) continue;

          expect(TICKET_STATES).toContain(r.status);
          if (data.status === "merged") {
            expect(["COMMENT", "PUBLISH"]).toContain(s.type);
            expect(r.status).toBe("merged");
          }
          if (data.status === "closed") {
            expect(["COMMENT", "PUBLISH", "REOPEN"]).toContain(s.type);
            expect(r.status).toBe(s.type === "REOPEN" ? "processing" : "closed");
          }
          if ((TIMER_EVENT_TYPES as readonly string[]).includes(s.type)) expect(r.status).toBe(data.status);
          expect(r.changed).toBe(r.status !== data.status);

          const c = r.context;
          expect(c.closedAt !== null).toBe(r.status === "closed");
          expect(c.mergedIntoId !== null).toBe(r.status === "merged");
          expect(c.approvedExtensions).toBeLessThanOrEqual(MAX_APPROVED_EXTENSIONS);
          expect(c.unreachableCount).toBeLessThanOrEqual(UNREACHABLE_LIMIT);
          expect(c.supervisionLevel).toBeGreaterThanOrEqual(data.context.supervisionLevel);
          expect(c.supervisionLevel).toBeLessThanOrEqual(3);
          if (c.reopenCount >= 2) expect(c.supervisionLevel).toBeGreaterThanOrEqual(2);
          if (c.departmentId !== null) expect(c.coDepartmentIds).not.toContain(c.departmentId);
          expect(c.returnFrom !== null).toBe(r.status === "returnRequested");
          if (["dispatched", "processing", "returnRequested", "reviewing", "callback"].includes(r.status)) {
            expect(c.departmentId).not.toBeNull();
          }
          data = { status: r.status, context: c };
        }
      }),
      { numRuns: 400 },
    );
  });
});
