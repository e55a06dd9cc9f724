import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

let sys: TestSystem;
beforeAll(async () => {
  sys = await startTestSystem();
});
afterAll(async () => sys?.stop());

const PROBLEM_TYPE = "application/problem+json";

function expectProblem(res: { status: number; body: unknown; headers: Headers }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain(PROBLEM_TYPE);
  const body = res.body as Record<string, unknown>;
  expect(body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+|node_modules|Error:/);
  return body;
}

describe("problem+json errors", () => {
  it("400 for a body that is not JSON", async () => {
    const agent = await sys.as("agent1");
    const res = await agent.request("POST", "/api/v1/tickets", "{not json", {
      "content-type": "application/json",
    });
    expectProblem(res, 400);
  });

  it("401 without a token, with a bad token, and for a wrong password", async () => {
    expectProblem(await new ApiClient(sys.url, null).get("/api/v1/tickets"), 401);
    expectProblem(await new ApiClient(sys.url, "nonsense").get("/api/v1/tickets"), 401);
    const res = await new ApiClient(sys.url, null).post("/api/v1/auth/login", {
      username: "agent1",
      password: "wrong-password",
    });
    expectProblem(res, 401);
  });

  it("429 after repeated failed logins for one username; others are unaffected", async () => {
    const anon = new ApiClient(sys.url, null);
    const attempts = [];
    for (let i = 0; i < 12; i++)
      attempts.push(
        (await anon.post("/api/v1/auth/login", { username: "reviewer1", password: `guess-${i}` })).status,
      );
    expect(attempts.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(attempts.slice(10)).toEqual([429, 429]);
    const limited = await anon.post("/api/v1/auth/login", { username: "reviewer1", password: "demo12345" });
    expectProblem(limited, 429);
    expect(
      (await anon.post("/api/v1/auth/login", { username: "agent2", password: "demo12345" })).status,
    ).toBe(200);
  });

  it("403 when the role may not do it", async () => {
    const handler = await sys.as("handler1");
    expectProblem(await handler.post("/api/v1/departments", { name: "X", code: "x" }), 403);
    expectProblem(await handler.post("/api/v1/tickets", {}), 403);
    const agent = await sys.as("agent1");
    expectProblem(
      await agent.post("/api/v1/users", {
        username: "u",
        password: "12345678",
        displayName: "u",
        role: "agent",
      }),
      403,
    );
  });

  it("404 for unknown tickets and routes", async () => {
    const agent = await sys.as("agent1");
    expectProblem(await agent.get("/api/v1/tickets/999999"), 404);
    expectProblem(await agent.get("/api/v1/nothing-here"), 404);
  });

  it("422 lists every invalid field and loses nothing", async () => {
    const agent = await sys.as("agent1");
    const res = await agent.post("/api/v1/tickets", {
      channel: "fax",
      citizenName: "",
      citizenPhone: "12",
      categoryCode: "noise",
      urgency: "soon",
      title: "t",
      description: "d",
    });
    const body = expectProblem(res, 422);
    expect(Object.keys(body.errors as object).sort()).toEqual([
      "channel",
      "citizenName",
      "citizenPhone",
      "urgency",
    ]);
    const unknownCategory = await agent.post("/api/v1/tickets", {
      channel: "phone",
      citizenName: "张三",
      citizenPhone: "13800000000",
      categoryCode: "nope",
      urgency: "normal",
      title: "t",
      description: "d",
    });
    expect(expectProblem(unknownCategory, 422).errors).toHaveProperty("categoryCode");
    const t = await createTicket(agent);
    const badEvent = await agent.event(t.id, "DISPATCH", { departmentId: "east" });
    expect(expectProblem(badEvent, 422).errors).toHaveProperty("departmentId");
    const unknownType = await agent.event(t.id, "TELEPORT");
    expectProblem(unknownType, 422);
    const unknownDept = await agent.event(t.id, "DISPATCH", { departmentId: 99999 });
    expect(expectProblem(unknownDept, 422).errors).toHaveProperty("departmentId");
    // The ticket is untouched by every refused request.
    const after = await agent.get(`/api/v1/tickets/${t.id}`);
    expect(after.body).toMatchObject({ status: "registered", version: 1 });
  });

  it("409 for an event not allowed now, with the allowed events", async () => {
    const agent = await sys.as("agent1");
    const t = await createTicket(agent);
    const body = expectProblem(await agent.event(t.id, "APPROVE_REPLY"), 409);
    expect(body.allowedEvents).toEqual(
      expect.arrayContaining(["DISPATCH", "ANSWER_DIRECTLY", "MERGE", "COMMENT"]),
    );
    expect(body.allowedEvents).not.toContain("APPROVE_REPLY");
  });

  it("409 for a stale If-Match version; the current version succeeds", async () => {
    const agent = await sys.as("agent1");
    const t = await createTicket(agent);
    const dongcheng = await deptId(agent, "dongcheng");
    const stale = await agent.event(t.id, "COMMENT", { note: "x" }, { "if-match": String(t.version + 5) });
    expect(expectProblem(stale, 409).currentVersion).toBe(1);
    const ok = await agent.event(
      t.id,
      "DISPATCH",
      { departmentId: dongcheng },
      { "if-match": String(t.version) },
    );
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(2);
    expect(ok.headers.get("etag")).toBe('"2"');
    expectProblem(await agent.event(t.id, "COMMENT", { note: "late" }, { "if-match": "1" }), 409);
    expectProblem(await agent.event(t.id, "COMMENT", { note: "bad" }, { "if-match": "abc" }), 400);
  });
});

describe("health and docs", () => {
  it("/healthz, /readyz and the OpenAPI document", async () => {
    const anon = new ApiClient(sys.url, null);
    expect((await anon.get("/healthz")).status).toBe(200);
    const ready = await anon.get("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", checks: { database: "ok" } });
    const doc = await anon.get<{ openapi: string; paths: Record<string, unknown> }>("/openapi.json");
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(["/api/v1/tickets", "/api/v1/tickets/{id}/events", "/api/v1/auth/login"]),
    );
    const docs = await anon.get("/docs");
    expect(docs.status).toBe(200);
    expect(String(docs.body)).toContain("swagger");
  });
});
