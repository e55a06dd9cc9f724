import fc from "fast-check";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appliesIn, type TimerKind, type TimerStatus } from "../../src/sla/timer-plan.ts";
import type { Services } from "../../src/system.ts";
import type { TicketContext, TicketState } from "../../src/tickets/ticket.machine.ts";
import { createTicket } from "../helpers/fixtures.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

/**
 * One ticket write model: a history replayed through the LIVE API (and the timers) leaves the same
 * rows as the same history imported (NDJSON, POST /api/v1/import/tickets).
 *
 * fast-check draws random but valid histories: each step picks one of the events the ticket's
 * state makes plausible (create, dispatch with co-handling units, sign, sub-dispatch, first
 * response, extensions, assist replies, replies approved or rejected, callbacks satisfied,
 * dissatisfied or unreachable, reopens, return requests approved with or without re-dispatch or
 * rejected, recalls, merges, supervision, urges, comments) and the timers' effects (the next due
 * timer applied by the scheduler at its due time: warnings, overdues, automatic escalations). An
 * event the API refuses is simply not part of the history (a refusal must be a 4xx, never a 5xx).
 * The live timeline is read back and imported as one NDJSON line with the live events' own
 * times, into the same database; then every row is compared: the ticket's columns, its
 * assignments, timeline, callbacks, extension requests and timer ledger.
 *
 * Not compared, by design: ids, ticket numbers, externalRef and the creator; who acted (the
 * import records the importing user for callbacks and extension requests, and no actor ids on
 * events; the acting unit only for an ASSIST_REPLY); when a ledger row was marked fired (the
 * database's clock).
 */

const RUNS = Number(process.env.HISTORY_LIVE_RUNS ?? 30);
/** Lead units with a handler of their own (demo users), and who handles each. */
const LEADS = ["dongcheng", "xicheng", "water", "housing"] as const;
const HANDLER_OF: Record<string, string> = {
  dongcheng: "handler1",
  xicheng: "handler2",
  "dc-hepingli": "handler3",
  "dc-chengguan": "handler-cg",
  water: "handler-water",
  housing: "handler-housing",
};
const SUBS: Record<string, readonly string[]> = {
  dongcheng: ["dc-hepingli", "dc-chengguan"],
  xicheng: ["xc-jinrong", "xc-yuetan"],
};

interface TicketRow {
  status: TicketState;
  departmentId: number | null;
  coDepartmentIds: number[];
  subDepartmentId: number | null;
  dueAt: Date | null;
  context: TicketContext;
}

type Step = [pick: number, variant: number];
interface Script {
  urgency: "normal" | "urgent" | "critical";
  categoryCode: string;
  steps: Step[];
}

interface Action {
  name: string;
  run(): Promise<"applied" | "refused">;
}

let sys: TestSystem;
let s: Services;
let pool: pg.Pool;
const users = new Map<string, ApiClient>();
const ids = new Map<string, number>();
const codes = new Map<number, string>();
let admin: ApiClient;
const refusals: Record<string, number> = {};
const applied: Record<string, number> = {};

beforeAll(async () => {
  // No workers: timers fire only when a step says so (the scheduler's own fireMany, at the
  // timer's due time), and nothing drains queues under the comparison.
  sys = await startTestSystem({ workers: false });
  s = sys.system.services;
  pool = s.pool;
  admin = await sys.as("admin");
  for (const u of ["agent1", "reviewer1", "manager1", ...new Set(Object.values(HANDLER_OF))])
    users.set(u, await sys.as(u));
  const deps = await admin.get<{ items: Array<{ id: number; code: string }> }>("/api/v1/departments");
  for (const d of deps.body.items) {
    ids.set(d.code, d.id);
    codes.set(d.id, d.code);
  }
}, 60_000);
afterAll(async () => {
  await sys?.stop();
});

const user = (name: string) => users.get(name) as ApiClient;
const dept = (code: string) => ids.get(code) as number;

async function row(id: number): Promise<TicketRow> {
  const { rows } = await pool.query<TicketRow>(
    `SELECT status::text AS status, department_id AS "departmentId", co_department_ids AS "coDepartmentIds",
            sub_department_id AS "subDepartmentId", due_at AS "dueAt", context
       FROM tickets WHERE id = $1`,
    [id],
  );
  return rows[0] as TicketRow;
}

/** Sends an event as `who`; a refusal is fine (the history just does not have it), a 5xx is not. */
function send(who: string, id: number, type: string, payload: Record<string, unknown> = {}): Action {
  return {
    name: `${who} ${type}`,
    async run() {
      const res = await user(who).event(id, type, payload);
      if (res.status >= 500 || ![200, 409, 422].includes(res.status))
        throw new Error(
          `${who} ${type} ${JSON.stringify(payload)}: ${res.status} ${JSON.stringify(res.body)}`,
        );
      return res.status === 200 ? "applied" : "refused";
    },
  };
}

