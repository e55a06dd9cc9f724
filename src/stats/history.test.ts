import { describe, expect, it } from "vitest";
import {
  type Actor,
  type ActorRole,
  applyEvent,
  initialContext,
  type TicketContext,
  type TicketEvent,
  type TicketState,
} from "../tickets/ticket.machine.ts";
import { generateHistory, Truth, yearWindow } from "./generator.ts";
import { type FoldedTicket, foldHistory, HistoryError, type HistoryEvent } from "./history.ts";
import { DEPT, TEST_ENV } from "./testing.ts";

/** Replays a folded timeline through the real ticket machine. */
function replay(t: FoldedTicket): { status: TicketState; context: TicketContext } {
  let state: { status: TicketState; context: TicketContext } = {
    status: "registered",
    context: initialContext(),
  };
  for (const e of t.events.slice(1)) {
    const p = e.payload;
    const actor: Actor =
      e.actorRole === "handler"
        ? e.type === "ASSIST_REPLY"
          ? { role: "handler", userId: 2, relation: "co", coDepartmentId: p.departmentId as number }
          : { role: "handler", userId: 2, relation: "lead" }
        : { role: e.actorRole as Exclude<ActorRole, "handler">, userId: 1, relation: "none" };
    const payload = e.type === "MERGE" ? { intoTicketId: 1 } : p;
    const event = { ...payload, type: e.type, actor, at: e.at.toISOString() } as unknown as TicketEvent;
    const r = applyEvent(state, event);
    if (!r.ok) throw new Error(`machine refused ${e.type} in ${state.status}`);
    state = { status: r.status, context: r.context };
  }
  return state;
}

const ev = (type: string, at: string, actorRole: HistoryEvent["actorRole"], payload = {}): HistoryEvent => ({
  type,
  at: `2025-03-03T${at}:00+08:00`,
  actorRole,
  payload,
});
const base = {
  createdAt: "2025-03-03T09:00:00+08:00",
  channel: "phone",
  categoryCode: "noise",
  urgency: "normal" as const,
};

