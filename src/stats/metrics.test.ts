import { describe, expect, it } from "vitest";
import { DUE_RUNNING_STATES } from "../tickets/deadline-state.ts";
import { foldHistory, type HistoryEvent } from "../tickets/history.ts";
import {
  computeFigures,
  dayOf,
  dispatchFacts,
  emptyCounters,
  type Figures,
  figures,
  liveContribution,
  repliedOnTime,
  ticketFact,
} from "./metrics.ts";
import { asRows, DEPT, TEST_ENV } from "./testing.ts";

// Hand-made ticket histories. Intake Monday 2025-03-03 09:00 (centre time); the test planner
// gives sign-by +4 h, due +5 days (120 h), call back +2 days from each dispatch.
const T0 = Date.parse("2025-03-03T09:00:00+08:00");
const H = 3_600_000;
type Step = [type: string, hours: number, role: HistoryEvent["actorRole"], payload?: Record<string, unknown>];

function ticket(steps: Step[]) {
  return foldHistory(
    {
      createdAt: new Date(T0).toISOString(),
      channel: "phone",
      categoryCode: "noise",
      urgency: "normal",
      events: steps.map(([type, h, actorRole, payload]) => ({
        type,
        at: new Date(T0 + h * H).toISOString(),
        actorRole,
        payload: payload ?? {},
      })),
    },
    TEST_ENV,
  );
}

const dispatch = (h: number, dept = "water", extra: Record<string, unknown> = {}): Step => [
  "DISPATCH",
  h,
  "agent",
  { departmentCode: dept, ...extra },
];
const sign = (h: number): Step => ["SIGN", h, "handler"];
const reply = (h: number): Step => ["REPLY", h, "handler", { result: "done", outcome: "resolved" }];
const approve = (h: number): Step => ["APPROVE_REPLY", h, "reviewer"];
const callback = (h: number, rating: string, resolved?: boolean): Step => [
  "CALLBACK",
  h,
  "agent",
  resolved === undefined ? { rating } : { rating, resolved },
];
/** Dispatched at +0.5 h, signed at +1 h, replied and approved at +`replyAt` h. */
const handled = (replyAt: number): Step[] => [dispatch(0.5), sign(1), reply(replyAt - 0.5), approve(replyAt)];

const HISTORIES = {
  direct: [["ANSWER_DIRECTLY", 0.1, "agent", { answer: "explained on the call" }]] as Step[],
  onTime: [...handled(24), callback(30, "satisfied", true)],
  /** The first approved reply comes after the deadline (+0.5 h + 120 h). */
  late: [...handled(130), callback(131, "basically_satisfied", true)],
  /** Extended by 5 days, then replied after the original but before the new deadline. */
  extended: [
    dispatch(0.5),
    sign(1),
    [
      "REQUEST_EXTENSION",
      100,
      "handler",
      { until: new Date(T0 + 240 * H).toISOString(), reason: "site visit" },
    ],
    ["APPROVE_EXTENSION", 101, "reviewer"],
    reply(199),
    approve(200),
    callback(201, "satisfied", true),
  ] as Step[],
  /** Returned unsigned within the sign window, re-dispatched to the right unit. */
  returnedEarly: [
    dispatch(0.5, "power"),
    ["REQUEST_RETURN", 2, "handler", { reason: "not ours" }],
    ["APPROVE_RETURN", 3, "agent", { departmentCode: "water" }],
    sign(4),
    reply(20),
    approve(21),
    callback(22, "satisfied", true),
  ] as Step[],
  /** Returned unsigned after its sign-by: judged late for the first unit. */
  returnedLate: [
    dispatch(0.5, "power"),
    ["REQUEST_RETURN", 6, "handler", { reason: "not ours" }],
    ["APPROVE_RETURN", 7, "agent", { departmentCode: "water" }],
    sign(8),
    reply(20),
    approve(21),
    callback(22, "satisfied", true),
  ] as Step[],
  coHandled: [
    dispatch(0.5, "water", { coDepartmentCodes: ["power"] }),
    sign(1),
    ["ASSIST_REPLY", 10, "handler", { departmentCode: "power", note: "pipes fine" }],
    reply(11),
    approve(12),
    callback(13, "satisfied", true),
  ] as Step[],
  unreachable3: [
    ...handled(24),
    callback(30, "unreachable"),
    callback(40, "unreachable"),
    callback(50, "unreachable"),
  ],
  merged: [["MERGE", 0.2, "agent", { intoTicketId: 1 }]] as Step[],
  /** Still being handled, deadline long gone. */
  openPastDue: [dispatch(0.5), sign(1)],
  /** Replied on time, waiting for the callback past the deadline. */
  openRepliedOnTime: [...handled(24)],
  /** Dissatisfied, redone, then satisfied: the latest rating counts; reopened once. */
  redone: [
    ...handled(24),
    callback(30, "dissatisfied", false),
    reply(40),
    approve(41),
    callback(42, "satisfied", true),
  ],
  /** Dissatisfied and being redone right now. */
  redoing: [...handled(24), callback(30, "dissatisfied", false)],
  /** Closed, then the citizen complained again and it closed again. */
  reopened: [
    ...handled(24),
    callback(30, "satisfied", true),
    ["REOPEN", 48, "agent", { reason: "again" }],
    reply(60),
    approve(61),
    callback(62, "basically_satisfied", false),
  ] as Step[],
  signedLate: [dispatch(0.5), sign(6), reply(20), approve(21), callback(22, "satisfied", true)],
  /** Dispatched, never signed. */
  unsigned: [dispatch(0.5)],
} satisfies Record<string, Step[]>;