/**
 * The ticket's earliest pending timer, applied by the scheduler at its due time — when every
 * timer due by then applies in the ticket's status (a timer the status refuses would be parked
 * as `deferred`, which the history has no event for).
 */
async function nextTimer(id: number, status: TicketState): Promise<Action | null> {
  const { rows } = await pool.query<{ deadline_version: number; kind: TimerKind; due_at: Date }>(
    `SELECT deadline_version, kind, due_at FROM timer_firings
      WHERE ticket_id = $1 AND state = 'pending' ORDER BY due_at`,
    [id],
  );
  const first = rows[0];
  if (!first) return null;
  const due = rows.filter((r) => r.due_at.getTime() <= first.due_at.getTime());
  if (!due.every((r) => appliesIn(r.kind, status as TimerStatus))) return null;
  return {
    name: `timer ${first.kind}`,
    async run() {
      const [result] = await s.timers.fireMany(
        [{ ticketId: id, deadlineVersion: first.deadline_version, kind: first.kind }],
        first.due_at,
      );
      return result?.outcome === "applied" ? "applied" : "refused";
    },
  };
}

/**
 * The events this ticket's state makes plausible, weighted so that a walk goes deep into the
 * lifecycle (the API still has the last word: a refused event is not part of the history).
 */
async function candidates(
  id: number,
  mergeTarget: number,
  variant: number,
): Promise<Array<[Action, number]>> {
  const t = await row(id);
  const v = (n: number) => variant % n;
  const lead = t.departmentId === null ? null : (codes.get(t.departmentId) as string);
  const leadHandler = lead ? HANDLER_OF[lead] : undefined;
  const assignment = () => {
    const to = LEADS[v(LEADS.length)] as string;
    const others = LEADS.filter((d) => d !== to);
    const co = others[Math.floor(variant / 7) % others.length] as string;
    const shape = Math.floor(variant / 3) % 4;
    return shape === 0
      ? { departmentId: dept(to), coDepartmentIds: [dept(co)] }
      : shape === 1
        ? { departmentId: dept(to), coDepartmentIds: [dept(co), dept(to)], note: "转办" }
        : { departmentId: dept(to) };
  };
  const out: Array<[Action, number]> = [];
  const add = (weight: number, action: Action) => out.push([action, weight]);
  const noise = () => {
    add(1, send("manager1", id, "SUPERVISE", { level: 1 + v(3), note: "督办" }));
    add(1, send("agent1", id, "URGE", { note: "请尽快办理" }));
    add(1, send("agent1", id, "COMMENT", { note: "备注" }));
  };
  switch (t.status) {
    case "registered":
      add(12, send("agent1", id, "DISPATCH", assignment()));
      add(1, send("agent1", id, "ANSWER_DIRECTLY", { answer: "已当场解答" }));
      add(1, send("agent1", id, "MERGE", { intoTicketId: mergeTarget }));
      noise();
      break;
    case "dispatched":
      if (leadHandler) {
        add(10, send(leadHandler, id, "SIGN"));
        add(2, send(leadHandler, id, "REQUEST_RETURN", { reason: "非本单位职责" }));
      }
      add(1, send("agent1", id, "RECALL", { reason: "派单有误" }));
      add(1, send("agent1", id, "MERGE", { intoTicketId: mergeTarget }));
      noise();
      break;
    case "processing": {
      const awaited = t.coDepartmentIds.filter((co) => !t.context.assistRepliedDepartmentIds.includes(co));
      for (const co of awaited) {
        const h = HANDLER_OF[codes.get(co) as string];
        if (h) add(6, send(h, id, "ASSIST_REPLY", { note: "协办意见" }));
      }
      if (leadHandler) {
        const outcome = (["resolved", "explained", "unresolvable"] as const)[v(3)];
        add(awaited.length ? 1 : 8, send(leadHandler, id, "REPLY", { result: "已处理", outcome }));
        add(2, send(leadHandler, id, "FIRST_RESPONSE", { note: "已联系市民" }));
        add(1, send(leadHandler, id, "REQUEST_RETURN", { reason: "需转他单位" }));
        if (t.dueAt && !t.context.pendingExtension)
          add(
            2,
            send(leadHandler, id, "REQUEST_EXTENSION", {
              until: new Date(t.dueAt.getTime() + (1 + v(5)) * 86_400_000).toISOString(),
              reason: "需现场协调",
            }),
          );
        const subs = lead ? SUBS[lead] : undefined;
        if (subs)
          add(
            2,
            send(leadHandler, id, "SUB_DISPATCH", { departmentId: dept(subs[v(subs.length)] as string) }),
          );
      }
      if (t.context.pendingExtension) {
        add(4, send("reviewer1", id, "APPROVE_EXTENSION", v(2) ? { reason: "同意" } : {}));
        add(2, send("reviewer1", id, "REJECT_EXTENSION", { reason: "时限内可办结" }));
      }
      const sub = t.subDepartmentId === null ? undefined : HANDLER_OF[codes.get(t.subDepartmentId) as string];
      if (sub) add(1, send(sub, id, "FIRST_RESPONSE", { note: "街道已联系" }));
      noise();
      break;
    }
    case "returnRequested":
      add(4, send("agent1", id, "APPROVE_RETURN", assignment()));
      add(2, send("agent1", id, "APPROVE_RETURN", v(2) ? {} : { note: "退回受理" }));
      add(3, send("agent1", id, "REJECT_RETURN", { reason: "属本单位职责" }));
      noise();
      break;
    case "reviewing":
      add(6, send("reviewer1", id, "APPROVE_REPLY", v(2) ? { note: "同意" } : {}));
      add(2, send("reviewer1", id, "REJECT_REPLY", { reason: "答复不完整" }));
      noise();
      break;
    case "callback":
      add(3, send("agent1", id, "CALLBACK", { rating: "satisfied", resolved: true }));
      add(2, send("agent1", id, "CALLBACK", { rating: "basically_satisfied", resolved: v(2) === 0 }));
      add(3, send("agent1", id, "CALLBACK", { rating: "dissatisfied", resolved: false, note: "仍未解决" }));
      add(
        3,
        send(
          "agent1",
          id,
          "CALLBACK",
          v(2) ? { rating: "unreachable" } : { rating: "unreachable", note: "无人接听" },
        ),
      );
      noise();
      break;
    case "closed":
      // Closed for good unless a department handled it (a reopen is possible).
      if (t.departmentId === null || t.context.directlyAnswered) return [];
      add(4, send("agent1", id, "REOPEN", { reason: "问题再次出现" }));
      add(1, send("agent1", id, "COMMENT", { note: "已归档" }));
      break;
    case "merged":
      break;
  }
  const timer = await nextTimer(id, t.status);
  if (timer) add(3, timer);
  return out;
}

