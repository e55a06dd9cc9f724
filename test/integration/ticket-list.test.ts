import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../../src/auth/principal.ts";
import { listSql, type SearchPhase } from "../../src/tickets/ticket.list.ts";
import { ListQuerySchema } from "../../src/tickets/ticket.schemas.ts";
import { createTicket, deptId, type TicketBody } from "../helpers/fixtures.ts";
import type { ApiClient } from "../helpers/system.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

/** GET /api/v1/tickets: text search, cursors, pagination (src/tickets/ticket.list.ts). */

let sys: TestSystem;
let db: pg.Client;
beforeAll(async () => {
  sys = await startTestSystem({ workers: false });
  db = new pg.Client({ connectionString: sys.system.services.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await sys?.stop();
});

type Page = { items: TicketBody[]; nextCursor: string | null };

async function search(client: ApiClient, query: Record<string, string>): Promise<number[]> {
  const res = await client.get<Page>(`/api/v1/tickets?${new URLSearchParams({ limit: "200", ...query })}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items.map((t) => t.id).sort((a, b) => a - b);
}

/** Every page of a query, following nextCursor. */
async function allPages(client: ApiClient, query: Record<string, string>): Promise<TicketBody[]> {
  const seen: TicketBody[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const params = new URLSearchParams({ ...query, ...(cursor ? { cursor } : {}) });
    const res: { status: number; body: Page } = await client.get<Page>(`/api/v1/tickets?${params}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    seen.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return seen;
  }
  throw new Error("more than 100 pages");
}

describe("text search (q)", () => {
  it("matches a Chinese substring of the description, the address or the title", async () => {
    const agent = await sys.as("agent1");
    const lamp = await createTicket(agent, {
      title: "路灯不亮",
      description: "小区北门外的路灯连续三晚不亮，行人摔倒",
      address: "安定门外大街88号",
    });
    const noise = await createTicket(agent, {
      title: "夜间施工",
      description: "工地凌晨仍在打桩",
      address: "西直门内大街1号",
    });
    expect(await search(agent, { q: "北门外" })).toEqual([lamp.id]); // description only
    expect(await search(agent, { q: "行人摔倒" })).toEqual([lamp.id]); // description only
    expect(await search(agent, { q: "安定门" })).toEqual([lamp.id]); // address only
    expect(await search(agent, { q: "88号" })).toEqual([lamp.id]); // address, with digits
    expect(await search(agent, { q: "凌晨" })).toEqual([noise.id]); // two characters
    expect(await search(agent, { q: "桩" })).toEqual([noise.id]); // one character
    expect(await search(agent, { q: "灯不" })).toEqual([lamp.id]); // title
    expect(await search(agent, { q: "门内大街" })).toEqual([noise.id]);
    expect(await search(agent, { q: "大街" })).toEqual([lamp.id, noise.id]);
    // Substrings only: the characters of a term in another order, or apart, do not match.
    expect(await search(agent, { q: "外门北" })).toEqual([]);
    expect(await search(agent, { q: "北门大街" })).toEqual([]);
    // The search is a filter like the others: it combines with them and with the caller's scope.
    expect(await search(agent, { q: "大街", status: "registered" })).toEqual([lamp.id, noise.id]);
    expect(await search(agent, { q: "大街", status: "closed" })).toEqual([]);
    expect(await search(agent, { q: "大街", categoryCode: "noise" })).toEqual([lamp.id, noise.id]);
    expect(await search(agent, { q: "大街", categoryCode: "greening" })).toEqual([]);
    // The units change with dispatches: the search follows them.
    await agent.event(lamp.id, "DISPATCH", { departmentId: await deptId(agent, "xicheng") });
    expect(await search(await sys.as("handler2"), { q: "大街" })).toEqual([lamp.id]);
    expect(await search(await sys.as("handler1"), { q: "大街" })).toEqual([]);
    expect(await search(agent, { q: "大街", departmentId: String(await deptId(agent, "xicheng")) })).toEqual([
      lamp.id,
    ]);
    await agent.event(lamp.id, "RECALL", { reason: "派错单位" });
    await agent.event(lamp.id, "DISPATCH", { departmentId: await deptId(agent, "dongcheng") });
    expect(await search(await sys.as("handler2"), { q: "大街" })).toEqual([]);
    expect(await search(await sys.as("handler1"), { q: "大街" })).toEqual([lamp.id]);
  });

  it("takes %, _ and \\ literally: q=% matches only tickets containing a %", async () => {
    const agent = await sys.as("agent1");
    const percent = await createTicket(agent, { title: "商场打折100%虚假宣传", description: "标价不实" });
    const underscore = await createTicket(agent, { title: "网站账号user_01被盗", description: "无法登录" });
    const backslash = await createTicket(agent, { title: "发票路径C:\\票据有误", description: "开票错误" });
    const plain = await createTicket(agent, { title: "普通工单", description: "没有特殊字符" });
    const all = await search(agent, {});
    expect(all).toContain(plain.id);
    expect(await search(agent, { q: "%" })).toEqual([percent.id]);
    expect(await search(agent, { q: "_" })).toEqual([underscore.id]);
    expect(await search(agent, { q: "\\" })).toEqual([backslash.id]);
    expect(await search(agent, { q: "0%" })).toEqual([percent.id]);
    expect(await search(agent, { q: "r_0" })).toEqual([underscore.id]);
    expect(await search(agent, { q: "%%" })).toEqual([]);
    expect(await search(agent, { q: "1_0" })).toEqual([]); // `_` is not "any character"
    expect(await search(agent, { q: "C:\\票" })).toEqual([backslash.id]);
  });

  it("follows changes to the text, whoever writes them (ticket_search is kept by triggers)", async () => {
    const agent = await sys.as("agent1");
    const t = await createTicket(agent, { title: "井盖缺失", description: "井盖丢失多日" });
    expect(await search(agent, { q: "井盖丢失" })).toEqual([t.id]);
    await db.query(
      "UPDATE tickets SET description = '下水道井盖已被偷走', address = '鼓楼东大街' WHERE id = $1",
      [t.id],
    );
    expect(await search(agent, { q: "井盖丢失" })).toEqual([]);
    expect(await search(agent, { q: "被偷走" })).toEqual([t.id]);
    expect(await search(agent, { q: "鼓楼" })).toEqual([t.id]);
    const grams = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM ticket_search s JOIN tickets t ON t.id = s.ticket_id",
    );
    const tickets = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM tickets");
    expect(grams.rows[0]?.n).toBe(tickets.rows[0]?.n);
  });

  it("pages through many matches, each exactly once, newest first", async () => {
    const agent = await sys.as("agent1");
    const made: number[] = [];
    for (let i = 0; i < 9; i++) made.push((await createTicket(agent, { address: `鼓楼西大街${i}号` })).id);
    const seen = await allPages(agent, { q: "鼓楼西", limit: "2" });
    expect(seen.map((t) => t.id)).toEqual([...made].reverse());
  });
});

describe("text search phases", () => {
  it("walk, index and scan find the same page, in the caller's scope", async () => {
    const agent = await sys.as("agent1");
    const dept = await deptId(agent, "xicheng");
    for (let i = 0; i < 8; i++) {
      const t = await createTicket(agent, { address: `什刹海${i % 3 ? "前海" : "后海"}${i}号` });
      if (i % 2) await agent.event(t.id, "DISPATCH", { departmentId: dept });
    }
    const s = sys.system.services;
    const tree = await s.org.tree();
    const users = await s.db.user.findMany({ where: { username: { in: ["agent1", "handler2"] } } });
    const ids = async (user: string, query: Record<string, string>, phase: SearchPhase) => {
      const u = users.find((x) => x.username === user) as Principal;
      const q = ListQuerySchema.parse(query);
      const categoryId = q.categoryCode ? ((await s.org.categoryByCode(q.categoryCode))?.id ?? null) : null;
      const rows = await s.db.$queryRaw<Array<{ id: number }>>(
        listSql(u, q, { tree, categoryId, now: new Date(), timeZone: "Asia/Shanghai", received: {} }, phase),
      );
      return rows.map((r) => r.id);
    };
    for (const user of ["agent1", "handler2"]) {
      const queries: Array<Record<string, string>> = [
        { q: "什刹海", limit: "3" },
        { q: "前海", limit: "2", sort: "deadline" },
        { q: "海", limit: "200" },
        { q: "海", categoryCode: "noise", limit: "200" },
        { q: "海", departmentId: String(dept), limit: "200" },
      ];
      for (const query of queries) {
        const expected = await ids(user, query, "scan");
        expect(expected.length, `${user} ${JSON.stringify(query)}`).toBeGreaterThan(0);
        expect(await ids(user, query, "index")).toEqual(expected);
        // The walk reads every ticket here (fewer than SEARCH_WALK), so it is complete too.
        expect(await ids(user, query, "walk")).toEqual(expected);
      }
    }
  });
});

describe("crafted cursors and text", () => {
  const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const at = "2025-06-01T08:00:00.000Z";
  const crafted: Array<[string, string]> = [
    ["garbage", "garbage"],
    ["not base64 JSON", Buffer.from("{not json").toString("base64url")],
    ["null", cursor(null)],
    ["an array", cursor([at, 1])],
    ["no id", cursor({ k: at })],
    ["id 2^31", cursor({ k: at, id: 2 ** 31 })],
    ["id 2^53", cursor({ k: at, id: 2 ** 53 })],
    ["a fractional id", cursor({ k: at, id: 1.5 })],
    ["a negative id", cursor({ k: at, id: -1 })],
    ["an id string", cursor({ k: at, id: "1" })],
    ["year 0", cursor({ k: "0000-01-01T00:00:00.000Z", id: 1 })],
    ["year 10000", cursor({ k: "+010000-01-01T00:00:00.000Z", id: 1 })],
    ["a negative year", cursor({ k: "-000001-01-01T00:00:00.000Z", id: 1 })],
    ["month 13", cursor({ k: "2025-13-01T00:00:00.000Z", id: 1 })],
    ["February 30", cursor({ k: "2025-02-30T00:00:00.000Z", id: 1 })],
    ["a date without time", cursor({ k: "2025-06-01", id: 1 })],
    ["a number for the key", cursor({ k: 1_700_000_000_000, id: 1 })],
    ["an SQL fragment", cursor({ k: "2025-06-01T08:00:00.000Z' OR 1=1 --", id: 1 })],
  ];

  it.each(crafted)("refuses a cursor with %s: 400 problem+json", async (_what, value) => {
    const agent = await sys.as("agent1");
    for (const sort of ["newest", "deadline"]) {
      const res = await agent.get<{ status: number; type: string }>(
        `/api/v1/tickets?sort=${sort}&cursor=${encodeURIComponent(value)}`,
      );
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.body.status).toBe(400);
    }
    const csv = await agent.get(`/api/v1/tickets/export.csv?cursor=${encodeURIComponent(value)}`);
    expect(csv.status).toBeLessThan(500);
  });

  it("accepts the cursors it issues", async () => {
    const agent = await sys.as("agent1");
    await createTicket(agent);
    await createTicket(agent);
    const first = await agent.get<Page>("/api/v1/tickets?limit=1");
    expect(first.body.nextCursor).toBeTruthy();
    const next = await agent.get<Page>(`/api/v1/tickets?limit=1&cursor=${first.body.nextCursor}`);
    expect(next.status).toBe(200);
  });

  it("refuses a NUL character in q or phone with 400, not 500", async () => {
    const agent = await sys.as("agent1");
    for (const query of ["q=%00", "q=a%00b", "phone=%00", "phone=138%0000", "categoryCode=%00"]) {
      const res = await agent.get(`/api/v1/tickets?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  it("refuses a departmentId beyond int4 with a 4xx", async () => {
    const agent = await sys.as("agent1");
    const res = await agent.get(`/api/v1/tickets?departmentId=${2 ** 31}`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe("deadline sort", () => {
  it("pages through every ticket with a deadline exactly once, by deadline then id, ties included", async () => {
    const agent = await sys.as("agent1");
    const dept = await deptId(agent, "xicheng");
    const made: number[] = [];
    for (let i = 0; i < 11; i++) {
      const t = await createTicket(agent, {
        categoryCode: "education",
        urgency: i % 3 ? "normal" : "urgent",
      });
      await agent.event(t.id, "DISPATCH", { departmentId: dept });
      made.push(t.id);
    }
    // Ties: five tickets share one deadline, exactly where pages of 3 split them.
    await db.query("UPDATE tickets SET due_at = '2030-01-01T00:00:00Z' WHERE id = ANY($1::int[])", [
      made.slice(2, 7),
    ]);
    const expected = (
      await db.query<{ id: number }>(
        "SELECT id FROM tickets WHERE id = ANY($1::int[]) AND due_at IS NOT NULL ORDER BY due_at, id",
        [made],
      )
    ).rows.map((r) => r.id);
    expect(expected).toHaveLength(11);
    for (const limit of ["1", "3", "4"]) {
      const seen = await allPages(agent, { categoryCode: "education", sort: "deadline", limit });
      expect(seen.map((t) => t.id)).toEqual(expected);
    }
    // The same through the handler's scope and with a text search.
    const handler = await sys.as("handler2");
    const scoped = await allPages(handler, { categoryCode: "education", sort: "deadline", limit: "2" });
    expect(scoped.map((t) => t.id)).toEqual(expected);
    const searched = await allPages(agent, {
      categoryCode: "education",
      sort: "deadline",
      limit: "2",
      q: "施工",
    });
    expect(searched.map((t) => t.id)).toEqual(expected);
  });

  it("pages newest first through tickets created at the same instant", async () => {
    const agent = await sys.as("agent1");
    const made: number[] = [];
    for (let i = 0; i < 6; i++) made.push((await createTicket(agent, { categoryCode: "greening" })).id);
    await db.query("UPDATE tickets SET created_at = '2026-01-01T00:00:00Z' WHERE id = ANY($1::int[])", [
      made,
    ]);
    const seen = await allPages(agent, { categoryCode: "greening", limit: "4" });
    expect(seen.map((t) => t.id)).toEqual([...made].reverse());
  });
});
