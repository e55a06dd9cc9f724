import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, type TicketBody } from "../helpers/fixtures.ts";
import { expectOpen311Error, expectValid, issueKey, postRequest } from "../helpers/open311.ts";
import { ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

/**
 * Issue 11: `GET /open311/v2/requests.json` without login listed the newest non-confidential
 * tickets of every channel, phone calls included, with address and full description. Public
 * reads now show only tickets a partner reported through Open311 or an agent published, never
 * confidential ones, and no personal data.
 */
type GeoRequest = Record<string, unknown> & { service_request_id: string };

let sys: TestSystem;
let anon: ApiClient;
let agent: ApiClient;
let apiKey: string;
beforeAll(async () => {
  sys = await startTestSystem({ workers: false });
  anon = new ApiClient(sys.url, null);
  agent = await sys.as("agent1");
  apiKey = (await issueKey(await sys.as("admin"), "随手拍")).key;
});
afterAll(async () => sys?.stop());

const PHONE = "13912345678";
const NAME = "钱女士";

async function phoneTicket(overrides: Record<string, unknown> = {}): Promise<TicketBody> {
  return createTicket(agent, {
    channel: "phone",
    citizenName: NAME,
    citizenPhone: PHONE,
    address: "安定门外大街88号3单元502",
    lat: 39.95,
    lng: 116.41,
    categoryCode: "city-mgmt",
    description: `${NAME}来电（${PHONE}）：楼下路灯不亮一周`,
    ...overrides,
  });
}

const list = async (query = "") => {
  const res = await anon.get<GeoRequest[]>(`/open311/v2/requests.json${query}`);
  expect(res.status).toBe(200);
  expectValid("requests.json", res.body);
  return res.body;
};
const numbers = (rows: GeoRequest[]) => rows.map((r) => r.service_request_id);

describe("Open311 public reads", () => {
  it("do not show a phone call's ticket: not listed, 404 by number", async () => {
    const t = await phoneTicket();
    expect(numbers(await list())).not.toContain(t.number);
    expect(numbers(await list(`?service_request_id=${t.number}`))).toEqual([]);
    const one = await anon.get(`/open311/v2/requests/${t.number}.json`);
    expect(expectOpen311Error(one, 404)).toContain(String(t.number));
    expect(JSON.stringify((await anon.get("/open311/v2/requests.json")).body)).not.toContain(PHONE);
  });

  it("show a ticket an agent published: the public summary only, no name, phone, address or position", async () => {
    const t = await phoneTicket();
    const published = await agent.event(t.id, "PUBLISH", { public: true, summary: "安定门外大街路灯不亮" });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ public: true, publicSummary: "安定门外大街路灯不亮" });

    const one = await anon.get<GeoRequest[]>(`/open311/v2/requests/${t.number}.json`);
    expect(one.status).toBe(200);
    expectValid("requests.json", one.body);
    expect(one.body).toHaveLength(1);
    expect(one.body[0]).toMatchObject({
      service_request_id: t.number,
      service_code: "city-mgmt",
      status: "open",
      description: "安定门外大街路灯不亮",
      address: null,
      lat: null,
      long: null,
    });
    const text = JSON.stringify(one.body);
    for (const secret of [PHONE, NAME, "3单元502", "一周"]) expect(text).not.toContain(secret);
    expect(numbers(await list("?service_code=city-mgmt"))).toContain(t.number);

    // The timeline says who published it and when.
    const events = await agent.get<{ items: Array<{ type: string; actorRole: string; payload: unknown }> }>(
      `/api/v1/tickets/${t.id}/events`,
    );
    expect(events.body.items.at(-1)).toMatchObject({
      type: "PUBLISH",
      actorRole: "agent",
      payload: { public: true, summary: "安定门外大街路灯不亮" },
    });

    // Withdrawn: gone again.
    expect((await agent.event(t.id, "PUBLISH", { public: false })).status).toBe(200);
    expectOpen311Error(await anon.get(`/open311/v2/requests/${t.number}.json`), 404);
    expect(numbers(await list())).not.toContain(t.number);
  });

  it("publishing another channel's ticket needs a summary; a confidential ticket is never published", async () => {
    const t = await phoneTicket();
    const bare = await agent.event(t.id, "PUBLISH", { public: true });
    expect(bare.status).toBe(422);
    expect(bare.body).toMatchObject({ errors: { summary: expect.any(String) } });

    const secret = await phoneTicket({ confidential: true });
    const refused = await agent.event(secret.id, "PUBLISH", { public: true, summary: "路灯" });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ errors: { public: expect.any(String) } });
    expectOpen311Error(await anon.get(`/open311/v2/requests/${secret.number}.json`), 404);

    // Only the hotline publishes: a manager may not (the machine refuses).
    const manager = await sys.as("manager1");
    expect((await manager.event(t.id, "PUBLISH", { public: true, summary: "路灯" })).status).toBe(409);
  });

  it("show what a partner reported, without the citizen's name or phone, until an agent withdraws it", async () => {
    const res = await postRequest(sys.url, {
      api_key: apiKey,
      service_code: "city-mgmt",
      description: "公园东门路灯闪烁",
      address_string: "公园东门",
      lat: "39.9",
      long: "116.4",
      first_name: "芳",
      last_name: "孙",
      phone: "13700001111",
    });
    expect(res.status).toBe(200);
    const number = (res.body as GeoRequest[])[0]?.service_request_id as string;
    const one = await anon.get<GeoRequest[]>(`/open311/v2/requests/${number}.json`);
    expectValid("requests.json", one.body);
    expect(one.body[0]).toMatchObject({
      description: "公园东门路灯闪烁",
      address: "公园东门",
      lat: 39.9,
      long: 116.4,
    });
    expect(JSON.stringify(one.body)).not.toMatch(/13700001111|孙芳/);

    const id = (await sys.system.services.db.ticket.findUniqueOrThrow({ where: { number } })).id;
    expect((await agent.event(id, "PUBLISH", { public: false })).status).toBe(200);
    expectOpen311Error(await anon.get(`/open311/v2/requests/${number}.json`), 404);
  });

  it("answer a number that is no ticket, or not a number, with 404 in Open311's format", async () => {
    expectOpen311Error(await anon.get("/open311/v2/requests/99999999999999.json"), 404);
    expectOpen311Error(await anon.get("/open311/v2/requests/abc.json"), 404);
  });
});