type Name = keyof typeof HISTORIES;
const LATER = new Date(T0 + 30 * 24 * H); // every deadline has passed
const SOON = new Date(T0 + 2 * H); // before any deadline

function figuresOf(names: Name[], now = LATER): Figures {
  return computeFigures(
    names.map((n, i) => asRows(i + 1, ticket(HISTORIES[n]))),
    now,
  );
}

describe("one ticket at a time", () => {
  const cases: Array<[Name, Partial<Figures>, Date?]> = [
    [
      "direct",
      { received: 1, closed: 1, onTimeRate: 1, responseRate: null, returnRate: null, satisfactionRate: null },
    ],
    [
      "onTime",
      {
        closed: 1,
        onTimeRate: 1,
        responseRate: 1,
        satisfactionRate: 1,
        satisfactionScore: 100,
        resolutionRate: 1,
      },
    ],
    ["late", { onTimeRate: 0, satisfactionRate: 1, satisfactionScore: 80 }],
    ["extended", { onTimeRate: 1 }],
    // Two lead dispatches, one returned: return rate 1/2; the early-returned one is not judged.
    ["returnedEarly", { returnRate: 0.5, responseRate: 1, onTimeRate: 1 }],
    ["returnedLate", { returnRate: 0.5, responseRate: 0.5 }],
    // The co-handling unit's dispatch is not counted: one dispatch, signed on time.
    ["coHandled", { returnRate: 0, responseRate: 1 }],
    ["unreachable3", { closed: 1, satisfactionRate: null, satisfactionScore: null, resolutionRate: null }],
    ["merged", { received: 0, closed: 0, completionRate: null, onTimeRate: null, overdueOpen: 0 }],
    ["openPastDue", { closed: 0, completionRate: 0, onTimeRate: 0, overdueOpen: 1 }],
    // Answered on time and awaiting its callback past dueAt: in the on-time denominator (and
    // on time), but not 超期未办结 — its deadline stopped at the approval, as the desk shows;
    // its callback deadline has passed too, which is a warning (预警) of the callback stage.
    ["openRepliedOnTime", { closed: 0, onTimeRate: 1, overdueOpen: 0, warnings: 1 }],
    ["redone", { satisfactionRate: 1, resolutionRate: 1, reopenRate: 1 }],
    [
      "redoing",
      { closed: 0, satisfactionRate: 0, satisfactionScore: 0, resolutionRate: 0, reopenRate: null },
    ],
    ["reopened", { reopenRate: 1, satisfactionScore: 80, resolutionRate: 0 }],
    ["signedLate", { responseRate: 0 }],
    // Unsigned past its sign-by (as of now) counts against the response rate.
    ["unsigned", { responseRate: 0, returnRate: 0, overdueOpen: 1 }],
    // …but before its sign-by it is not judged yet.
    ["unsigned", { responseRate: null, overdueOpen: 0, warnings: 0 }, SOON],
  ];
  it.each(cases)("%s", (name, expected, now) => {
    expect(figuresOf([name], now)).toMatchObject(expected);
  });
});

