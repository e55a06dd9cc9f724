/**
 * Each deadline's state, the rules of deadline-state.ts one by one (table-driven), then every
 * state × every timing × every flag against the invariants the screens rely on, and the module
 * the browser receives deciding exactly as this one.
 */
import { describe, expect, it } from "vitest";
import {
  type DeadlineFacts,
  type DeadlineKey,
  type DeadlineState,
  deadlineStatus,
  deadlineStatuses,
  stageDeadline,
  trafficLight,
} from "./deadline-state.ts";
import { deadlineStateModule } from "./vocabulary.routes.ts";
import { TICKET_STATES } from "./vocabulary.ts";

const NOW = new Date("2026-11-30T06:00:00Z");
const PAST = "2026-11-29T06:00:00.000Z";
const EARLIER = "2026-11-28T06:00:00.000Z";
const FUTURE = "2026-12-01T06:00:00.000Z";

/** A ticket dispatched yesterday, nothing done yet; `over` changes what the case needs. */
function ticket(over: Partial<DeadlineFacts> = {}): DeadlineFacts {
  return {
    status: "dispatched",
    reopenCount: 0,
    signBy: FUTURE,
    signedAt: null,
    firstResponseBy: FUTURE,
    firstResponseAt: null,
    dueAt: FUTURE,
    firstApprovedReplyAt: null,
    callbackBy: null,
    flags: {},
    ...over,
  };
}

const state = (t: DeadlineFacts, key: DeadlineKey): DeadlineState => deadlineStatus(t, key, NOW).state;

