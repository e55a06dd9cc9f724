import { describe, expect, it } from "vitest";
import { TICKET_STATES } from "../tickets/ticket.machine.ts";
import { defaultCalendar } from "./calendar.ts";
import { escalationAt } from "./deadlines.ts";
import {
  appliesIn,
  DUE_WINDOW_MS,
  dueJobId,
  dueWindowEnd,
  isApplied,
  planTimers,
  TIMER_KINDS,
  type TimerStatus,
  type TimerTicket,
} from "./timer-plan.ts";

const cal = defaultCalendar(); // Asia/Shanghai, 09:00–12:00 and 13:00–18:00, shipped holidays
const at = (local: string) => new Date(`${local}+08:00`);
const iso = (d: Date) => d.toISOString();

function ticket(over: Partial<TimerTicket>): TimerTicket {
  return {
    status: "dispatched",
    dispatchedAt: at("2026-03-02T10:00:00"),
    signBy: at("2026-03-02T14:00:00"),
    firstResponseBy: null,
    firstResponseAt: null,
    dueAt: at("2026-03-09T10:00:00"),
    callbackBy: null,
    resolveStart: null,
    ...over,
  };
}

const kinds = (t: TimerTicket, clock: "working" | "calendar" = "working") =>
  planTimers(t, clock, cal).map((p) => p.kind);

describe("planTimers: which timers a ticket has, by status", () => {
  it.each<[TimerStatus, string[]]>([
    ["registered", []],
    [
      "dispatched",
      [
        "sign-warning",
        "sign-overdue",
        "sign-escalate-1",
        "sign-escalate-2",
        "resolve-warning",
        "resolve-overdue",
        "resolve-escalate-1",
        "resolve-escalate-2",
      ],
    ],
    ["processing", ["resolve-warning", "resolve-overdue", "resolve-escalate-1", "resolve-escalate-2"]],
    ["returnRequested", ["resolve-warning", "resolve-overdue", "resolve-escalate-1", "resolve-escalate-2"]],
    ["reviewing", ["resolve-warning", "resolve-overdue", "resolve-escalate-1", "resolve-escalate-2"]],
    ["callback", ["callback-overdue", "callback-escalate-1", "callback-escalate-2"]],
    ["closed", []],
    ["merged", []],
  ])("%s → %j", (status, expected) => {
    expect(kinds(ticket({ status, callbackBy: at("2026-03-10T10:00:00") }))).toEqual(expected);
  });

  it("an unsigned ticket's resolution deadline runs from dispatch: its timers are due as if signed", () => {
    const unsigned = planTimers(ticket({}), "working", cal).filter((p) => p.kind.startsWith("resolve"));
    const signed = planTimers(ticket({ status: "processing" }), "working", cal);
    expect(unsigned).toEqual(signed);
  });

  it.each<[TimerStatus, boolean]>([
    ["registered", false],
    ["dispatched", true],
    ["processing", true],
    ["returnRequested", true],
    ["reviewing", false],
    ["callback", false],
    ["closed", false],
  ])("first response watched in %s: %s (until answered)", (status, watched) => {
    const t = ticket({
      status,
      firstResponseBy: at("2026-03-02T16:00:00"),
      callbackBy: at("2026-03-10T10:00:00"),
    });
    const fr = [
      "first-response-warning",
      "first-response-overdue",
      "first-response-escalate-1",
      "first-response-escalate-2",
    ];
    expect(kinds(t).filter((k) => k.startsWith("first-response"))).toEqual(watched ? fr : []);
    // Answered (FIRST_RESPONSE, or the reply): nothing left to watch.
    const answered = { ...t, firstResponseAt: at("2026-03-02T11:00:00") };
    expect(kinds(answered).filter((k) => k.startsWith("first-response"))).toEqual([]);
  });

  it("first response: warning at 75 % from dispatch, overdue at firstResponseBy, escalations after", () => {
    const start = new Date("2026-01-01T00:00:00Z");
    const t = ticket({
      status: "processing",
      dispatchedAt: start,
      firstResponseBy: new Date(start.getTime() + 4000),
      dueAt: null,
    });
    const plan = planTimers(t, "calendar", cal, { after: "PT2S", clock: "calendar" });
    expect(plan.map((p) => [p.kind, p.dueAt.getTime() - start.getTime()])).toEqual([
      ["first-response-warning", 3000],
      ["first-response-overdue", 4000],
      ["first-response-escalate-1", 6000],
      ["first-response-escalate-2", 8000],
    ]);
  });

  it("callback: overdue at callbackBy, then escalations like the other deadlines", () => {
    const callbackBy = new Date("2026-01-01T00:00:00Z");
    const t = ticket({ status: "callback", callbackBy });
    const plan = planTimers(t, "calendar", cal, { after: "PT2S", clock: "calendar" });
    expect(plan.map((p) => [p.kind, p.dueAt.getTime() - callbackBy.getTime()])).toEqual([
      ["callback-overdue", 0],
      ["callback-escalate-1", 2000],
      ["callback-escalate-2", 4000],
    ]);
  });

  it("has no timers for a deadline that is not set", () => {
    expect(kinds(ticket({ status: "processing", dueAt: null }))).toEqual([]);
    expect(kinds(ticket({ status: "callback", callbackBy: null }))).toEqual([]);
  });
});

