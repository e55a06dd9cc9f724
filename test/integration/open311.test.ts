import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { expectOpen311Error, expectValid, issueKey, postRequest } from "../helpers/open311.ts";
import { ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

/** Contract: our /open311/v2 responses validate against the official GeoReport v2 schemas. */
let sys: TestSystem;
let anon: ApiClient;
let apiKey: string;
beforeAll(async () => {
  sys = await startTestSystem();
  anon = new ApiClient(sys.url, null);
  apiKey = (await issueKey(await sys.as("admin"), "城市随手拍")).key;
});
afterAll(async () => sys?.stop());

describe("Open311 GeoReport v2", () => {
  it("lists services and service definitions", async () => {
    const services = await anon.get<Array<{ service_code: string }>>("/open311/v2/services.json");
    expect(services.status).toBe(200);
    expectValid("services.json", services.body);
    expect(services.body.map((s) => s.service_code)).toContain("noise");
    const def = await anon.get("/open311/v2/services/noise.json");
    expectValid("service-definition.json", def.body);
    expect((await anon.get("/open311/v2/services/nope.json")).status).toBe(404);
    expect((await anon.get("/open311/v2/services.xml")).status).toBe(400);
  });

  it("creates a request that becomes a ticket, then reads it without personal data", async () => {
    const res = await postRequest(sys.url, {
      api_key: apiKey,
      service_code: "sanitation",
      lat: "30.25",
      long: "120.16",
      address_string: "湖滨路1号",
      description: "路边垃圾桶满溢无人清理",
      first_name: "明",
      last_name: "赵",
      phone: "13655556666",
      "attribute[urgency]": "urgent",
    });
    expect(res.status).toBe(200);
    const [created] = res.body as Array<{ service_request_id: string }>;
    expect(created?.service_request_id).toMatch(/^\d{16}$/);
    const ticket = await sys.system.services.db.ticket.findUniqueOrThrow({
      where: { number: created?.service_request_id },
    });
    expect(ticket).toMatchObject({
      channel: "open311",
      citizenName: "赵明",
      citizenPhone: "13655556666",
      urgency: "urgent",
      lat: 30.25,
      lng: 120.16,
      public: true,
    });

    const one = await anon.get<Array<Record<string, unknown>>>(
      `/open311/v2/requests/${created?.service_request_id}.json`,
    );
    expectValid("requests.json", one.body);
    expect(one.body[0]).toMatchObject({
      status: "open",
      service_code: "sanitation",
      description: "路边垃圾桶满溢无人清理",
      address: "湖滨路1号",
      lat: 30.25,
      long: 120.16,
    });
    expect(JSON.stringify(one.body)).not.toContain("13655556666");
    expect(JSON.stringify(one.body)).not.toContain("赵明");
  });

  it("filters requests by status and service, hides confidential tickets", async () => {
    const agent = await sys.as("agent1");
    const published = async (overrides: Record<string, unknown> = {}) => {
      const t = await createTicket(agent, { categoryCode: "greening", ...overrides });
      await agent.event(t.id, "PUBLISH", { public: true, summary: "绿地树木倒伏" });
      return t;
    };
    const open = await published();
    const done = await published();
    await agent.event(done.id, "ANSWER_DIRECTLY", { answer: "已解答" });
    const secret = await createTicket(agent, { categoryCode: "greening", confidential: true });
    await agent.event(open.id, "DISPATCH", { departmentId: await deptId(agent, "housing") });
    const all = await anon.get<
      Array<{ service_request_id: string; status: string; agency_responsible: string | null }>
    >("/open311/v2/requests.json?service_code=greening");
    expectValid("requests.json", all.body);
    const numbers = all.body.map((r) => r.service_request_id);
    expect(numbers).toContain(open.number);
    expect(numbers).toContain(done.number);
    expect(numbers).not.toContain(secret.number);
    expect(all.body.find((r) => r.service_request_id === open.number)?.agency_responsible).toBe("市住建局");
    const closed = await anon.get<Array<{ service_request_id: string }>>(
      "/open311/v2/requests.json?service_code=greening&status=closed",
    );
    expect(closed.body.map((r) => r.service_request_id)).toEqual([done.number]);
  });

  it("refuses bad requests in Open311's error format", async () => {
    const noKey = await anon.post("/open311/v2/requests.json", {
      service_code: "noise",
      description: "x",
      phone: "13800000000",
    });
    expect(expectOpen311Error(noKey, 400)).toContain("api_key");
    const badKey = await anon.post("/open311/v2/requests.json", {
      api_key: "nope",
      service_code: "noise",
      description: "x",
      phone: "13800000000",
    });
    expectOpen311Error(badKey, 403);
    const noService = await anon.post("/open311/v2/requests.json", {
      api_key: apiKey,
      service_code: "nope",
      description: "x",
      phone: "13800000000",
    });
    expectOpen311Error(noService, 404);
    expectOpen311Error(await anon.get("/open311/v2/requests.json?start_date=yesterday"), 400);
  });
});