function choose(options: Array<[Action, number]>, pick: number): Action {
  const total = options.reduce((n, [, w]) => n + w, 0);
  let x = pick % total;
  for (const [action, w] of options) {
    if (x < w) return action;
    x -= w;
  }
  return (options.at(-1) as [Action, number])[0];
}

/** Replays a script through the live API; returns the ticket id. */
async function live(script: Script): Promise<number> {
  const target = await createTicket(user("agent1"), { title: "合并目标", categoryCode: script.categoryCode });
  const t = await createTicket(user("agent1"), {
    categoryCode: script.categoryCode,
    urgency: script.urgency,
    confidential: script.steps.length % 2 === 0,
    area: "东城",
  });
  for (const [pick, variant] of script.steps) {
    const options = await candidates(t.id, target.id, variant);
    if (options.length === 0) break;
    const action = choose(options, pick);
    const outcome = await action.run();
    const tally = outcome === "applied" ? applied : refusals;
    tally[action.name] = (tally[action.name] ?? 0) + 1;
  }
  return t.id;
}

interface TimelineItem {
  seq: number;
  type: string;
  actorRole: string;
  departmentId: number | null;
  payload: Record<string, unknown>;
  at: string;
}

/** The live ticket as an import line: its intake fields and its timeline, times as they were. */
async function importLine(id: number, externalRef: string) {
  // Intake fields as stored (the API masks the phone number for an admin).
  const { rows: intake } = await pool.query(
    `SELECT t.channel, t.citizen_name AS "citizenName", t.citizen_phone AS "citizenPhone", t.confidential,
            t.address, t.area, t.lat, t.lng, c.code AS "categoryCode", t.urgency::text AS urgency, t.title,
            t.description
       FROM tickets t JOIN categories c ON c.id = t.category_id WHERE t.id = $1`,
    [id],
  );
  const t = intake[0] as Record<string, unknown>;
  const timeline = (
    await admin.get<{ items: TimelineItem[] } | TimelineItem[]>(`/api/v1/tickets/${id}/events`)
  ).body;
  const items = Array.isArray(timeline) ? timeline : timeline.items;
  expect(items[0]?.type).toBe("CREATE");
  return {
    externalRef,
    channel: t.channel,
    citizenName: t.citizenName,
    citizenPhone: t.citizenPhone,
    confidential: t.confidential,
    address: t.address,
    area: t.area,
    lat: t.lat,
    lng: t.lng,
    categoryCode: t.categoryCode,
    urgency: t.urgency,
    title: t.title,
    description: t.description,
    createdAt: items[0]?.at,
    events: items.slice(1).map((e) => ({
      type: e.type,
      at: e.at,
      actorRole: e.actorRole,
      // The co-handling unit that sent an ASSIST_REPLY is its sender's department.
      payload: e.type === "ASSIST_REPLY" ? { ...e.payload, departmentId: e.departmentId } : e.payload,
    })),
  };
}