describe("on time: judged at the first approved reply, against the deadline in force then", () => {
  // Dispatched at +0.5 h: the first deadline is +120.5 h; a reopen or a dissatisfied callback at
  // +h sets a fresh one at +h + 120 h.
  const reopen = (h: number): Step => ["REOPEN", h, "agent", { reason: "again" }];
  const extend = (request: number, untilH: number): Step[] => [
    [
      "REQUEST_EXTENSION",
      request,
      "handler",
      { until: new Date(T0 + untilH * H).toISOString(), reason: "x" },
    ],
    ["APPROVE_EXTENSION", request + 1, "reviewer"],
  ];
  const cases: Array<[name: string, steps: Step[], onTime: boolean]> = [
    ["approved exactly at the deadline", [...handled(120.5), callback(121, "satisfied", true)], true],
    [
      "approved a minute after the deadline",
      [...handled(120.5 + 1 / 60), callback(122, "satisfied", true)],
      false,
    ],
    [
      "late, closed, reopened: the reopen's fresh deadline lies after the reply, still late",
      [
        ...handled(130),
        callback(131, "satisfied", true),
        reopen(140),
        reply(150),
        approve(151),
        callback(152, "satisfied", true),
      ],
      false,
    ],
    [
      "late, dissatisfied, redone in time for the fresh deadline: still late",
      [
        ...handled(130),
        callback(131, "dissatisfied", false),
        reply(140),
        approve(141),
        callback(142, "satisfied", true),
      ],
      false,
    ],
    [
      "on time, dissatisfied, redone after the fresh deadline: still on time",
      [
        ...handled(24),
        callback(30, "dissatisfied", false),
        reply(200),
        approve(200.5),
        callback(201, "satisfied", true),
      ],
      true,
    ],
    [
      "on time, closed, reopened and replied late the second time: still on time",
      [
        ...handled(24),
        callback(30, "satisfied", true),
        reopen(40),
        reply(300),
        approve(301),
        callback(302, "satisfied", true),
      ],
      true,
    ],
    [
      "extended before the deadline, approved after it but within the extension",
      [
        dispatch(0.5),
        sign(1),
        ...extend(100, 240),
        reply(199),
        approve(200),
        callback(201, "satisfied", true),
      ],
      true,
    ],
    [
      "extended after the deadline had passed (RESOLVE_OVERDUE recorded), approved within the extension",
      [
        dispatch(0.5),
        sign(1),
        ...extend(125, 240),
        reply(199),
        approve(200),
        callback(201, "satisfied", true),
      ],
      true,
    ],
    [
      "extended, approved after the extension too",
      [
        dispatch(0.5),
        sign(1),
        ...extend(100, 240),
        reply(249),
        approve(250),
        callback(251, "satisfied", true),
      ],
      false,
    ],
    [
      "a reply rejected before the deadline, approved after it: only approval counts",
      [
        dispatch(0.5),
        sign(1),
        reply(100),
        ["REJECT_REPLY", 101, "reviewer", { reason: "incomplete" }],
        reply(125),
        approve(126),
        callback(127, "satisfied", true),
      ] as Step[],
      false,
    ],
    [
      "returned and re-dispatched: judged against the new unit's deadline",
      [
        dispatch(0.5, "power"),
        ["REQUEST_RETURN", 100, "handler", { reason: "not ours" }],
        ["APPROVE_RETURN", 101, "agent", { departmentCode: "water" }],
        sign(102),
        reply(199),
        approve(200),
        callback(201, "satisfied", true),
      ] as Step[],
      true,
    ],
  ];

  it.each(cases)("%s", (_name, steps, onTime) => {
    const folded = ticket(steps);
    expect(folded.status).toBe("closed");
    expect(folded.firstReplyOnTime).toBe(onTime);
    expect(figuresOf2([folded]).onTimeRate).toBe(onTime ? 1 : 0);
  });

  it("a late ticket being redone, past its fresh deadline, is overdue and not on time", () => {
    const folded = ticket([...handled(130), callback(131, "dissatisfied", false)]);
    expect(folded.status).toBe("processing");
    // Judging by the current deadline would have called the first reply on time.
    expect((folded.firstApprovedReplyAt as Date) <= (folded.dueAt as Date)).toBe(true);
    const { ticket: t } = asRows(1, folded);
    expect(liveContribution(t, LATER)).toMatchObject({ overdueOpen: 1, overdueOnTime: 0 });
    expect(figuresOf2([folded])).toMatchObject({ onTimeRate: 0, overdueOpen: 1 });
    // Before the fresh deadline it is neither in the denominator nor overdue.
    expect(figuresOf2([folded], new Date(T0 + 200 * H))).toMatchObject({ onTimeRate: null, overdueOpen: 0 });
  });

  it("an on-time ticket being redone, past its fresh deadline, counts on time", () => {
    const folded = ticket([...handled(24), callback(30, "dissatisfied", false)]);
    expect(figuresOf2([folded])).toMatchObject({ onTimeRate: 1, overdueOpen: 1 });
  });

  it("no approved reply yet: not judged (null), and not on time once overdue", () => {
    const folded = ticket([dispatch(0.5), sign(1), reply(10)]);
    expect(folded.firstReplyOnTime).toBeNull();
    expect(figuresOf2([folded])).toMatchObject({ onTimeRate: 0, overdueOpen: 1 });
  });

  it("answered directly is on time; otherwise only a recorded on-time judgement is", () => {
    for (const directlyAnswered of [true, false])
      for (const firstReplyOnTime of [true, false, null])
        expect(repliedOnTime({ directlyAnswered, firstReplyOnTime })).toBe(
          directlyAnswered || firstReplyOnTime === true,
        );
  });

  it("the hand count of issue 13: five on time of seven, not six", () => {
    const seven = [
      HISTORIES.direct,
      HISTORIES.onTime,
      HISTORIES.extended,
      HISTORIES.redone,
      HISTORIES.unreachable3,
      HISTORIES.late,
      [
        ...handled(130),
        callback(131, "satisfied", true),
        reopen(140),
        reply(150),
        approve(151),
        callback(152, "satisfied", true),
      ],
    ].map((steps) => ticket(steps));
    expect(figuresOf2(seven)).toMatchObject({ closed: 7, onTimeRate: 5 / 7 });
  });
});

