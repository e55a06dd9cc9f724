import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../prisma/seed.ts";
import { deptId } from "../helpers/fixtures.ts";
import { ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { login, userId } from "./auth-fixtures.ts";

let sys: TestSystem;
let admin: ApiClient;
beforeAll(async () => {
  sys = await startTestSystem({ workers: false });
  admin = await sys.as("admin");
});
afterAll(async () => sys?.stop());

type UserBody = { id: number; username: string; role: string; departmentId: number | null; active: boolean };

/** A user of its own for each test, so tests do not disturb each other or the demo users. */
let seq = 0;
async function newUser(
  role = "agent",
  departmentId: number | null = null,
): Promise<{ id: number; username: string; password: string }> {
  const username = `ua-${++seq}-${Date.now().toString(36)}`;
  const password = `pw-${username}`;
  const res = await admin.post<UserBody>("/api/v1/users", {
    username,
    password,
    displayName: username,
    role,
    departmentId,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id, username, password };
}

async function clientOf(username: string, password: string): Promise<ApiClient> {
  const res = await login(sys.url, username, password);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return new ApiClient(sys.url, res.body.token as string);
}

async function audit(action: string, userId: number) {
  const rows = await sys.system.services.db.auditLog.findMany({ where: { action }, orderBy: { id: "asc" } });
  return rows.filter((r) => (r.detail as { userId?: number }).userId === userId);
}

const PROBLEM = "application/problem+json";

describe("disable and enable", () => {
  it("disabling revokes the user's tokens at once and refuses login; enabling lets a new login in, not the old tokens", {
    timeout: 120_000,
  }, async () => {
    const u = await newUser();
    const token = await clientOf(u.username, u.password);
    expect((await token.get("/api/v1/auth/me")).status).toBe(200);
    const off = await admin.request<UserBody>("PATCH", `/api/v1/users/${u.id}`, { active: false });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body).toMatchObject({ id: u.id, active: false });
    expect((await token.get("/api/v1/auth/me")).status).toBe(401);
    expect((await login(sys.url, u.username, u.password)).status).toBe(401);
    const on = await admin.request<UserBody>("PATCH", `/api/v1/users/${u.id}`, { active: true });
    expect(on.body).toMatchObject({ active: true });
    expect((await token.get("/api/v1/auth/me")).status).toBe(401);
    expect((await (await clientOf(u.username, u.password)).get("/api/v1/auth/me")).status).toBe(200);
    const adminId = await userId(sys, "admin");
    expect(await audit("disable_user", u.id)).toEqual([expect.objectContaining({ actorId: adminId })]);
    expect(await audit("enable_user", u.id)).toEqual([expect.objectContaining({ actorId: adminId })]);
    expect(await audit("create_user", u.id)).toEqual([
      expect.objectContaining({ actorId: adminId, detail: expect.objectContaining({ role: "agent" }) }),
    ]);
  });

  it("the last active admin cannot be disabled or demoted", { timeout: 120_000 }, async () => {
    const adminId = await userId(sys, "admin");
    const off = await admin.request("PATCH", `/api/v1/users/${adminId}`, { active: false });
    expect(off.status).toBe(409);
    expect(off.headers.get("content-type")).toContain(PROBLEM);
    expect((await admin.request("PATCH", `/api/v1/users/${adminId}`, { role: "agent" })).status).toBe(409);
    // With a second admin, either may step down; the one left may not.
    const second = await newUser("admin");
    const secondClient = await clientOf(second.username, second.password);
    expect(
      (await secondClient.request("PATCH", `/api/v1/users/${second.id}`, { displayName: "二号管理员" }))
        .status,
    ).toBe(200);
    expect(
      (await secondClient.request("PATCH", `/api/v1/users/${second.id}`, { role: "manager" })).status,
    ).toBe(200);
    expect((await secondClient.get("/api/v1/users")).status).toBe(403);
    expect((await admin.request("PATCH", `/api/v1/users/${adminId}`, { active: false })).status).toBe(409);
  });
});

describe("role and department", () => {
  it("a new role and department apply to the user's next request", { timeout: 120_000 }, async () => {
    const u = await newUser("agent");
    const client = await clientOf(u.username, u.password);
    expect((await client.get("/api/v1/auth/me")).body).toMatchObject({ role: "agent", departmentId: null });
    const dongcheng = await deptId(admin, "dongcheng");
    const res = await admin.request<UserBody>("PATCH", `/api/v1/users/${u.id}`, {
      role: "handler",
      departmentId: dongcheng,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await client.get("/api/v1/auth/me")).body).toMatchObject({
      role: "handler",
      departmentId: dongcheng,
    });
    expect((await client.post("/api/v1/tickets", {})).status).toBe(403);
    const roleRows = await audit("change_user_role", u.id);
    expect(roleRows).toHaveLength(1);
    expect(roleRows[0]?.detail).toMatchObject({ from: "agent", to: "handler" });
    expect((await audit("change_user_department", u.id))[0]?.detail).toMatchObject({
      from: null,
      to: dongcheng,
    });
  });

  it("422 for a handler without a department or an unknown department; 404 for an unknown user", {
    timeout: 120_000,
  }, async () => {
    const u = await newUser("agent");
    const noDept = await admin.request("PATCH", `/api/v1/users/${u.id}`, { role: "handler" });
    expect(noDept.status).toBe(422);
    expect((noDept.body as { errors: object }).errors).toHaveProperty("departmentId");
    const unknown = await admin.request("PATCH", `/api/v1/users/${u.id}`, { departmentId: 999999 });
    expect(unknown.status).toBe(422);
    expect((await admin.request("PATCH", `/api/v1/users/${u.id}`, {})).status).toBe(422);
    expect((await admin.request("PATCH", `/api/v1/users/${u.id}`, { role: "root" })).status).toBe(422);
    const handler = await newUser("handler", await deptId(admin, "xicheng"));
    const clear = await admin.request("PATCH", `/api/v1/users/${handler.id}`, { departmentId: null });
    expect(clear.status).toBe(422);
    expect((await admin.request("PATCH", "/api/v1/users/999999", { active: false })).status).toBe(404);
    expect((await admin.get("/api/v1/users/999999")).status).toBe(404);
    expect((await admin.get(`/api/v1/users/${u.id}`)).body).toMatchObject({ id: u.id, role: "agent" });
  });
});

describe("password reset by an admin", () => {
  it("a generated password is answered once, works, and revokes the user's tokens", {
    timeout: 120_000,
  }, async () => {
    const u = await newUser();
    const client = await clientOf(u.username, u.password);
    const res = await admin.post<{ user: UserBody; password?: string }>(`/api/v1/users/${u.id}/password`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const generated = res.body.password as string;
    expect(generated.length).toBeGreaterThanOrEqual(12);
    expect((await client.get("/api/v1/auth/me")).status).toBe(401);
    expect((await login(sys.url, u.username, u.password)).status).toBe(401);
    expect((await login(sys.url, u.username, generated)).status).toBe(200);
    const rows = await audit("reset_user_password", u.id);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows[0]?.detail)).not.toContain(generated);
    expect((await admin.get("/api/v1/users")).body).not.toHaveProperty("password");
  });

  it("an admin-chosen password follows the policy and is not echoed", { timeout: 120_000 }, async () => {
    const u = await newUser();
    expect((await admin.post(`/api/v1/users/${u.id}/password`, { password: "short" })).status).toBe(422);
    expect((await admin.post(`/api/v1/users/${u.id}/password`, { password: u.username })).status).toBe(422);
    const res = await admin.post(`/api/v1/users/${u.id}/password`, { password: "chosen-by-admin" });
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty("password");
    expect((await login(sys.url, u.username, "chosen-by-admin")).status).toBe(200);
    expect((await admin.post("/api/v1/users/999999/password", {})).status).toBe(404);
  });
});