describe("deadline states, rule by rule", () => {
  const cases: Array<[string, DeadlineFacts, DeadlineKey, DeadlineState]> = [
    // 签收
    ["unsigned, not yet due", ticket(), "signBy", "pending"],
    ["unsigned, warned", ticket({ flags: { signWarning: true } }), "signBy", "warning"],
    ["unsigned, past due", ticket({ signBy: PAST }), "signBy", "overdue"],
    ["unsigned, overdue timer fired", ticket({ flags: { signOverdue: true } }), "signBy", "overdue"],
    [
      "return requested before signing",
      ticket({ status: "returnRequested", signBy: PAST }),
      "signBy",
      "overdue",
    ],
    ["signed in time", ticket({ status: "processing", signBy: PAST, signedAt: EARLIER }), "signBy", "met"],
    ["signed late", ticket({ status: "processing", signBy: EARLIER, signedAt: PAST }), "signBy", "metLate"],
    ["recalled to intake", ticket({ status: "registered", signBy: PAST }), "signBy", "na"],
    ["merged", ticket({ status: "merged", signBy: PAST }), "signBy", "na"],
    // 初步答复
    ["no first response yet", ticket({ status: "processing" }), "firstResponseBy", "pending"],
    [
      "first response late, still none",
      ticket({ status: "processing", firstResponseBy: PAST }),
      "firstResponseBy",
      "overdue",
    ],
    [
      "first response in time",
      ticket({ status: "processing", firstResponseBy: PAST, firstResponseAt: EARLIER }),
      "firstResponseBy",
      "met",
    ],
    [
      "first response late",
      ticket({ status: "processing", firstResponseBy: EARLIER, firstResponseAt: PAST }),
      "firstResponseBy",
      "metLate",
    ],
    [
      "replied, no response time recorded: stops counting",
      ticket({ status: "reviewing", firstResponseBy: PAST }),
      "firstResponseBy",
      "na",
    ],
    [
      "awaiting callback, none recorded",
      ticket({ status: "callback", firstResponseBy: PAST }),
      "firstResponseBy",
      "na",
    ],
    // 办结
    ["being handled, not yet due", ticket({ status: "processing" }), "dueAt", "pending"],
    [
      "being handled, warned",
      ticket({ status: "processing", flags: { resolveWarning: true } }),
      "dueAt",
      "warning",
    ],
    ["being handled, past due", ticket({ status: "processing", dueAt: PAST }), "dueAt", "overdue"],
    ["unsigned, resolution past due", ticket({ dueAt: PAST }), "dueAt", "overdue"],
    [
      "reply awaiting review past due: review time counts",
      ticket({ status: "reviewing", dueAt: PAST }),
      "dueAt",
      "overdue",
    ],
    [
      "approved in time",
      ticket({ status: "callback", dueAt: PAST, firstApprovedReplyAt: EARLIER }),
      "dueAt",
      "met",
    ],
    [
      "approved late",
      ticket({ status: "callback", dueAt: EARLIER, firstApprovedReplyAt: PAST }),
      "dueAt",
      "metLate",
    ],
    [
      "approved late, flag says so",
      ticket({ status: "closed", dueAt: PAST, flags: { resolveOverdue: true } }),
      "dueAt",
      "metLate",
    ],
    [
      "closed in time",
      ticket({ status: "closed", dueAt: PAST, firstApprovedReplyAt: EARLIER }),
      "dueAt",
      "met",
    ],
    [
      "reopened, back in processing: running again",
      ticket({ status: "processing", reopenCount: 1, firstApprovedReplyAt: EARLIER }),
      "dueAt",
      "pending",
    ],
    [
      "reopened and past its fresh deadline",
      ticket({ status: "processing", reopenCount: 1, dueAt: PAST, firstApprovedReplyAt: EARLIER }),
      "dueAt",
      "overdue",
    ],
    [
      "reopened, approved again in time",
      ticket({ status: "callback", reopenCount: 1, dueAt: PAST, firstApprovedReplyAt: EARLIER }),
      "dueAt",
      "met",
    ],
    [
      "reopened, approved again late",
      ticket({ status: "callback", reopenCount: 1, dueAt: PAST, flags: { resolveOverdue: true } }),
      "dueAt",
      "metLate",
    ],
    ["recalled", ticket({ status: "registered", dueAt: PAST }), "dueAt", "na"],
    [
      "answered directly: no deadline",
      ticket({ status: "closed", signBy: null, firstResponseBy: null, dueAt: null }),
      "dueAt",
      "na",
    ],
    // 回访
    [
      "awaiting callback, not yet due",
      ticket({ status: "callback", callbackBy: FUTURE }),
      "callbackBy",
      "pending",
    ],
    [
      "awaiting callback, past due",
      ticket({ status: "callback", callbackBy: PAST }),
      "callbackBy",
      "overdue",
    ],
    [
      "callback overdue timer fired",
      ticket({ status: "callback", callbackBy: FUTURE, flags: { callbackOverdue: true } }),
      "callbackBy",
      "overdue",
    ],
    ["no callback deadline before approval", ticket({ status: "processing" }), "callbackBy", "na"],
    [
      "callback deadline left over after a dissatisfied callback",
      ticket({ status: "processing", callbackBy: PAST }),
      "callbackBy",
      "na",
    ],
  ];
  it.each(cases)("%s", (_name, t, key, want) => {
    expect(state(t, key)).toBe(want);
  });

  it("says when a deadline was met, where the ticket knows it", () => {
    const signed = deadlineStatus(ticket({ status: "processing", signedAt: EARLIER }), "signBy", NOW);
    expect(signed.metAt).toBe(EARLIER);
    const approved = deadlineStatus(
      ticket({ status: "callback", dueAt: PAST, firstApprovedReplyAt: EARLIER }),
      "dueAt",
      NOW,
    );
    expect(approved.metAt).toBe(EARLIER);
    // A later round's approval time is not stored: met, without a time (never the first round's).
    const again = deadlineStatus(
      ticket({ status: "callback", reopenCount: 1, dueAt: PAST, firstApprovedReplyAt: EARLIER }),
      "dueAt",
      NOW,
    );
    expect(again.metAt).toBeNull();
  });

  it("the stage's deadline and the traffic light", () => {
    expect(stageDeadline(ticket())).toBe("signBy");
    expect(stageDeadline(ticket({ status: "reviewing" }))).toBe("dueAt");
    expect(stageDeadline(ticket({ status: "callback" }))).toBe("callbackBy");
    expect(stageDeadline(ticket({ status: "closed" }))).toBeNull();
    expect(trafficLight(ticket({ status: "registered" }), NOW)).toBe("none");
    expect(trafficLight(ticket(), NOW)).toBe("normal");
    expect(trafficLight(ticket({ flags: { signWarning: true } }), NOW)).toBe("warning");
    // Unsigned, sign deadline ahead (an extension of nothing), resolution past: red, not green.
    expect(trafficLight(ticket({ dueAt: PAST }), NOW)).toBe("overdue");
    // Approved late and now awaiting callback in time: the resolution is done, the light follows the callback.
    expect(
      trafficLight(
        ticket({ status: "callback", dueAt: EARLIER, firstApprovedReplyAt: PAST, callbackBy: FUTURE }),
        NOW,
      ),
    ).toBe("normal");
    expect(trafficLight(ticket({ status: "closed", dueAt: PAST, firstApprovedReplyAt: EARLIER }), NOW)).toBe(
      "none",
    );
  });
});

