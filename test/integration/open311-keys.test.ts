import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectOpen311Error, issueKey, postRequest } from "../helpers/open311.ts";
import { ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

/**
 * Issue 11: the Open311 `api_key` was an agent's 12-hour bearer token, so a partner app logged
 * in as an agent and the same key opened the whole agent API (full phone numbers included), with
 * no per-partner key and no revocation. Now admins issue each partner its own key, stored hashed,
 * which opens only `POST /open311/v2/requests.json` and can be revoked.
 */
interface KeyJson {
  id: number;
  partner: string;
  prefix: string;
  createdById: number;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedById: number | null;
  key?: string;
}

let sys: TestSystem;
let admin: ApiClient;
beforeAll(async () => {
  sys = await startTestSystem({ workers: false });
  admin = await sys.as("admin");
});
afterAll(async () => sys?.stop());

const report = (apiKey: string, extra: Record<string, string> = {}) =>
  postRequest(sys.url, {
    api_key: apiKey,
    service_code: "noise",
    description: "夜间施工噪声",
    phone: "13800001234",
    ...extra,
  });

const audit = (action: string) =>
  sys.system.services.db.auditLog.findMany({ where: { action }, orderBy: { id: "asc" } });

describe("Open311 partner keys", () => {
  it("an agent's bearer token is no api_key: 403, nothing created", async () => {
    const agent = await sys.as("agent1");
    const before = await sys.system.services.db.ticket.count();
    expectOpen311Error(await report(agent.token ?? ""), 403);
    expect(await sys.system.services.db.ticket.count()).toBe(before);
  });

  it("a partner key opens nothing but Open311: as a bearer token on the API it is 401", async () => {
    const { key } = await issueKey(admin, "只能报事");
    const asBearer = new ApiClient(sys.url, key);
    for (const path of ["/api/v1/auth/me", "/api/v1/tickets", "/api/v1/open311-keys"])
      expect((await asBearer.get(path)).status, path).toBe(401);
    expect((await asBearer.get(`/api/v1/tickets?access_token=${key}`)).status).toBe(401);
  });

  it("is shown once, stored as its sha256, and records the partner on each ticket", async () => {
    const issued = await admin.post<KeyJson>("/api/v1/open311-keys", { partner: "城市随手拍 App" });
    expect(issued.status).toBe(201);
    const key = issued.body.key as string;
    expect(key).toMatch(/^o311_[A-Za-z0-9_-]{43}$/);
    expect(issued.body).toMatchObject({
      partner: "城市随手拍 App",
      prefix: key.slice(0, 9),
      revokedAt: null,
    });

    const row = await sys.system.services.db.open311Key.findUniqueOrThrow({ where: { id: issued.body.id } });
    expect(row.keyHash).toBe(createHash("sha256").update(key).digest("hex"));
    const listed = await admin.get<{ items: KeyJson[] }>("/api/v1/open311-keys");
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(JSON.stringify(listed.body)).not.toContain(row.keyHash);
    expect(listed.body.items.find((k) => k.id === issued.body.id)?.lastUsedAt).toBeNull();

    // Form-encoded (GeoReport's own) and JSON both work.
    const form = await report(key);
    expect(form.status).toBe(200);
    const json = await new ApiClient(sys.url, null).post<Array<{ service_request_id: string }>>(
      "/open311/v2/requests.json",
      { api_key: key, service_code: "noise", description: "JSON 报事", phone: "13800001235" },
    );
    expect(json.status).toBe(200);
    const number = (form.body as Array<{ service_request_id: string }>)[0]?.service_request_id;
    const ticket = await sys.system.services.db.ticket.findUniqueOrThrow({ where: { number } });
    const adminId = (await sys.system.services.db.user.findUniqueOrThrow({ where: { username: "admin" } }))
      .id;
    expect(ticket).toMatchObject({
      channel: "open311",
      open311KeyId: issued.body.id,
      public: true,
      createdById: adminId,
    });
    const created = await sys.system.services.db.ticketEvent.findFirstOrThrow({
      where: { ticketId: ticket.id, type: "CREATE" },
    });
    expect(created).toMatchObject({ actorId: null, actorRole: "open311" });
    expect(created.payload).toMatchObject({ channel: "open311", open311KeyId: issued.body.id });

    const after = await admin.get<{ items: KeyJson[] }>("/api/v1/open311-keys");
    expect(after.body.items.find((k) => k.id === issued.body.id)?.lastUsedAt).not.toBeNull();
    expect(await audit("create_open311_key")).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actorId: adminId,
          detail: { keyId: issued.body.id, partner: "城市随手拍 App" },
        }),
      ]),
    );
  });

  it("revoked: the partner's next request is 403, the key stays listed, revoking again changes nothing", async () => {
    const { id, key } = await issueKey(admin, "已停用伙伴");
    expect((await report(key)).status).toBe(200);
    const revoked = await admin.request<KeyJson>("DELETE", `/api/v1/open311-keys/${id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect(expectOpen311Error(await report(key), 403)).toContain("revoked");

    const again = await admin.request<KeyJson>("DELETE", `/api/v1/open311-keys/${id}`);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    expect(
      (await audit("revoke_open311_key")).filter((r) => (r.detail as { keyId: number }).keyId === id),
    ).toHaveLength(1);
    expect((await admin.request("DELETE", "/api/v1/open311-keys/999999")).status).toBe(404);
  });

  it("only an admin issues, lists and revokes keys", async () => {
    const agent = await sys.as("agent1");
    expect((await agent.post("/api/v1/open311-keys", { partner: "x" })).status).toBe(403);
    expect((await agent.get("/api/v1/open311-keys")).status).toBe(403);
    expect((await admin.post("/api/v1/open311-keys", { partner: "  " })).status).toBe(422);
  });
});
