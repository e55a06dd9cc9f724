import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import {
  type ApiClient,
  BACKENDS,
  backendMissing,
  startTestSystem,
  type TestSystem,
} from "../helpers/system.ts";

/**
 * SLA timers end to end on both queue backends, with second-scale deadlines on the calendar
 * clock and escalation PT2S after a missed deadline (HOTLINE_ESCALATION_AFTER), so a whole
 * ladder fits in seconds. Two policies keep the scenarios apart:
 * - "noise": sign within PT2S, resolve within PT4S (sign warning at 1.5 s, overdue at 2 s);
 * - "water-supply": sign within PT1M (never in the way), resolve within PT6S (warning at 4.5 s,
 *   overdue at 6 s, escalations at 8 s and 10 s), call back within PT2S.
 * The assertions hold however slow the machine is: what may legitimately fire before a user's
 * action is derived from the timeline, not from assumed timings.
 */
const TEST_MS = 60_000;

type Ev = { seq: number; type: string; actorRole: string; at: string; payload: Record<string, unknown> };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ms = (iso: unknown) => Date.parse(String(iso));

async function timeline(client: ApiClient, id: number): Promise<Ev[]> {
  const res = await client.get<{ items: Ev[] }>(`/api/v1/tickets/${id}/events`);
  expect(res.status).toBe(200);
  return res.body.items;
}

/** Polls the timeline until `done` holds (or the timeout passes) and returns it. */
async function waitForTimeline(
  client: ApiClient,
  id: number,
  done: (evs: Ev[]) => boolean,
  timeoutMs = 30_000,
): Promise<Ev[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const evs = await timeline(client, id);
    if (done(evs) || Date.now() > until) return evs;
    await sleep(200);
  }
}

const timers = (evs: Ev[]) => evs.filter((e) => e.actorRole === "system");
const kinds = (evs: Ev[]) => timers(evs).map((e) => `${e.type}:${String(e.payload.kind)}`);
const has = (kind: string) => (evs: Ev[]) => timers(evs).some((e) => e.payload.kind === kind);

/** Every timer event came at (not before) its due time, each kind once per deadline version. */
function expectOnTimeAndOnce(evs: Ev[]) {
  const seen = new Set<string>();
  for (const e of timers(evs)) {
    expect(ms(e.at), `${e.type} not before it is due`).toBeGreaterThanOrEqual(ms(e.payload.dueAt));
    const key = `${String(e.payload.kind)}:${String(e.payload.deadlineVersion)}`;
    expect(seen.has(key), `${key} twice`).toBe(false);
    seen.add(key);
  }
}

