import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

/** Contract: our /open311/v2 responses validate against the official GeoReport v2 schemas. */
// The official GeoReport v2 JSON schemas, vendored (test/fixtures/open311/README.md says from where).
const SCHEMA_DIR = new URL("../fixtures/open311/", import.meta.url).pathname;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
for (const name of [
  "service.json",
  "services.json",
  "service-definition.json",
  "request.json",
  "requests.json",
]) {
  ajv.addSchema(JSON.parse(readFileSync(`${SCHEMA_DIR}${name}`, "utf8")), name);
}
function expectValid(schema: string, data: unknown) {
  const validate = ajv.getSchema(schema);
  if (!validate) throw new Error(`no schema ${schema}`);
  const ok = validate(data);
  expect(ok, JSON.stringify(validate.errors)).toBe(true);
}

let sys: TestSystem;
let anon: ApiClient;
beforeAll(async () => {
  sys = await startTestSystem();
  anon = new ApiClient(sys.url, null);
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
    const agent = await sys.as("agent1");
    const form = new URLSearchParams({
      api_key: agent.token ?? "",
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
    const res = await fetch(`${sys.url}/open311/v2/requests.json`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });
    expect(res.status).toBe(200);
    const [created] = (await res.json()) as Array<{ service_request_id: string }>;
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
    });

    const one = await anon.get<Array<Record<string, unknown>>>(
      `/open311/v2/requests/${created?.service_request_id}.json`,
    );
    expectValid("requests.json", one.body);
    expect(one.body[0]).toMatchObject({ status: "open", service_code: "sanitation", address: "湖滨路1号" });
    expect(JSON.stringify(one.body)).not.toContain("13655556666");
    expect(JSON.stringify(one.body)).not.toContain("赵明");
  });

  it("filters requests by status and service, hides confidential tickets", async () => {
    const agent = await sys.as("agent1");
    const open = await createTicket(agent, { categoryCode: "greening" });
    const done = await createTicket(agent, { categoryCode: "greening" });
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
    const noKey = await anon.post<Array<{ code: number; description: string }>>("/open311/v2/requests.json", {
      service_code: "noise",
      description: "x",
      phone: "13800000000",
    });
    expect(noKey.status).toBe(400);
    expect(noKey.body[0]?.description).toContain("api_key");
    const badKey = await anon.post("/open311/v2/requests.json", {
      api_key: "nope",
      service_code: "noise",
      description: "x",
      phone: "13800000000",
    });
    expect(badKey.status).toBe(403);
    const handler = await sys.as("handler1");
    const wrongRole = await anon.post("/open311/v2/requests.json", {
      api_key: handler.token,
      service_code: "noise",
      description: "x",
      phone: "13800000000",
    });
    expect(wrongRole.status).toBe(403);
    expect((await anon.get("/open311/v2/requests.json?start_date=yesterday")).status).toBe(400);
  });
});
