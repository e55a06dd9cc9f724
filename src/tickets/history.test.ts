import { describe, expect, it } from "vitest";
import { generateHistory, Truth, yearWindow } from "../demo/generator.ts";
import { foldHistory, HistoryError, type HistoryEvent } from "./history.ts";
import { DEPT, TEST_ENV } from "./testing.ts";

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
const iso = (hhmm: string, day = "03") => new Date(`2025-03-${day}T${hhmm}:00+08:00`).toISOString();
const HOUR = 3_600_000;

describe("foldHistory", () => {
  it("folds every path the generator takes (3,000 histories), with a gapless timeline", () => {
    let merged = 0;
    let n = 0;
    for (const line of generateHistory({ tickets: 3000, seed: 11, ...yearWindow(2025) }, new Truth())) {
      const t = foldHistory(
        { ...line, events: line.events.map((e) => ({ ...e, payload: e.payload ?? {} })) },
        TEST_ENV,
      );
      expect(t.events.map((e) => e.seq)).toEqual(t.events.map((_, i) => i + 1));
      expect(t.version).toBe(line.events.length + 1);
      expect(t.events.map((e) => e.type)).toEqual(["CREATE", ...line.events.map((e) => e.type)]);
      // Each event starts where the previous one ended.
      expect(t.events.slice(1).map((e) => e.fromStatus)).toEqual(
        t.events.slice(0, -1).map((e) => e.toStatus),
      );
      expect(t.events.at(-1)?.toStatus).toBe(t.status);
      if (t.mergeInto && "externalRef" in t.mergeInto) {
        merged++;
        expect(t.context.mergedIntoId).toBeNull();
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
    expect(folded.status).toBe("processing");
    expect(folded.coDepartmentIds).toEqual([DEPT.xicheng]);
    expect(folded.subDepartmentId).toBe(DEPT["dc-hepingli"]);
    expect(folded.context.approvedExtensions).toBe(1);
    expect(folded.reopenCount).toBe(1);
    // Lead and co dispatched together; the sub-dispatch is the lead's own; all ended at the close.
    expect(folded.assignments.map((a) => [a.role, a.outcome, a.endedAt?.toISOString()])).toEqual([
      ["lead", "completed", iso("13:00")],
      ["co", "completed", iso("13:00")],
      ["sub", "completed", iso("13:00")],
    ]);
    expect(folded.assignments[0]?.signedAt?.toISOString()).toBe(iso("09:30"));
    expect(folded.extensions).toEqual([
      expect.objectContaining({ status: "approved", decidedAt: new Date(iso("10:30")), reason: "r" }),
    ]);
    expect(folded.callbacks).toEqual([
      { rating: "satisfied", resolved: true, contacted: null, note: null, at: new Date(iso("13:00")) },
    ]);
    // The reopen gave a fresh resolution deadline (the test policy's 120 h from the REOPEN).
    expect(folded.dueAt?.toISOString()).toBe(new Date(Date.parse(iso("14:00")) + 120 * HOUR).toISOString());
    // dispatch, extension, approved reply, callback (closing), reopen: five deadline versions.
    expect(folded.deadlineVersion).toBe(5);
    expect(folded.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // The timeline records what the API would: ids for codes, the co-handling unit as the actor's.
    expect(folded.events[1]?.payload).toEqual({
      departmentId: DEPT.dongcheng,
      coDepartmentIds: [DEPT.xicheng, DEPT.dongcheng],
    });
    expect(folded.events[6]).toMatchObject({ payload: { note: "n" }, departmentId: DEPT.xicheng });
    // The ledger is the reopened ticket's: resolution timers from the reopen.
    expect(folded.ledger.map((r) => [r.kind, r.status, r.deadlineVersion, r.state])).toEqual([
      ["resolve-warning", "processing", 5, "pending"],
      ["resolve-overdue", "processing", 5, "pending"],
      ["resolve-escalate-1", "processing", 5, "pending"],
      ["resolve-escalate-2", "processing", 5, "pending"],
    ]);
    expect(folded.ledger[0]?.dueAt.toISOString()).toBe(
      new Date(Date.parse(iso("14:00")) + 90 * HOUR).toISOString(),
    );
  });

  it("takes the source system's deadlines when the payloads carry them, and records them", () => {
    const signBy = "2025-03-03T10:00:00.000Z";
    const dueAt = "2025-03-10T10:00:00.000Z";
    const t = foldHistory(
      {
        ...base,
        events: [
          ev("DISPATCH", "09:10", "agent", { departmentCode: "water", signBy, dueAt }),
          ev("SIGN", "09:20", "handler"),
          ev("REPLY", "09:30", "handler", { result: "r", outcome: "resolved" }),
          ev("APPROVE_REPLY", "09:40", "reviewer", { callbackBy: "2025-03-04T01:00:00Z" }),
        ],
      },
      TEST_ENV,
    );
    expect(t.signBy?.toISOString()).toBe(signBy);
    expect(t.assignments[0]?.signBy?.toISOString()).toBe(signBy);
    expect(t.dueAt?.toISOString()).toBe(dueAt);
    // Not given: the policy's (24 h from the dispatch).
    expect(t.firstResponseBy?.toISOString()).toBe(
      new Date(Date.parse(iso("09:10")) + 24 * HOUR).toISOString(),
    );
    expect(t.callbackBy?.toISOString()).toBe("2025-03-04T01:00:00.000Z");
    expect(t.events[1]?.payload).toEqual({ departmentId: DEPT.water, signBy, dueAt });
    expect(t.ledger).toEqual([
      expect.objectContaining({
        kind: "callback-overdue",
        status: "callback",
        dueAt: new Date("2025-03-04T01:00:00Z"),
      }),
      expect.objectContaining({ kind: "callback-escalate-1", status: "callback" }),
      expect.objectContaining({ kind: "callback-escalate-2", status: "callback" }),
    ]);
  });

  it("applies timer events as the timers do: flags and supervision, the ledger marks them fired", () => {
    const t = foldHistory(
      {
        ...base,
        events: [
          ev("DISPATCH", "09:10", "agent", { departmentCode: "water" }),
          ev("SIGN_WARNING", "12:10", "system", { kind: "sign-warning", deadlineVersion: 1 }),
          ev("SUPERVISE", "13:15", "system", {
            level: 1,
            note: "超期自动督办",
            kind: "sign-escalate-1",
            deadlineVersion: 1,
          }),
        ],
      },
      TEST_ENV,
    );
    expect(t.status).toBe("dispatched");
    expect(t.context.flags.signWarning).toBe(true);
    expect(t.supervisionLevel).toBe(1);
    expect(t.events.slice(2).map((e) => [e.type, e.fromStatus, e.toStatus, e.actorRole])).toEqual([
      ["SIGN_WARNING", "dispatched", "dispatched", "system"],
      ["SUPERVISE", "dispatched", "dispatched", "system"],
    ]);
    const state = Object.fromEntries(t.ledger.map((r) => [r.kind, r.state]));
    expect(state).toMatchObject({
      "sign-warning": "fired",
      "sign-overdue": "pending",
      "sign-escalate-1": "fired",
      "sign-escalate-2": "pending",
    });
  });

  it("leaves a MERGE by externalRef for the importer to resolve", () => {
    const t = foldHistory(
      { ...base, events: [ev("MERGE", "09:10", "agent", { intoExternalRef: "src-1" })] },
      TEST_ENV,
    );
    expect(t.status).toBe("merged");
    expect(t.mergeInto).toEqual({ externalRef: "src-1" });
    expect(t.mergedIntoId).toBeNull();
    expect(t.context.mergedIntoId).toBeNull();
    expect(t.events[1]?.payload).toEqual({ intoExternalRef: "src-1" });
    const byId = foldHistory(
      { ...base, events: [ev("MERGE", "09:10", "agent", { intoTicketId: 7 })] },
      TEST_ENV,
    );
    expect(byId.mergeInto).toEqual({ ticketId: 7 });
    expect(byId.mergedIntoId).toBe(7);
  });
});

describe("foldHistory refuses what the API refuses", () => {
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
      "a payload the API's schema refuses",
      [ev("ANSWER_DIRECTLY", "09:10", "agent", { answer: "" })],
      /ANSWER_DIRECTLY: answer:/,
    ],
    [
      "a rated callback without `resolved`",
      [
        ev("DISPATCH", "09:10", "agent", { departmentCode: "water" }),
        ev("SIGN", "09:20", "handler"),
        ev("REPLY", "09:30", "handler", { result: "r", outcome: "resolved" }),
        ev("APPROVE_REPLY", "09:40", "reviewer"),
        ev("CALLBACK", "09:50", "agent", { rating: "satisfied" }),
      ],
      /resolved is required/,
    ],
    [
      "a reply before the co-handling unit's",
      [
        ev("DISPATCH", "09:10", "agent", { departmentCode: "water", coDepartmentCodes: ["power"] }),
        ev("SIGN", "09:20", "handler"),
        ev("REPLY", "09:30", "handler", { result: "r", outcome: "resolved" }),
      ],
      /REPLY: not allowed while the ticket is processing/,
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
    [
      "an extension that does not move the deadline",
      [
        ev("DISPATCH", "09:10", "agent", { departmentCode: "water" }),
        ev("SIGN", "09:20", "handler"),
        ev("REQUEST_EXTENSION", "09:30", "handler", { until: "2025-03-04T09:00:00+08:00", reason: "r" }),
      ],
      /until: An extension must move the deadline later/,
    ],
    ["an unknown event", [ev("TELEPORT", "09:10", "system")], /not an event a system sends/],
    ["a timer event from a person", [ev("SIGN_WARNING", "09:10", "agent")], /not an event a agent sends/],
  ];
  it.each(cases)("%s", (_name, events, message) => {
    expect(() => foldHistory({ ...base, events }, TEST_ENV)).toThrow(HistoryError);
    expect(() => foldHistory({ ...base, events }, TEST_ENV)).toThrow(message);
  });

  it("a third unreachable callback closes without a rating; a fourth is refused", () => {
    const path = [
      ev("DISPATCH", "09:10", "agent", { departmentCode: "water" }),
      ev("SIGN", "09:20", "handler"),
      ev("REPLY", "09:30", "handler", { result: "r", outcome: "resolved" }),
      ev("APPROVE_REPLY", "09:40", "reviewer"),
      ev("CALLBACK", "10:00", "agent", { rating: "unreachable" }),
      ev("CALLBACK", "11:00", "agent", { rating: "unreachable" }),
      ev("CALLBACK", "12:00", "agent", { rating: "unreachable" }),
    ];
    const t = foldHistory({ ...base, events: path }, TEST_ENV);
    expect(t.status).toBe("closed");
    expect(t.lastRating).toBeNull();
    expect(t.callbacks).toHaveLength(3);
    expect(t.ledger).toEqual([]);
    expect(() =>
      foldHistory(
        { ...base, events: [...path, ev("CALLBACK", "13:00", "agent", { rating: "unreachable" })] },
        TEST_ENV,
      ),
    ).toThrow(/not allowed while the ticket is closed/);
  });
});