describe("foldHistory agrees with the ticket machine", () => {
  it("on 3,000 generated histories (every path the generator takes)", () => {
    let merged = 0;
    let n = 0;
    for (const line of generateHistory({ tickets: 3000, seed: 11, ...yearWindow(2025) }, new Truth())) {
      const folded = foldHistory(
        { ...line, events: line.events.map((e) => ({ ...e, payload: e.payload ?? {} })) },
        TEST_ENV,
      );
      const machine = replay(folded);
      expect(folded.status).toBe(machine.status);
      if (folded.mergeInto?.externalRef) {
        merged++;
        expect({ ...folded.context, mergedIntoId: 1 }).toEqual(machine.context);
      } else {
        expect(folded.context).toEqual(machine.context);
      }
      n++;
    }
    expect(n).toBe(3000);
    expect(merged).toBeGreaterThan(0);
  });

  it("co-handling, sub-dispatch, extensions and a reopen by hand", () => {
    const folded = foldHistory(
      {
        ...base,
        events: [
          ev("DISPATCH", "09:10", "agent", {
            departmentCode: "dongcheng",
            coDepartmentCodes: ["xicheng", "dongcheng"],
          }),
          ev("SIGN", "09:30", "handler"),
          ev("SUB_DISPATCH", "09:40", "handler", { departmentCode: "dc-hepingli" }),
          ev("REQUEST_EXTENSION", "10:00", "handler", { until: "2025-03-20T18:00:00+08:00", reason: "r" }),
          ev("APPROVE_EXTENSION", "10:30", "reviewer"),
          ev("ASSIST_REPLY", "11:00", "handler", { departmentCode: "xicheng", note: "n" }),
          ev("REPLY", "11:30", "handler", { result: "x", outcome: "resolved" }),
          ev("APPROVE_REPLY", "12:00", "reviewer"),
          ev("CALLBACK", "13:00", "agent", { rating: "satisfied", resolved: true }),
          ev("REOPEN", "14:00", "agent", { reason: "again" }),
        ],
      },
      TEST_ENV,
    );
    expect(replay(folded)).toEqual({ status: folded.status, context: folded.context });
    expect(folded.status).toBe("processing");
    expect(folded.coDepartmentIds).toEqual([DEPT.xicheng]);
    expect(folded.subDepartmentId).toBe(DEPT["dc-hepingli"]);
    expect(folded.context.approvedExtensions).toBe(1);
    expect(folded.reopenCount).toBe(1);
    // Lead and co dispatched together; the sub-dispatch is the lead's own; all ended at the close.
    expect(folded.assignments.map((a) => [a.role, a.outcome])).toEqual([
      ["lead", "completed"],
      ["co", "completed"],
      ["sub", "completed"],
    ]);
    expect(folded.extensions[0]?.status).toBe("approved");
    // The reopen gave a fresh resolution deadline (the planner's 5 days from the REOPEN).
    expect(folded.dueAt?.toISOString()).toBe("2025-03-08T06:00:00.000Z");
    expect(folded.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(folded.events[1]?.payload).toMatchObject({
      departmentId: DEPT.dongcheng,
      coDepartmentIds: [DEPT.xicheng, DEPT.dongcheng],
    });
  });
});

describe("foldHistory refuses what the lifecycle forbids", () => {
  const cases: Array<[string, HistoryEvent[], RegExp]> = [
    [
      "an event in the wrong state",
      [ev("SIGN", "09:10", "handler")],
      /SIGN: not allowed while the ticket is registered/,
    ],
    [
      "the wrong role",
      [ev("DISPATCH", "09:10", "handler", { departmentCode: "water" })],
      /not an event a handler sends/,
    ],
    [
      "an unknown department",
      [ev("DISPATCH", "09:10", "agent", { departmentCode: "mars" })],
      /unknown department mars/,
    ],
    ["time running backwards", [ev("ANSWER_DIRECTLY", "08:10", "agent", { answer: "a" })], /time order/],
    [
      "a rated callback without `resolved`",
      [
        ev("DISPATCH", "09:10", "agent", { departmentCode: "water" }),
        ev("SIGN", "09:20", "handler"),
        ev("REPLY", "09:30", "handler", { outcome: "resolved" }),
        ev("APPROVE_REPLY", "09:40", "reviewer"),
        ev("CALLBACK", "09:50", "agent", { rating: "satisfied" }),
      ],
      /resolved \(boolean\) is required/,
    ],
    [
      "a reply before the co-handling unit's",
      [
        ev("DISPATCH", "09:10", "agent", { departmentCode: "water", coDepartmentCodes: ["power"] }),
        ev("SIGN", "09:20", "handler"),
        ev("REPLY", "09:30", "handler", { outcome: "resolved" }),
      ],
      /every co-handling unit must reply first/,
    ],
    [
      "a sub-dispatch outside the lead's children",
      [
        ev("DISPATCH", "09:10", "agent", { departmentCode: "dongcheng" }),
        ev("SIGN", "09:20", "handler"),
        ev("SUB_DISPATCH", "09:30", "handler", { departmentCode: "xc-yuetan" }),
      ],
      /direct child/,
    ],
    ["an unknown event", [ev("TELEPORT", "09:10", "system")], /not an event a system sends/],
  ];
  it.each(cases)("%s", (_name, events, message) => {
    expect(() => foldHistory({ ...base, events }, TEST_ENV)).toThrow(HistoryError);
    expect(() => foldHistory({ ...base, events }, TEST_ENV)).toThrow(message);
  });

  it("a third unreachable callback closes without a rating; a fourth is refused", () => {
    const path = [
      ev("DISPATCH", "09:10", "agent", { departmentCode: "water" }),
      ev("SIGN", "09:20", "handler"),
      ev("REPLY", "09:30", "handler", { outcome: "resolved" }),
      ev("APPROVE_REPLY", "09:40", "reviewer"),
      ev("CALLBACK", "10:00", "agent", { rating: "unreachable" }),
      ev("CALLBACK", "11:00", "agent", { rating: "unreachable" }),
      ev("CALLBACK", "12:00", "agent", { rating: "unreachable" }),
    ];
    const t = foldHistory({ ...base, events: path }, TEST_ENV);
    expect(t.status).toBe("closed");
    expect(t.lastRating).toBeNull();
    expect(t.callbacks).toHaveLength(3);
    expect(() =>
      foldHistory(
        { ...base, events: [...path, ev("CALLBACK", "13:00", "agent", { rating: "unreachable" })] },
        TEST_ENV,
      ),
    ).toThrow(/not allowed while the ticket is closed/);
  });
});
