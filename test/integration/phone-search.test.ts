import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket } from "../helpers/fixtures.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

type Page = { items: Array<{ id: number; citizenPhone: string }> };

/**
 * A masked number (137****5555) must not be recoverable by guessing: only the roles that see
 * full numbers may search by one, each such search is audited, and a user's searches are throttled.
 */
describe("searching by the citizen's phone number", () => {
  let sys: TestSystem;
  let ticket: { id: number; number: string };

  beforeAll(async () => {
    sys = await startTestSystem({ workers: false });
    const agent = await sys.as("agent1");
    const t = await createTicket(agent, { citizenPhone: "13755555555", confidential: true });
    ticket = { id: t.id, number: String(t.number) };
  });
  afterAll(async () => sys?.stop());

  it("is refused to managers and handlers; their digits match ticket numbers only", async () => {
    const manager = await sys.as("manager1");
    const byPhone = await manager.get("/api/v1/tickets?phone=13755555555");
    expect(byPhone.status).toBe(403);
    expect(String(byPhone.headers.get("content-type"))).toContain("problem+json");
    expect((await (await sys.as("handler1")).get("/api/v1/tickets?phone=13755555555")).status).toBe(403);
    const guessed = await manager.get<Page>("/api/v1/tickets?q=13755555555");
    expect(guessed.status).toBe(200);
    expect(guessed.body.items).toEqual([]);
    const byNumber = await manager.get<Page>(`/api/v1/tickets?q=${ticket.number}`);
    expect(byNumber.body.items.map((t) => t.id)).toEqual([ticket.id]);
    expect(byNumber.body.items[0]?.citizenPhone).toBe("137****5555");
  });

  it("is allowed to agents, and each search is audited with the number masked", async () => {
    const agent = await sys.as("agent1");
    const found = await agent.get<Page>("/api/v1/tickets?phone=13755555555");
    expect(found.status).toBe(200);
    expect(found.body.items.map((t) => t.id)).toEqual([ticket.id]);
    const rows = await sys.system.services.db.auditLog.findMany({
      where: { action: "search_citizen_phone" },
    });
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.at(-1)?.detail).toMatchObject({ role: "agent", phone: "137****5555", results: 1 });
  });

  it("is throttled per user: the 61st search within a minute is 429 with Retry-After", async () => {
    const reviewer = await sys.as("reviewer1");
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) {
      const res = await reviewer.get(`/api/v1/tickets?phone=1370000${String(i).padStart(4, "0")}`);
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      }
    }
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses[60]).toBe(429);
  }, 60_000);
});

describe("the phone search limit is a setting", () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ workers: false, env: { HOTLINE_PHONE_SEARCHES_PER_MINUTE: "3" } });
  });
  afterAll(async () => sys?.stop());

  it("HOTLINE_PHONE_SEARCHES_PER_MINUTE=3: the 4th search within a minute is 429", async () => {
    const agent = await sys.as("agent1");
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await agent.get(`/api/v1/tickets?phone=1380000000${i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