describe("changing one's own password", () => {
  it("needs the current password and a new one of 8+ characters unlike the username", {
    timeout: 120_000,
  }, async () => {
    const u = await newUser();
    const client = await clientOf(u.username, u.password);
    const change = (body: Record<string, unknown>) => client.post("/api/v1/auth/password", body);
    const wrong = await change({ currentPassword: "nope-nope", newPassword: "long-enough-1" });
    expect(wrong.status).toBe(422);
    expect((wrong.body as { errors: object }).errors).toHaveProperty("currentPassword");
    for (const newPassword of ["short", u.username, u.username.toUpperCase(), u.password]) {
      const res = await change({ currentPassword: u.password, newPassword });
      expect(res.status, newPassword).toBe(422);
      expect((res.body as { errors: object }).errors).toHaveProperty("newPassword");
    }
    expect((await change({ currentPassword: u.password })).status).toBe(422);
    expect((await client.get("/api/v1/auth/me")).status).toBe(200);
    const ok = await change({ currentPassword: u.password, newPassword: "long-enough-1" });
    expect(ok.status).toBe(200);
    expect(await audit("change_own_password", u.id)).toHaveLength(1);
  });
});

describe("who may administer users", () => {
  it("only admins; every route is in the OpenAPI document", { timeout: 120_000 }, async () => {
    const u = await newUser();
    for (const name of ["agent1", "reviewer1", "handler1", "manager1"]) {
      const c = await sys.as(name, DEMO_PASSWORD);
      expect((await c.get(`/api/v1/users/${u.id}`)).status, name).toBe(403);
      expect((await c.request("PATCH", `/api/v1/users/${u.id}`, { active: false })).status, name).toBe(403);
      expect((await c.post(`/api/v1/users/${u.id}/password`, {})).status, name).toBe(403);
    }
    expect((await login(sys.url, u.username, u.password)).status).toBe(200);
    const doc = await new ApiClient(sys.url, null).get<{ paths: Record<string, Record<string, unknown>> }>(
      "/openapi.json",
    );
    expect(Object.keys(doc.body.paths["/api/v1/users/{id}"] ?? {}).sort()).toEqual(["get", "patch"]);
    expect(Object.keys(doc.body.paths["/api/v1/users/{id}/password"] ?? {})).toEqual(["post"]);
    expect(Object.keys(doc.body.paths["/api/v1/auth/password"] ?? {})).toEqual(["post"]);
    expect(Object.keys(doc.body.paths["/api/v1/auth/logout"] ?? {})).toEqual(["post"]);
  });
});