describe("planTimers: when each timer is due", () => {
  it("working clock: warning at 75% of the working time, overdue at the deadline, escalations a working day apart", () => {
    // Monday 10:00 → 14:00 is 3 working hours (lunch excluded); 75% = 2h15m → 12:15 is lunch,
    // so the earliest instant with 2h15m of working time is 13:15.
    const plan = planTimers(ticket({}), "working", cal);
    const due = Object.fromEntries(plan.map((p) => [p.kind, iso(p.dueAt)]));
    expect(due["sign-warning"]).toBe(iso(at("2026-03-02T13:15:00")));
    expect(due["sign-overdue"]).toBe(iso(at("2026-03-02T14:00:00")));
    expect(due["sign-escalate-1"]).toBe(iso(at("2026-03-03T14:00:00")));
    expect(due["sign-escalate-2"]).toBe(iso(at("2026-03-04T14:00:00")));
    // Five working days Mon 10:00 → next Mon 10:00 = 40 h; 75% = 30 h: Mon 7 h, Tue 8, Wed 8,
    // then 7 h into Thursday → 17:00.
    expect(due["resolve-warning"]).toBe(iso(at("2026-03-05T17:00:00")));
    expect(due["resolve-overdue"]).toBe(iso(at("2026-03-09T10:00:00")));
  });

  it("the default escalation is deadlines.ts escalationAt (one working day, over holidays)", () => {
    // Deadline on the Thursday before the 2026 Qingming holiday (Sat 4 – Mon 6 April).
    const t = ticket({ status: "processing", dueAt: at("2026-04-03T16:00:00") });
    const plan = planTimers(t, "working", cal);
    const esc = plan.filter((p) => p.kind.startsWith("resolve-escalate")).map((p) => iso(p.dueAt));
    const d = t.dueAt as Date;
    expect(esc).toEqual([iso(escalationAt(d, 1, cal)), iso(escalationAt(d, 2, cal))]);
    expect(esc[0]).toBe(iso(at("2026-04-07T16:00:00")));
  });

  it("calendar clock and a configured escalation period", () => {
    const start = new Date("2026-01-01T00:00:00Z");
    const t = ticket({
      status: "processing",
      dispatchedAt: start,
      dueAt: new Date(start.getTime() + 4000),
    });
    const plan = planTimers(t, "calendar", cal, { after: "PT2S", clock: "calendar" });
    expect(plan.map((p) => [p.kind, p.dueAt.getTime() - start.getTime()])).toEqual([
      ["resolve-warning", 3000],
      ["resolve-overdue", 4000],
      ["resolve-escalate-1", 6000],
      ["resolve-escalate-2", 8000],
    ]);
  });

  it("after a reopen the resolution warning counts from the reopen, not the first dispatch", () => {
    const reopened = new Date("2026-01-10T00:00:00Z");
    const t = ticket({
      status: "processing",
      dispatchedAt: new Date("2026-01-01T00:00:00Z"),
      resolveStart: reopened,
      dueAt: new Date(reopened.getTime() + 100_000),
    });
    const warning = planTimers(t, "calendar", cal).find((p) => p.kind === "resolve-warning");
    expect(warning?.dueAt.getTime()).toBe(reopened.getTime() + 75_000);
  });

  it("is ordered by due time, a warning before its overdue when they coincide", () => {
    const d = new Date("2026-01-01T00:00:00Z");
    const plan = planTimers(ticket({ status: "processing", dispatchedAt: d, dueAt: d }), "calendar", cal, {
      after: "PT1S",
      clock: "calendar",
    });
    expect(plan.map((p) => p.kind)).toEqual([
      "resolve-warning",
      "resolve-overdue",
      "resolve-escalate-1",
      "resolve-escalate-2",
    ]);
    for (let i = 1; i < plan.length; i++)
      expect(plan[i]?.dueAt.getTime()).toBeGreaterThanOrEqual(plan[i - 1]?.dueAt.getTime() ?? 0);
  });
});