function figuresOf2(folded: ReturnType<typeof ticket>[], now = LATER): Figures {
  return computeFigures(
    folded.map((t, i) => asRows(i + 1, t)),
    now,
  );
}

describe("a mixed day", () => {
  it("sums facts across tickets; merged ones are nowhere", () => {
    const all = Object.keys(HISTORIES) as Name[];
    const f = figuresOf(all);
    const n = all.length - 1; // merged excluded
    expect(f.received).toBe(n);
    // closed: all but merged, openPastDue, openRepliedOnTime, redoing, unsigned
    expect(f.closed).toBe(n - 4);
    expect(f.completionRate).toBe((n - 4) / n);
    // on time: the closed ones but `late`, plus the open ones past due whose first approved reply
    // was on time (openRepliedOnTime, redoing); the denominator adds every open one past due
    // (openPastDue, openRepliedOnTime, redoing, unsigned).
    expect(f.onTimeRate).toBe((n - 4 - 1 + 2) / (n - 4 + 4));
    // rated: latest ratings of every rated ticket (not unreachable3, not direct, not the open unrated ones).
    // basically: late, reopened; dissatisfied: redoing.
    const rated =
      n -
      1 /* direct */ -
      1 /* unreachable3 */ -
      1 /* openPastDue */ -
      1 /* openRepliedOnTime */ -
      1; /* unsigned */
    expect(f.satisfactionRate).toBe((rated - 1) / rated);
    expect(f.satisfactionScore).toBeCloseTo((100 * (rated - 3) + 80 * 2) / rated, 10);
    // resolved false: redoing, reopened
    expect(f.resolutionRate).toBe((rated - 2) / rated);
    // reopened and closed: redone, reopened
    expect(f.reopenRate).toBe(2 / (n - 4));
    // lead dispatches: one per dispatched ticket, two for the returned ones
    const dispatched = n - 1 /* direct */ + 2; /* returned twice */
    expect(f.returnRate).toBe(2 / dispatched);
    // judged: all but returnedEarly's first; on time: all but returnedLate's first, signedLate, unsigned.
    expect(f.responseRate).toBe((dispatched - 1 - 3) / (dispatched - 1));
    // 超期未办结: openPastDue, redoing, unsigned; openRepliedOnTime awaits its callback (not overdue).
    expect(f.overdueOpen).toBe(3);
  });

  it("weights are configurable", () => {
    const rows = (["onTime", "late", "redoing"] as Name[]).map((n, i) => asRows(i + 1, ticket(HISTORIES[n])));
    expect(computeFigures(rows, LATER).satisfactionScore).toBeCloseTo(60, 10);
    expect(
      computeFigures(rows, LATER, { weights: { satisfied: 100, basicallySatisfied: 60, dissatisfied: 20 } })
        .satisfactionScore,
    ).toBeCloseTo(60, 10);
    expect(
      computeFigures(rows, LATER, { weights: { satisfied: 100, basicallySatisfied: 50, dissatisfied: 0 } })
        .satisfactionScore,
    ).toBeCloseTo(50, 10);
  });

  it("every rate is null when its denominator is 0", () => {
    expect(figures(emptyCounters())).toEqual({
      received: 0,
      closed: 0,
      completionRate: null,
      onTimeRate: null,
      responseRate: null,
      satisfactionRate: null,
      satisfactionScore: null,
      resolutionRate: null,
      reopenRate: null,
      returnRate: null,
      overdueOpen: 0,
      warnings: 0,
    });
  });
});

