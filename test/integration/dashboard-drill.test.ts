import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Services } from "../../src/system.ts";
import { createTicket, deptId, type TicketBody } from "../helpers/fixtures.ts";
import { statsSettled } from "../helpers/stats.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

/**
 * Issue 12, the dashboard's API: trend buckets and file names say the days they cover, and the
 * ticket list behind each figure (GET /api/v1/tickets?figure=…) holds exactly the tickets the
 * figure counts.
 */

let sys: TestSystem;
let manager: ApiClient;

beforeAll(async () => {
  sys = await startTestSystem();
  manager = await sys.as("manager1");
});

type Page = { items: TicketBody[]; nextCursor: string | null; total?: number };

/** Every ticket of a list query (all pages) and the total the first page reports. */
async function listAll(query: Record<string, string>): Promise<{ ids: number[]; total: number }> {
  const ids: number[] = [];
  let cursor: string | null = null;
  let total = -1;
  do {
    const params = new URLSearchParams({
      limit: "2",
      total: "true",
      ...query,
      ...(cursor ? { cursor } : {}),
    });
    const res: { status: number; body: Page } = await manager.get<Page>(`/api/v1/tickets?${params}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    if (total < 0) total = res.body.total ?? -1;
    ids.push(...res.body.items.map((t) => t.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  return { ids: ids.sort((a, b) => a - b), total };
}

async function summary(query: Record<string, string> = {}): Promise<Record<string, number | null>> {
  const res = await manager.get<Record<string, number | null>>(
    `/api/v1/stats/summary?${new URLSearchParams(query)}`,
  );
  expect(res.status).toBe(200);
  return res.body;
}

/** The CSV export of a list: its data rows (header dropped). */
async function exportRows(query: Record<string, string>): Promise<string[]> {
  const res = await fetch(`${sys.url}/api/v1/tickets/export.csv?${new URLSearchParams(query)}`, {
    headers: { authorization: `Bearer ${manager.token}` },
  });
  expect(res.status).toBe(200);
  return (await res.text()).trimEnd().split("\r\n").slice(1);
}

async function run(client: ApiClient, id: number, type: string, payload: Record<string, unknown> = {}) {
  const res = await client.event(id, type, payload);
  expect(res.status, `${type}: ${JSON.stringify(res.body)}`).toBe(200);
}
afterAll(async () => {
  await sys?.stop();
});

describe("periods", () => {
  it("trend buckets are labelled by their first day within the period", async () => {
    const bounds = async (q: string) => {
      const res = await manager.get<{ items: Array<{ period: string; to: string }> }>(
        `/api/v1/stats/trend?${q}`,
      );
      expect(res.status).toBe(200);
      return res.body.items.map((p) => `${p.period}..${p.to}`);
    };
    // October 2026 starts on a Thursday: its first week is 10-01..10-04, not the week of 09-28.
    expect(await bounds("granularity=week&from=2026-10-01&to=2026-11-01")).toEqual([
      "2026-10-01..2026-10-05",
      "2026-10-05..2026-10-12",
      "2026-10-12..2026-10-19",
      "2026-10-19..2026-10-26",
      "2026-10-26..2026-11-01",
    ]);
    expect(await bounds("granularity=month&from=2026-10-15&to=2026-12-10")).toEqual([
      "2026-10-15..2026-11-01",
      "2026-11-01..2026-12-01",
      "2026-12-01..2026-12-10",
    ]);
  });

  it("the ranking's CSV is named by the period's first and last day", async () => {
    const res = await fetch(`${sys.url}/api/v1/stats/departments?format=csv&from=2026-10-01&to=2026-11-01`, {
      headers: { authorization: `Bearer ${manager.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(
      'attachment; filename="departments_2026-10-01_2026-10-31.csv"',
    );
  });
});