describe("every state × timing × flags keeps the screens' invariants", () => {
  const times = [null, EARLIER, PAST, FUTURE];
  const flagSets = [
    {},
    { signWarning: true, resolveWarning: true },
    { signOverdue: true, resolveOverdue: true, callbackOverdue: true },
  ];
  const all: DeadlineFacts[] = [];
  for (const status of TICKET_STATES)
    for (const reopenCount of [0, 1])
      for (const due of times)
        for (const done of times)
          for (const flags of flagSets)
            all.push(
              ticket({
                status,
                reopenCount,
                signBy: due,
                signedAt: done,
                firstResponseBy: due,
                firstResponseAt: done,
                dueAt: due,
                firstApprovedReplyAt: done,
                callbackBy: due,
                flags,
              }),
            );

  it(`holds for ${all.length} tickets`, () => {
    const running = new Set<DeadlineState>(["pending", "warning", "overdue"]);
    for (const t of all) {
      const states = deadlineStatuses(t, NOW);
      for (const d of states) {
        // No deadline, no state.
        if (!d.at) expect(d.state).toBe("na");
        // Nothing runs on a ticket that is not with a unit or awaiting its callback.
        if (["registered", "closed", "merged"].includes(t.status)) expect(running.has(d.state)).toBe(false);
        // Past due and running is overdue, never "time left".
        if (running.has(d.state) && d.at && new Date(d.at) <= NOW) expect(d.state).toBe("overdue");
      }
      const due = states[2];
      // After an approved reply the resolution deadline is done, never "overdue and counting".
      if (["callback", "closed"].includes(t.status) && t.dueAt)
        expect(["met", "metLate"]).toContain(due?.state);
      // Back in the unit's hands it runs, whatever an earlier round did.
      if (["dispatched", "processing", "returnRequested", "reviewing"].includes(t.status) && t.dueAt)
        expect(running.has(due?.state ?? "na")).toBe(true);
      // A replied ticket's first response no longer counts.
      if (["reviewing", "callback", "closed"].includes(t.status))
        expect(running.has(states[1]?.state ?? "na")).toBe(false);
      // The light is never green while a watched deadline is overdue, and red only then.
      const light = trafficLight(t, NOW);
      const watched = [states[0], states[2], states[3]].map((d) => d?.state);
      expect(light === "overdue").toBe(watched.includes("overdue"));
      expect(light === "none").toBe(!watched.some((s) => running.has(s ?? "na")));
    }
  });

  it("the browser's module (served from this source) decides exactly the same", async () => {
    const served = (await import(
      `data:text/javascript,${encodeURIComponent(deadlineStateModule())}`
    )) as typeof import("./deadline-state.ts");
    for (const t of all) {
      expect(served.deadlineStatuses(t, NOW)).toEqual(deadlineStatuses(t, NOW));
      expect(served.trafficLight(t, NOW)).toBe(trafficLight(t, NOW));
    }
  });
});