for (const backend of BACKENDS)
  describe.skipIf(backendMissing(backend))(`SLA timers on the ${backend} queue backend`, () => {
    let sys: TestSystem;
    let agent: ApiClient;
    let handler: ApiClient;
    let reviewer: ApiClient;
    let dongcheng: number;
    let xicheng: number;

    beforeAll(async () => {
      sys = await startTestSystem({
        backend,
        env: { HOTLINE_ESCALATION_AFTER: "PT2S", HOTLINE_ESCALATION_CLOCK: "calendar" },
      });
      const admin = await sys.as("admin");
      const policies: Array<[string, Record<string, string>]> = [
        ["noise", { signWithin: "PT2S", resolveWithin: "PT4S" }],
        ["water-supply", { signWithin: "PT1M", resolveWithin: "PT6S" }],
        ["sanitation", { signWithin: "PT1M", firstResponseWithin: "PT2S", resolveWithin: "PT1M" }],
      ];
      for (const [code, p] of policies) {
        const put = await admin.put(`/api/v1/sla-policies/${code}/normal`, {
          firstResponseWithin: "PT1M",
          callbackWithin: "PT2S",
          clock: "calendar",
          ...p,
        });
        expect(put.status).toBe(200);
      }
      agent = await sys.as("agent1");
      handler = await sys.as("handler1");
      reviewer = await sys.as("reviewer1");
      dongcheng = await deptId(agent, "dongcheng");
      xicheng = await deptId(agent, "xicheng");
    });
    afterAll(async () => sys?.stop());

    const openSigned = async () => {
      const t = await createTicket(agent, { categoryCode: "water-supply" });
      const dispatched = await agent.event(t.id, "DISPATCH", { departmentId: dongcheng });
      expect(dispatched.status).toBe(200);
      expect((await handler.event(t.id, "SIGN")).status).toBe(200);
      return { id: t.id, dispatched: dispatched.body };
    };

    it.concurrent(
      "warning, overdue and both escalations arrive in order in the timeline",
      async () => {
        const { id, dispatched } = await openSigned();
        expect(ms(dispatched.dueAt) - ms(dispatched.signBy)).toBe(6_000 - 60_000);

        const evs = await waitForTimeline(agent, id, has("resolve-escalate-2"));
        expect(evs.map((e) => e.type)).toEqual([
          "CREATE",
          "DISPATCH",
          "SIGN",
          "RESOLVE_WARNING",
          "RESOLVE_OVERDUE",
          "SUPERVISE",
          "SUPERVISE",
        ]);
        expect(kinds(evs)).toEqual([
          "RESOLVE_WARNING:resolve-warning",
          "RESOLVE_OVERDUE:resolve-overdue",
          "SUPERVISE:resolve-escalate-1",
          "SUPERVISE:resolve-escalate-2",
        ]);
        const supervise = evs.filter((e) => e.type === "SUPERVISE");
        expect(supervise.map((e) => e.payload.level)).toEqual([1, 3]);
        expect(supervise[0]?.payload.note).toBe("超期自动督办");
        expectOnTimeAndOnce(evs);
        // Due 75% into the 6 s, at the deadline, then 2 s and 4 s after it.
        const dispatchAt = ms(evs[1]?.at);
        expect(timers(evs).map((e) => ms(e.payload.dueAt) - dispatchAt)).toEqual([4500, 6000, 8000, 10000]);

        const after = await agent.get<Record<string, unknown>>(`/api/v1/tickets/${id}`);
        expect(after.body.supervisionLevel).toBe(3);
        await sleep(1000);
        expect(await timeline(agent, id)).toHaveLength(evs.length); // nothing more, nothing twice
      },
      TEST_MS,
    );

    it.concurrent(
      "an unsigned ticket's resolution deadline runs too: RESOLVE_WARNING, RESOLVE_OVERDUE, escalations",
      async () => {
        const t = await createTicket(agent, { categoryCode: "noise" });
        expect((await agent.event(t.id, "DISPATCH", { departmentId: dongcheng })).status).toBe(200);
        // Sign warning 1.5 s, overdue 2 s, escalations 4 s and 6 s; resolution warning 3 s,
        // overdue 4 s, escalations 6 s and 8 s — all while nobody signs (deadlines run from dispatch).
        const evs = await waitForTimeline(agent, t.id, has("resolve-escalate-2"));
        expectOnTimeAndOnce(evs);
        expect(evs.some((e) => e.type === "SIGN")).toBe(false);
        expect(kinds(evs).sort()).toEqual(
          [
            "SIGN_WARNING:sign-warning",
            "SIGN_OVERDUE:sign-overdue",
            "SUPERVISE:sign-escalate-1",
            "SUPERVISE:sign-escalate-2",
            "RESOLVE_WARNING:resolve-warning",
            "RESOLVE_OVERDUE:resolve-overdue",
            "SUPERVISE:resolve-escalate-1",
            "SUPERVISE:resolve-escalate-2",
          ].sort(),
        );
        const unsigned = await agent.get<Record<string, unknown>>(`/api/v1/tickets/${t.id}`);
        expect(unsigned.body).toMatchObject({
          status: "dispatched",
          supervisionLevel: 3,
          flags: { signOverdue: true, resolveWarning: true, resolveOverdue: true },
        });
        // Signing late keeps the record: the resolution deadline was missed.
        const signed = await handler.event(t.id, "SIGN");
        expect(signed.status).toBe(200);
        expect(signed.body).toMatchObject({ status: "processing", flags: { resolveOverdue: true } });
        await sleep(1000);
        expect(kinds(await timeline(agent, t.id)).sort()).toEqual(kinds(evs).sort()); // nothing twice
      },
      TEST_MS,
    );

    it.concurrent(
      "the first response (初步答复) is watched until FIRST_RESPONSE or the reply",
      async () => {
        // "sanitation": first response within PT2S — warning 1.5 s, overdue 2 s, escalations 4 s, 6 s.
        const late = await createTicket(agent, { categoryCode: "sanitation" });
        expect((await agent.event(late.id, "DISPATCH", { departmentId: dongcheng })).status).toBe(200);
        expect((await handler.event(late.id, "SIGN")).status).toBe(200);
        const evs = await waitForTimeline(agent, late.id, has("first-response-escalate-1"));
        expect(kinds(evs)).toEqual([
          "FIRST_RESPONSE_WARNING:first-response-warning",
          "FIRST_RESPONSE_OVERDUE:first-response-overdue",
          "SUPERVISE:first-response-escalate-1",
        ]);
        expectOnTimeAndOnce(evs);
        const dispatchAt = ms(evs.find((e) => e.type === "DISPATCH")?.at);
        expect(timers(evs).map((e) => ms(e.payload.dueAt) - dispatchAt)).toEqual([1500, 2000, 4000]);
        const flagged = await agent.get<Record<string, unknown>>(`/api/v1/tickets/${late.id}`);
        expect(flagged.body).toMatchObject({
          supervisionLevel: 1,
          flags: { firstResponseWarning: true, firstResponseOverdue: true },
        });
        // The answer ends the watch: its timers leave the ledger, the second escalation (6 s) never comes.
        expect((await handler.event(late.id, "FIRST_RESPONSE", { note: "已联系市民" })).status).toBe(200);
        const left = await sys.system.services.pool.query(
          "SELECT kind FROM timer_firings WHERE ticket_id = $1 AND kind LIKE 'first-response-%'",
          [late.id],
        );
        expect(left.rows).toEqual([]);
        while (Date.now() < dispatchAt + 6_500) await sleep(200);
        expect(kinds(await timeline(agent, late.id))).toEqual(kinds(evs));

        // Answered by the reply alone: no first-response timer is left in the ledger.
        const replied = await createTicket(agent, { categoryCode: "sanitation" });
        expect((await agent.event(replied.id, "DISPATCH", { departmentId: dongcheng })).status).toBe(200);
        const ledger = async () =>
          (
            await sys.system.services.pool.query<{ kind: string }>(
              "SELECT kind FROM timer_firings WHERE ticket_id = $1 AND kind LIKE 'first-response-%' ORDER BY kind",
              [replied.id],
            )
          ).rows.map((r) => r.kind);
        expect(await ledger()).toEqual([
          "first-response-escalate-1",
          "first-response-escalate-2",
          "first-response-overdue",
          "first-response-warning",
        ]);
        expect((await handler.event(replied.id, "SIGN")).status).toBe(200);
        expect(
          (await handler.event(replied.id, "REPLY", { result: "已处理", outcome: "resolved" })).status,
        ).toBe(200);
        expect(await ledger()).toEqual([]);
      },
      TEST_MS,
    );

    it.concurrent(
      "the callback deadline runs from the approval; a closed ticket has no timers",
      async () => {
        const { id } = await openSigned();
        expect((await handler.event(id, "REPLY", { result: "已处理", outcome: "resolved" })).status).toBe(
          200,
        );
        const approved = await reviewer.event(id, "APPROVE_REPLY", {});
        expect(approved.status).toBe(200);
        expect(approved.body.status).toBe("callback");
        // Overdue at 2 s, then escalated like every other deadline: 2 s and 4 s later.
        const evs = await waitForTimeline(agent, id, has("callback-escalate-2"));
        const approveAt = ms(evs.find((e) => e.type === "APPROVE_REPLY")?.at);
        const isCallback = (e: Ev) => String(e.payload.kind).startsWith("callback-");
        // Resolution timers due before the approval may have come (a slow machine); none after it.
        for (const e of timers(evs).filter((x) => !isCallback(x)))
          expect(ms(e.payload.dueAt)).toBeLessThanOrEqual(approveAt);
        expect(kinds(evs.filter(isCallback))).toEqual([
          "CALLBACK_OVERDUE:callback-overdue",
          "SUPERVISE:callback-escalate-1",
          "SUPERVISE:callback-escalate-2",
        ]);
        const overdue = evs.find((e) => e.type === "CALLBACK_OVERDUE");
        expect(overdue?.payload.dueAt).toBe(approved.body.callbackBy);
        expect(ms(approved.body.callbackBy) - approveAt).toBe(2_000);
        expect(timers(evs.filter(isCallback)).map((e) => ms(e.payload.dueAt) - approveAt)).toEqual([
          2000, 4000, 6000,
        ]);
        const escalated = await agent.get<Record<string, unknown>>(`/api/v1/tickets/${id}`);
        expect(escalated.body).toMatchObject({ status: "callback", supervisionLevel: 3 });
        expectOnTimeAndOnce(evs);

        expect((await agent.event(id, "CALLBACK", { rating: "satisfied", resolved: true })).status).toBe(200);
        await sleep(2_000);
        expect(kinds(await timeline(agent, id))).toEqual(kinds(evs));
      },
      TEST_MS,
    );

    it.concurrent(
      "a timer job that runs early does nothing and says when it is due; a stale one is superseded",
      async () => {
        const t = await createTicket(agent, { categoryCode: "water-supply" });
        const d = await agent.event(t.id, "DISPATCH", { departmentId: dongcheng });
        const job = {
          ticketId: t.id,
          deadlineVersion: Number(d.body.deadlineVersion),
          kind: "sign-overdue" as const,
        };
        const early = await sys.system.services.timers.fire(job);
        expect(early).toMatchObject({ outcome: "not-due", applied: [] });
        expect(early.dueAt?.toISOString()).toBe(d.body.signBy);
        const stale = await sys.system.services.timers.fire({
          ...job,
          deadlineVersion: job.deadlineVersion - 1,
        });
        expect(stale.outcome).toBe("superseded");
        expect((await agent.event(t.id, "RECALL", { reason: "派错" })).status).toBe(200);
      },
      TEST_MS,
    );

    it.concurrent(
      "an extension approved before the deadline cancels the overdue",
      async () => {
        const { id } = await openSigned();
        const until = new Date(Date.now() + 120_000).toISOString();
        const requested = await handler.event(id, "REQUEST_EXTENSION", { until, reason: "需协调多部门" });
        expect(requested.status).toBe(200);
        const approved = await reviewer.event(id, "APPROVE_EXTENSION", {});
        expect(approved.status).toBe(200);
        expect(approved.body.dueAt).toBe(until);
        const approveAt = ms((await timeline(agent, id)).find((e) => e.type === "APPROVE_EXTENSION")?.at);
        // The old deadline (6 s) and its escalations (8 s, 10 s) pass without a trace; at most a
        // warning due before the approval (4.5 s, on a very slow machine) may have come.
        await sleep(Math.max(0, approveAt + 11_000 - Date.now()));
        const evs = await timeline(agent, id);
        for (const e of timers(evs)) {
          expect(e.type).toBe("RESOLVE_WARNING");
          expect(ms(e.payload.dueAt)).toBeLessThanOrEqual(approveAt);
        }
        const now = await agent.get<Record<string, unknown>>(`/api/v1/tickets/${id}`);
        expect(now.body.supervisionLevel).toBe(0);
      },
      TEST_MS,
    );

    it.concurrent(
      "a re-dispatch gives the new department fresh deadlines; the old timers do nothing",
      async () => {
        const t = await createTicket(agent, { categoryCode: "noise" });
        const first = await agent.event(t.id, "DISPATCH", { departmentId: dongcheng });
        expect(first.status).toBe(200);
        await waitForTimeline(agent, t.id, has("sign-warning"));
        expect((await handler.event(t.id, "REQUEST_RETURN", { reason: "不属于本区管辖" })).status).toBe(200);
        const redispatched = await agent.event(t.id, "APPROVE_RETURN", { departmentId: xicheng });
        expect(redispatched.status).toBe(200);
        expect(redispatched.body.departmentId).toBe(xicheng);
        const oldDv = Number(first.body.deadlineVersion);
        const newDv = Number(redispatched.body.deadlineVersion);
        expect(newDv).toBeGreaterThan(oldDv);

        const evs = await waitForTimeline(agent, t.id, (e) =>
          timers(e).some((x) => x.payload.kind === "sign-escalate-1" && x.payload.deadlineVersion === newDv),
        );
        expectOnTimeAndOnce(evs);
        const approveAt = ms(evs.find((e) => e.type === "APPROVE_RETURN")?.at);
        // The first department's timers stop at the re-dispatch ...
        for (const e of timers(evs).filter((x) => x.payload.deadlineVersion === oldDv))
          expect(ms(e.at)).toBeLessThanOrEqual(approveAt);
        // ... and the second department's sign ladder runs from the re-dispatch.
        const fresh = timers(evs).filter(
          (x) => x.payload.deadlineVersion === newDv && String(x.payload.kind).startsWith("sign-"),
        );
        expect(fresh.map((e) => e.payload.kind)).toEqual(["sign-warning", "sign-overdue", "sign-escalate-1"]);
        expect(fresh.map((e) => ms(e.payload.dueAt) - approveAt)).toEqual([1500, 2000, 4000]);
        expect(
          timers(evs).every(
            (e) => e.payload.deadlineVersion === oldDv || e.payload.deadlineVersion === newDv,
          ),
        ).toBe(true);
      },
      TEST_MS,
    );
  });
