import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { type ApiClient, type Backend, startTestSystem, type TestSystem } from "../helpers/system.ts";

/**
 * SLA timers end to end on both queue backends, with second-scale deadlines: the noise
 * policy gets PT2S to sign and PT4S to resolve on the calendar clock, and escalation comes
 * PT2S after a missed deadline (HOTLINE_ESCALATION_AFTER), so a whole ladder fits in seconds.
 * Warnings come at 75% of the allowed time: sign at 1.5 s, resolve at 3 s after dispatch.
 */
const backends: Backend[] = process.env.TEST_REDIS_URL ? ["postgres", "redis"] : ["postgres"];

type Ev = { seq: number; type: string; actorRole: string; at: string; payload: Record<string, unknown> };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  timeoutMs = 20_000,
): Promise<Ev[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const evs = await timeline(client, id);
    if (done(evs) || Date.now() > until) return evs;
    await sleep(200);
  }
}

const timerTypes = (evs: Ev[]) =>
  evs.filter((e) => e.actorRole === "system").map((e) => `${e.type}:${String(e.payload.kind)}`);

describe.each(backends)("SLA timers on the %s queue backend", (backend) => {
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
    const put = await admin.put("/api/v1/sla-policies/noise/normal", {
      signWithin: "PT2S",
      firstResponseWithin: "PT3S",
      resolveWithin: "PT4S",
      callbackWithin: "PT2S",
      clock: "calendar",
    });
    expect(put.status).toBe(200);
    agent = await sys.as("agent1");
    handler = await sys.as("handler1");
    reviewer = await sys.as("reviewer1");
    dongcheng = await deptId(agent, "dongcheng");
    xicheng = await deptId(agent, "xicheng");
  });
  afterAll(async () => sys?.stop());

  it.concurrent("warning, overdue and both escalations arrive in order in the timeline", async () => {
    const t = await createTicket(agent);
    const dispatched = await agent.event(t.id, "DISPATCH", { departmentId: dongcheng });
    expect(dispatched.status).toBe(200);
    expect(Date.parse(String(dispatched.body.dueAt)) - Date.parse(String(dispatched.body.signBy))).toBe(2000);
    expect((await handler.event(t.id, "SIGN")).status).toBe(200);

    const evs = await waitForTimeline(agent, t.id, (e) => timerTypes(e).length >= 4);
    expect(evs.map((e) => e.type)).toEqual([
      "CREATE",
      "DISPATCH",
      "SIGN",
      "RESOLVE_WARNING",
      "RESOLVE_OVERDUE",
      "SUPERVISE",
      "SUPERVISE",
    ]);
    expect(timerTypes(evs)).toEqual([
      "RESOLVE_WARNING:resolve-warning",
      "RESOLVE_OVERDUE:resolve-overdue",
      "SUPERVISE:resolve-escalate-1",
      "SUPERVISE:resolve-escalate-2",
    ]);
    const supervise = evs.filter((e) => e.type === "SUPERVISE");
    expect(supervise.map((e) => e.payload.level)).toEqual([1, 3]);
    expect(supervise[0]?.payload.note).toBe("超期自动督办");
    // Each arrives at (not before) its due time, and not much after it.
    for (const e of evs.filter((x) => x.actorRole === "system")) {
      const late = Date.parse(e.at) - Date.parse(String(e.payload.dueAt));
      expect(late, `${e.type} lateness`).toBeGreaterThanOrEqual(0);
      expect(late, `${e.type} lateness`).toBeLessThan(3000);
    }
    const dispatchAt = Date.parse(evs[1]?.at ?? "");
    const offsets = evs.slice(3).map((e) => Date.parse(String(e.payload.dueAt)) - dispatchAt);
    expect(offsets).toEqual([3000, 4000, 6000, 8000]);

    const after = await agent.get<Record<string, unknown>>(`/api/v1/tickets/${t.id}`);
    expect(after.body.supervisionLevel).toBe(3);
    await sleep(1000);
    expect(await timeline(agent, t.id)).toHaveLength(evs.length); // nothing more, nothing twice
  });

  it.concurrent("an unsigned ticket gets sign timers; resolve flags wait for the signature", async () => {
    const t = await createTicket(agent);
    expect((await agent.event(t.id, "DISPATCH", { departmentId: dongcheng })).status).toBe(200);
    // sign warning 1.5 s, sign overdue 2 s, sign escalation 4 s; the resolve warning (3 s) and
    // overdue (4 s) are refused while the ticket is unsigned and applied when it is signed.
    const before = await waitForTimeline(agent, t.id, (e) =>
      timerTypes(e).includes("SUPERVISE:sign-escalate-1"),
    );
    expect(timerTypes(before)).toEqual([
      "SIGN_WARNING:sign-warning",
      "SIGN_OVERDUE:sign-overdue",
      "SUPERVISE:sign-escalate-1",
    ]);
    expect((await handler.event(t.id, "SIGN")).status).toBe(200);
    const evs = await waitForTimeline(agent, t.id, (e) =>
      timerTypes(e).includes("SUPERVISE:resolve-escalate-2"),
    );
    expect(timerTypes(evs)).toEqual([
      "SIGN_WARNING:sign-warning",
      "SIGN_OVERDUE:sign-overdue",
      "SUPERVISE:sign-escalate-1",
      "RESOLVE_WARNING:resolve-warning",
      "RESOLVE_OVERDUE:resolve-overdue",
      "SUPERVISE:resolve-escalate-1",
      "SUPERVISE:resolve-escalate-2",
    ]);
    // sign-escalate-2 (6 s) never came: the ticket was signed at ~4 s.
    const signAt = evs.find((e) => e.type === "SIGN")?.at ?? "";
    const resolveFlags = evs.filter((e) => e.type.startsWith("RESOLVE_"));
    for (const e of resolveFlags) expect(Date.parse(e.at)).toBeGreaterThanOrEqual(Date.parse(signAt));
  });

  it.concurrent("the callback deadline runs from the approval; a closed ticket has no timers", async () => {
    const t = await createTicket(agent);
    expect((await agent.event(t.id, "DISPATCH", { departmentId: dongcheng })).status).toBe(200);
    expect((await handler.event(t.id, "SIGN")).status).toBe(200);
    expect((await handler.event(t.id, "REPLY", { result: "已处理", outcome: "resolved" })).status).toBe(200);
    const approved = await reviewer.event(t.id, "APPROVE_REPLY", {});
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe("callback");
    const evs = await waitForTimeline(agent, t.id, (e) => timerTypes(e).length >= 1);
    expect(timerTypes(evs)).toEqual(["CALLBACK_OVERDUE:callback-overdue"]);
    const overdue = evs.find((e) => e.type === "CALLBACK_OVERDUE");
    expect(overdue?.payload.dueAt).toBe(approved.body.callbackBy);
    expect((await agent.event(t.id, "CALLBACK", { rating: "satisfied", resolved: true })).status).toBe(200);
    await sleep(2_000);
    expect(timerTypes(await timeline(agent, t.id))).toEqual(["CALLBACK_OVERDUE:callback-overdue"]);
  });

  it.concurrent("an extension approved before the deadline cancels the overdue", async () => {
    const t = await createTicket(agent);
    expect((await agent.event(t.id, "DISPATCH", { departmentId: dongcheng })).status).toBe(200);
    expect((await handler.event(t.id, "SIGN")).status).toBe(200);
    const until = new Date(Date.now() + 120_000).toISOString();
    expect((await handler.event(t.id, "REQUEST_EXTENSION", { until, reason: "需协调多部门" })).status).toBe(
      200,
    );
    const approved = await reviewer.event(t.id, "APPROVE_EXTENSION", {});
    expect(approved.status).toBe(200);
    expect(approved.body.dueAt).toBe(until);
    // The old deadline (4 s) and its escalations (6 s, 8 s) pass without a trace.
    await sleep(8_500);
    const evs = await timeline(agent, t.id);
    expect(timerTypes(evs)).toEqual([]);
    const now = await agent.get<Record<string, unknown>>(`/api/v1/tickets/${t.id}`);
    expect(now.body.supervisionLevel).toBe(0);
  });

  it.concurrent("a re-dispatch gives the new department fresh deadlines; the old timers do nothing", async () => {
    const t = await createTicket(agent);
    expect((await agent.event(t.id, "DISPATCH", { departmentId: dongcheng })).status).toBe(200);
    await waitForTimeline(agent, t.id, (e) => timerTypes(e).includes("SIGN_WARNING:sign-warning"));
    expect((await handler.event(t.id, "REQUEST_RETURN", { reason: "不属于本区管辖" })).status).toBe(200);
    const redispatched = await agent.event(t.id, "APPROVE_RETURN", { departmentId: xicheng });
    expect(redispatched.status).toBe(200);
    expect(redispatched.body.departmentId).toBe(xicheng);
    const redispatchAt = Date.parse(String(redispatched.body.signBy)) - 2000;

    const evs = await waitForTimeline(
      agent,
      t.id,
      (e) => timerTypes(e).filter((x) => x === "SUPERVISE:sign-escalate-1").length >= 1,
    );
    const dv = redispatched.body.deadlineVersion ?? null;
    const timers = evs.filter((e) => e.actorRole === "system");
    // One warning for the first department, then the second department's own ladder.
    expect(timers.map((e) => e.type)).toEqual(["SIGN_WARNING", "SIGN_WARNING", "SIGN_OVERDUE", "SUPERVISE"]);
    const [, ...fresh] = timers;
    for (const e of fresh) {
      expect(Date.parse(e.at)).toBeGreaterThanOrEqual(redispatchAt);
      if (dv !== null) expect(e.payload.deadlineVersion).toBe(dv);
    }
    expect(Date.parse(String(fresh[1]?.payload.dueAt))).toBe(redispatchAt + 2000);
  });
});