describe("the tickets behind each figure", () => {
  const id: Record<string, number> = {};
  let s: Services;
  let dongcheng: number;
  let hepingli: number;

  beforeAll(async () => {
    s = sys.system.services;
    const [agent, reviewer, handler1, handler2, handler3] = await Promise.all([
      sys.as("agent1"),
      sys.as("reviewer1"),
      sys.as("handler1"),
      sys.as("handler2"),
      sys.as("handler3"),
    ]);
    dongcheng = await deptId(agent, "dongcheng");
    hepingli = await deptId(agent, "dc-hepingli");
    const xicheng = await deptId(agent, "xicheng");
    const ticket = async (name: string, categoryCode: string, channel = "phone") => {
      id[name] = (await createTicket(agent, { categoryCode, channel })).id;
      return id[name] as number;
    };
    const closeWith = async (t: number, rating: string, resolved: boolean) => {
      await run(agent, t, "DISPATCH", { departmentId: dongcheng });
      await run(handler1, t, "SIGN");
      await run(handler1, t, "REPLY", { result: "已处理", outcome: "resolved" });
      await run(reviewer, t, "APPROVE_REPLY");
      await run(agent, t, "CALLBACK", { rating, resolved });
    };
    // Closed on time, satisfied and resolved; closed, basically satisfied, not resolved.
    await closeWith(await ticket("satisfied", "noise"), "satisfied", true);
    await closeWith(await ticket("unresolved", "sanitation"), "basically_satisfied", false);
    // Dissatisfied: the callback sends it back to 东城区 (重办), open again.
    await closeWith(await ticket("dissatisfied", "noise", "web"), "dissatisfied", false);
    // Answered directly: closed, on time, no department.
    await run(agent, await ticket("direct", "policy-consult"), "ANSWER_DIRECTLY", { answer: "已告知" });
    // Open at 西城区, unsigned; one at the street office under 东城区.
    await run(agent, await ticket("waiting", "water-supply"), "DISPATCH", { departmentId: xicheng });
    await run(agent, await ticket("street", "noise"), "DISPATCH", { departmentId: hepingli });
    await run(handler3, id.street as number, "SIGN");
    // Returned by 西城区 (approved): back with the hotline, not dispatched.
    await run(agent, await ticket("returned", "greening"), "DISPATCH", { departmentId: xicheng });
    await run(handler2, id.returned as number, "REQUEST_RETURN", { reason: "不属于本单位职责" });
    await run(agent, id.returned as number, "APPROVE_RETURN");
    // Merged: excluded from every figure.
    await run(agent, await ticket("merged", "noise"), "MERGE", { intoTicketId: id.satisfied });
    // Past their deadlines (moved back in the database, as time would): one signed and being
    // handled past due (overdue, late); one dispatched and unsigned past signBy (signed late, a warning).
    await run(agent, await ticket("overdue", "road-traffic"), "DISPATCH", { departmentId: dongcheng });
    await run(handler1, id.overdue as number, "SIGN");
    await run(agent, await ticket("unsigned", "road-traffic"), "DISPATCH", { departmentId: dongcheng });
    await s.pool.query("UPDATE tickets SET due_at = now() - interval '1 hour' WHERE id = $1", [id.overdue]);
    await s.pool.query("UPDATE tickets SET sign_by = now() - interval '1 hour' WHERE id = $1", [id.unsigned]);
    await s.pool.query("UPDATE assignments SET sign_by = now() - interval '1 hour' WHERE ticket_id = $1", [
      id.unsigned,
    ]);
    await statsSettled(s);
    for (const t of [id.overdue, id.unsigned]) await s.stats.processTicket(t as number);
  });

  const ids = (...names: string[]) => names.map((n) => id[n] as number).sort((a, b) => a - b);

  it("each figure's list holds exactly the tickets it counts, as many as the figure says", async () => {
    const all = await summary();
    const expected: Record<string, number[]> = {
      received: ids(
        "satisfied",
        "unresolved",
        "dissatisfied",
        "direct",
        "waiting",
        "street",
        "returned",
        "overdue",
        "unsigned",
      ),
      closed: ids("satisfied", "unresolved", "direct"),
      open: ids("dissatisfied", "waiting", "street", "returned", "overdue", "unsigned"),
      overdueOpen: ids("overdue"),
      warnings: ids("unsigned"),
      late: ids("overdue"),
      rated: ids("satisfied", "unresolved", "dissatisfied"),
      dissatisfied: ids("dissatisfied"),
      unresolved: ids("unresolved", "dissatisfied"),
      reopened: [],
      returned: ids("returned"),
      signLate: ids("unsigned"),
    };
    for (const [figure, want] of Object.entries(expected)) {
      const got = await listAll({ figure });
      expect(got.ids, figure).toEqual(want);
      expect(got.total, figure).toBe(want.length);
    }
    // The counts the summary shows, and the rates' complements.
    expect(all.received).toBe(expected.received?.length);
    expect(all.closed).toBe(expected.closed?.length);
    expect(all.overdueOpen).toBe(expected.overdueOpen?.length);
    expect(all.warnings).toBe(expected.warnings?.length);
    expect(all.completionRate).toBeCloseTo(1 - 6 / 9);
    // on time: 3 closed on time of (3 closed + 1 overdue open); late = the one overdue.
    expect(all.onTimeRate).toBeCloseTo(3 / 4);
    expect(all.satisfactionRate).toBeCloseTo(2 / 3);
    expect(all.resolutionRate).toBeCloseTo(1 / 3);
  });

  it("a department, its subtree or itself alone (a ranking row), a category, a channel", async () => {
    const tree = await summary({ departmentId: String(dongcheng) });
    const subtree = await listAll({ figure: "received", departmentId: String(dongcheng) });
    expect(subtree.total).toBe(tree.received);
    expect(subtree.ids).toContain(id.street);
    const ranking = await manager.get<{ items: Array<{ departmentId: number; received: number }> }>(
      "/api/v1/stats/departments",
    );
    const row = ranking.body.items.find((r) => r.departmentId === dongcheng);
    const alone = await listAll({ figure: "received", departmentId: String(dongcheng), subtree: "false" });
    expect(alone.total).toBe(row?.received);
    expect(alone.total).toBe((tree.received as number) - 1); // the street office's ticket is not its own
    expect(alone.ids).not.toContain(id.street);

    const cats = await manager.get<{ items: Array<{ categoryCode: string; received: number }> }>(
      "/api/v1/stats/categories",
    );
    const noise = cats.body.items.find((c) => c.categoryCode === "noise");
    expect((await listAll({ figure: "received", categoryCode: "noise" })).total).toBe(noise?.received);
    expect((await listAll({ figure: "received", channel: "web" })).ids).toEqual(ids("dissatisfied"));
    // Overdue open within 东城区 and the closed tickets of 西城区 (none).
    expect((await listAll({ figure: "overdueOpen", departmentId: String(dongcheng) })).ids).toEqual(
      ids("overdue"),
    );
    const xicheng = await deptId(manager, "xicheng");
    expect((await listAll({ figure: "closed", departmentId: String(xicheng) })).total).toBe(0);
    // A returned dispatch counts for the department it went to, though the ticket is back with the hotline.
    expect((await listAll({ figure: "returned", departmentId: String(xicheng) })).ids).toEqual(
      ids("returned"),
    );
  });

  it("the period: the figure's days, and the received days of a plain list", async () => {
    expect(
      (await listAll({ figure: "received", receivedFrom: "2020-01-01", receivedTo: "2020-02-01" })).total,
    ).toBe(0);
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const day = { receivedFrom: today, receivedTo: tomorrow };
    expect((await listAll({ figure: "received", ...day })).total).toBe(
      (await summary({ from: today, to: tomorrow })).received,
    );
    // Without a figure the list filters tickets by when they were received (merged ones too).
    expect((await listAll(day)).total).toBe(10);
    expect((await listAll({ receivedTo: today })).total).toBe(0);
    const bad = await manager.get("/api/v1/tickets?receivedFrom=2026-02-30");
    expect(bad.status).toBe(422);
    expect((bad.body as { errors: Record<string, string> }).errors).toHaveProperty("receivedFrom");
    expect((await manager.get(`/api/v1/tickets?receivedFrom=${tomorrow}&receivedTo=${today}`)).status).toBe(
      422,
    );
    for (const q of [
      "receivedFrom=0000-01-01",
      "receivedTo=0000-06-01T00:00:00Z",
      "figure=closed&receivedFrom=0000-01-01",
    ])
      expect((await manager.get(`/api/v1/tickets?${q}`)).status, q).toBe(422);
  });

  it("the CSV export of a figure's list has one row per ticket of the list", async () => {
    for (const figure of ["received", "closed", "open", "overdueOpen", "signLate"]) {
      const list = await listAll({ figure });
      expect(await exportRows({ figure }), figure).toHaveLength(list.total);
    }
    const rows = await exportRows({ figure: "overdueOpen", departmentId: String(dongcheng) });
    expect(rows).toHaveLength(1);
  });
});