describe("facts", () => {
  it("attribute the ticket to its holder and each lead dispatch to its unit", () => {
    const { ticket: t, assignments } = asRows(7, ticket(HISTORIES.returnedLate));
    expect(ticketFact(t, "Asia/Shanghai")).toMatchObject({ departmentId: DEPT.water, day: "2025-03-03" });
    expect(dispatchFacts(t, assignments, "Asia/Shanghai")).toMatchObject([
      { departmentId: DEPT.power, dispatched: 1, responseDue: 1, signedOnTime: 0, returned: 1 },
      { departmentId: DEPT.water, dispatched: 1, responseDue: 1, signedOnTime: 1, returned: 0 },
    ]);
  });

  it("use the received day in the centre's time zone", () => {
    expect(dayOf(new Date("2025-03-02T16:30:00Z"), "Asia/Shanghai")).toBe("2025-03-03");
    expect(dayOf(new Date("2025-03-02T15:59:59Z"), "Asia/Shanghai")).toBe("2025-03-02");
  });

  it("never depend on the time: the same ticket, any `now`, the same fact", () => {
    const { ticket: t } = asRows(1, ticket(HISTORIES.openPastDue));
    expect(ticketFact(t, "Asia/Shanghai")).toEqual(ticketFact({ ...t }, "Asia/Shanghai"));
    expect(liveContribution(t, SOON)).toEqual({
      overdueOpen: 0,
      pastDue: 0,
      overdueOnTime: 0,
      warnings: 0,
      signLatePending: 0,
    });
    expect(liveContribution(t, LATER)).toEqual({
      overdueOpen: 1,
      pastDue: 1,
      overdueOnTime: 0,
      warnings: 0,
      signLatePending: 0,
    });
  });
});

describe("超期未办结 is what the desk shows as overdue", () => {
  it("counts a running resolution deadline past due in every running stage, and no other", () => {
    for (const status of [
      "registered",
      "dispatched",
      "processing",
      "returnRequested",
      "reviewing",
      "callback",
    ]) {
      const { ticket: t } = asRows(1, ticket(HISTORIES.openPastDue));
      const live = liveContribution({ ...t, status: status as typeof t.status }, LATER);
      const running = DUE_RUNNING_STATES.includes(status);
      expect(live.pastDue, status).toBe(1);
      expect(live.overdueOpen, status).toBe(running ? 1 : 0);
    }
  });

  it("a ticket answered late and awaiting its callback: late in the on-time rate, not 超期未办结", () => {
    const { ticket: t } = asRows(1, ticket(HISTORIES.late));
    const awaiting = { ...t, status: "callback" as const, closedAt: null };
    expect(liveContribution(awaiting, LATER)).toMatchObject({ overdueOpen: 0, pastDue: 1, overdueOnTime: 0 });
  });
});

describe("warnings (as of now)", () => {
  const at = (h: number) => new Date(T0 + h * H);
  it("a resolve warning flag on an open ticket not yet due", () => {
    const t = ticket([dispatch(0.5), sign(1), ["RESOLVE_WARNING", 90, "system"]]);
    expect(computeFigures([asRows(1, t)], at(91))).toMatchObject({ warnings: 1, overdueOpen: 0 });
    // once past due it is overdue, not a warning
    expect(computeFigures([asRows(1, t)], at(121))).toMatchObject({ warnings: 0, overdueOpen: 1 });
  });
  it("a dispatch past its sign-by, or flagged, warns while the resolution is not due", () => {
    const t = ticket([dispatch(0.5)]);
    expect(computeFigures([asRows(1, t)], at(3)).warnings).toBe(0);
    expect(computeFigures([asRows(1, t)], at(5)).warnings).toBe(1);
    const flagged = ticket([dispatch(0.5), ["SIGN_WARNING", 3.5, "system"]]);
    expect(computeFigures([asRows(1, flagged)], at(3.6)).warnings).toBe(1);
  });
  it("a callback past its call-back deadline warns", () => {
    const t = ticket(handled(24));
    expect(computeFigures([asRows(1, t)], at(70)).warnings).toBe(0);
    expect(computeFigures([asRows(1, t)], at(73)).warnings).toBe(1);
  });
  it("closed tickets never warn", () => {
    expect(figuresOf(["onTime"], at(1000)).warnings).toBe(0);
  });
});