describe("appliesIn mirrors what the ticket machine accepts", () => {
  it.each<[string, TimerStatus[]]>([
    ["sign-warning", ["dispatched"]],
    ["resolve-overdue", ["dispatched", "processing", "returnRequested", "reviewing"]],
    ["first-response-warning", ["dispatched", "processing", "returnRequested"]],
    ["first-response-overdue", ["dispatched", "processing", "returnRequested"]],
    ["callback-overdue", ["callback"]],
    [
      "callback-escalate-1",
      ["registered", "dispatched", "processing", "returnRequested", "reviewing", "callback"],
    ],
    [
      "sign-escalate-1",
      ["registered", "dispatched", "processing", "returnRequested", "reviewing", "callback"],
    ],
  ])("%s applies in %j", (kind, statuses) => {
    const all: readonly TimerStatus[] = TICKET_STATES;
    const k = TIMER_KINDS.find((x) => x === kind);
    if (!k) throw new Error(kind);
    expect(all.filter((s) => appliesIn(k, s))).toEqual(statuses);
  });
});

describe("isApplied: what the ticket already shows", () => {
  it("flags for flag timers, recorded escalations of this deadline version for escalations", () => {
    const flags = { signWarning: true, resolveOverdue: false };
    expect(isApplied("sign-warning", 3, flags, new Set())).toBe(true);
    expect(isApplied("resolve-overdue", 3, flags, new Set())).toBe(false);
    expect(isApplied("callback-overdue", 3, null, new Set())).toBe(false);
    const escalated = new Set(["resolve-escalate-1:3"]);
    expect(isApplied("resolve-escalate-1", 3, flags, escalated)).toBe(true);
    expect(isApplied("resolve-escalate-1", 4, flags, escalated)).toBe(false);
    expect(isApplied("resolve-escalate-2", 3, flags, escalated)).toBe(false);
  });

  it("puts a timer in the due window that ends at or after it, with one job id per window", () => {
    const at = (iso: string) => dueWindowEnd(new Date(iso));
    expect(DUE_WINDOW_MS).toBe(100);
    expect(at("2026-03-02T01:00:00.000Z")).toBe(Date.parse("2026-03-02T01:00:00.000Z"));
    expect(at("2026-03-02T01:00:00.001Z")).toBe(Date.parse("2026-03-02T01:00:00.100Z"));
    expect(at("2026-03-02T01:00:00.099Z")).toBe(Date.parse("2026-03-02T01:00:00.100Z"));
    expect(at("2026-03-02T01:00:00.100Z")).toBe(Date.parse("2026-03-02T01:00:00.100Z"));
    for (let ms = 0; ms < 1_000; ms += 7) {
      const due = new Date(Date.UTC(2026, 2, 2) + ms);
      const end = dueWindowEnd(due);
      expect(end - DUE_WINDOW_MS < due.getTime() && due.getTime() <= end).toBe(true);
    }
    expect(dueJobId(1_780_000_000_100)).toBe("due-1780000000100");
  });
});