async function importOne(line: unknown) {
  const res = await fetch(`${admin.baseUrl}/api/v1/import/tickets`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin.token}`, "content-type": "application/x-ndjson" },
    body: `${JSON.stringify(line)}\n`,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { imported: number; rejected: number; errors: Array<{ message: string }> };
}

/** Every row the writer made for the ticket, without what differs by design (see the file's comment). */
async function rows(id: number) {
  const q = async (sql: string) => (await pool.query(sql, [id])).rows;
  const [ticket] = await q(
    `SELECT channel, status, version, citizen_name, citizen_phone, confidential, address, area, lat, lng,
            category_id, urgency, title, description, department_id, co_department_ids, sub_department_id,
            context, reopen_count, supervision_level, dispatch_count, last_rating, last_resolved,
            directly_answered, merged_into_id, deadline_version, dispatched_at, sign_by, first_response_by,
            due_at, callback_by, signed_at, first_response_at, first_approved_reply_at, first_reply_on_time,
            closed_at, created_at, updated_at
       FROM tickets WHERE id = $1`,
  );
  return {
    ticket,
    assignments: await q(
      `SELECT department_id, role, dispatched_at, sign_by, signed_at, outcome, ended_at
         FROM assignments WHERE ticket_id = $1 ORDER BY id`,
    ),
    events: await q(
      `SELECT seq, type, from_status, to_status, actor_role,
              CASE WHEN type = 'ASSIST_REPLY' THEN department_id END AS acting_unit, payload, at
         FROM ticket_events WHERE ticket_id = $1 ORDER BY seq`,
    ),
    callbacks: await q(`SELECT rating, resolved, note, at FROM callbacks WHERE ticket_id = $1 ORDER BY id`),
    extensions: await q(
      `SELECT until, reason, status, decided_at, decision_reason, created_at
         FROM extension_requests WHERE ticket_id = $1 ORDER BY id`,
    ),
    ledger: await q(
      `SELECT deadline_version, kind, status, due_at, state
         FROM timer_firings WHERE ticket_id = $1 ORDER BY deadline_version, kind`,
    ),
  };
}

const scriptArb: fc.Arbitrary<Script> = fc.record({
  urgency: fc.constantFrom("normal", "urgent", "critical"),
  categoryCode: fc.constantFrom("noise", "water-supply", "property-mgmt"),
  steps: fc.array(fc.tuple(fc.nat({ max: 9999 }), fc.nat({ max: 9999 })), { minLength: 10, maxLength: 40 }),
});

describe("a history replayed live and the same history imported", () => {
  it(`write the same rows (${RUNS} random histories)`, async () => {
    let n = 0;
    let events = 0;
    const statuses: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(scriptArb, async (script) => {
        const liveId = await live(script);
        const ref = `history-live-${liveId}-${n++}`;
        const line = await importLine(liveId, ref);
        const report = await importOne(line);
        expect(report.errors).toEqual([]);
        expect(report.imported).toBe(1);
        const { rows: found } = await pool.query<{ id: number }>(
          "SELECT id FROM tickets WHERE external_ref = $1",
          [ref],
        );
        const importedId = (found[0] as { id: number }).id;
        const [a, b] = await Promise.all([rows(liveId), rows(importedId)]);
        expect(b).toEqual(a);
        events += line.events.length;
        statuses[a.ticket.status] = (statuses[a.ticket.status] ?? 0) + 1;
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    console.info(
      `history-live: ${n} histories, ${events} events; final states ${JSON.stringify(statuses)}; ` +
        `applied ${JSON.stringify(applied)}; refused ${JSON.stringify(refusals)}`,
    );
    // The random walk reaches the whole lifecycle.
    for (const type of [
      "DISPATCH",
      "SIGN",
      "REPLY",
      "APPROVE_REPLY",
      "CALLBACK",
      "REQUEST_RETURN",
      "REQUEST_EXTENSION",
      "ASSIST_REPLY",
    ])
      expect(
        Object.keys(applied).some((k) => k.endsWith(` ${type}`)),
        type,
      ).toBe(true);
    expect(Object.keys(applied).some((k) => k.startsWith("timer "))).toBe(true);
  }, 600_000);
});
