import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../prisma/seed.ts";
import type { Role } from "../../src/generated/prisma/enums.ts";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";
import { forgeToken, login, tokenSecret, userId } from "./auth-fixtures.ts";

/**
 * The authorization matrix: every operation of /openapi.json × every identity — each role, and
 * the ways a token can be bad — called with a minimal, valid-looking request, against the
 * expectation table below (README and DESIGN.md "Users and roles"). Bad or missing tokens are
 * 401 on every protected operation; a role the table does not name is 403 (a handler outside
 * the ticket's department subtree, 404: README "Scope"); nothing is ever 5xx. An operation
 * missing from the table fails the test: a new route needs a decision here.
 */

type Rule =
  /** No token needed (the token, good or bad, is ignored). */
  | { public: true }
  /** Roles that may call it ("all" = any authenticated user); `ticketScope`: handlers only within the ticket's subtree. */
  | { roles: readonly Role[] | "all"; ticketScope?: true };

const ADMIN: Rule = { roles: ["admin"] };
const ANYONE: Rule = { roles: "all" };
const DASHBOARD: Rule = { roles: ["agent", "reviewer", "manager", "admin"] };
const IN_TICKET_SCOPE: Rule = { roles: "all", ticketScope: true };

const EXPECTED: Record<string, Rule> = {
  "POST /api/v1/auth/login": { public: true },
  "GET /api/v1/auth/me": ANYONE,
  "POST /api/v1/auth/logout": ANYONE,
  "POST /api/v1/auth/password": ANYONE,
  "GET /api/v1/departments": ANYONE,
  "POST /api/v1/departments": ADMIN,
  "PATCH /api/v1/departments/{id}": ADMIN,
  "GET /api/v1/users": ADMIN,
  "POST /api/v1/users": ADMIN,
  "GET /api/v1/users/{id}": ADMIN,
  "PATCH /api/v1/users/{id}": ADMIN,
  "POST /api/v1/users/{id}/password": ADMIN,
  "GET /api/v1/categories": ANYONE,
  "POST /api/v1/categories": ADMIN,
  "GET /api/v1/categories/{code}/suggestion": ANYONE,
  "GET /api/v1/dispatch-rules": ANYONE,
  "PUT /api/v1/dispatch-rules": ADMIN,
  "POST /api/v1/tickets": { roles: ["agent", "reviewer"] },
  "GET /api/v1/tickets": ANYONE,
  "GET /api/v1/tickets/export.csv": ANYONE,
  "GET /api/v1/tickets/{id}": IN_TICKET_SCOPE,
  "GET /api/v1/tickets/{id}/events": IN_TICKET_SCOPE,
  "POST /api/v1/tickets/{id}/events": IN_TICKET_SCOPE,
  "GET /api/v1/sla/deadline": ANYONE,
  "GET /api/v1/calendar/{year}": ANYONE,
  "GET /api/v1/calendar/{year}/official": ANYONE,
  "PUT /api/v1/calendar/{year}": ADMIN,
  "GET /api/v1/sla-policies": ANYONE,
  "PUT /api/v1/sla-policies/{categoryCode}/{urgency}": ADMIN,
  "GET /api/v1/stats/summary": DASHBOARD,
  "GET /api/v1/stats/departments": DASHBOARD,
  "GET /api/v1/stats/trend": DASHBOARD,
  "GET /api/v1/stats/categories": DASHBOARD,
  "GET /api/v1/stats/overdue": DASHBOARD,
  "GET /api/v1/stats/stream": DASHBOARD,
  "GET /api/v1/stats/assessment": DASHBOARD,
  "GET /api/v1/stats/assessment/tickets": DASHBOARD,
  "GET /api/v1/assessment-groups": DASHBOARD,
  "POST /api/v1/assessment-groups": ADMIN,
  "PUT /api/v1/assessment-groups/{id}": ADMIN,
  "GET /api/v1/tickets/{id}/appeals": IN_TICKET_SCOPE,
  "POST /api/v1/tickets/{id}/appeals": { roles: ["handler"], ticketScope: true },
  "POST /api/v1/appeals/{id}/decision": { roles: ["reviewer"] },
  "GET /api/v1/appeals": ANYONE,
  "POST /api/v1/import/tickets": ADMIN,
  "GET /api/v1/admin/audit/verify": ADMIN,
  "GET /api/v1/open311-keys": ADMIN,
  "POST /api/v1/open311-keys": ADMIN,
  "DELETE /api/v1/open311-keys/{id}": ADMIN,
};

/** The demo users, one or more per role; handler2 (西城区) is outside the test ticket's scope. */
const USERS: Array<{ name: string; role: Role }> = [
  { name: "agent1", role: "agent" },
  { name: "reviewer1", role: "reviewer" },
  { name: "handler1", role: "handler" },
  { name: "handler2", role: "handler" },
  { name: "handler3", role: "handler" },
  { name: "manager1", role: "manager" },
  { name: "admin", role: "admin" },
];
const OUT_OF_SCOPE = new Set(["handler2"]);
const BAD_TOKENS = [
  "no token",
  "garbage token",
  "expired token",
  "disabled user",
  "wrong key",
  "no exp",
  "open311 api key",
] as const;

interface Identity {
  name: string;
  role: Role | null;
  token: string | null;
}

interface Operation {
  method: string;
  path: string;
  key: string;
  op: OpenApiOperation;
}
interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: JsonSchema }>;
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
}
type JsonSchema = Record<string, unknown>;

let sys: TestSystem;
let doc: {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
};
let identities: Identity[];
let pathValues: Record<string, string>;
let bodies: Record<string, unknown>;
let queries: Record<string, Record<string, string>>;

beforeAll(async () => {
  sys = await startTestSystem({ workers: false });
  doc = (await new ApiClient(sys.url, null).get<typeof doc>("/openapi.json")).body;
  const admin = await sys.as("admin");
  const agent = await sys.as("agent1");

  // A ticket dispatched to 和平里街道: handler3's department, inside handler1's 东城区, not handler2's 西城区.
  const ticket = await createTicket(agent);
  await agent.event(ticket.id, "DISPATCH", { departmentId: await deptId(agent, "dc-hepingli") });
  // A user the admin routes act on, and one whose token outlives its being disabled.
  const made = async (username: string) => {
    const res = await admin.post<{ id: number }>("/api/v1/users", {
      username,
      password: `${username}-password`,
      displayName: username,
      role: "agent",
    });
    expect(res.status).toBe(201);
    return res.body.id;
  };
  const targetId = await made("matrix-target");
  const disabledId = await made("matrix-disabled");
  const disabledLogin = await login(sys.url, "matrix-disabled", "matrix-disabled-password");
  expect((await admin.request("PATCH", `/api/v1/users/${disabledId}`, { active: false })).status).toBe(200);

  const openKey = await admin.post<{ id: number; key: string }>("/api/v1/open311-keys", {
    partner: "矩阵伙伴",
  });
  expect(openKey.status).toBe(201);

  const secret = await tokenSecret(sys);
  const agentSub = String(await userId(sys, "agent1"));
  const bad: Record<(typeof BAD_TOKENS)[number], string | null> = {
    "no token": null,
    "garbage token": "garbage.token.value",
    "expired token": await forgeToken(secret, { sub: agentSub }, { ttlSeconds: -60 }),
    "disabled user": disabledLogin.body.token as string,
    "wrong key": await forgeToken("some-other-secret", { sub: agentSub }),
    "no exp": await forgeToken(secret, { sub: agentSub, exp: undefined }),
    // A partner's Open311 key opens nothing but Open311.
    "open311 api key": openKey.body.key,
  };
  identities = [
    ...(await Promise.all(
      USERS.map(async (u) => ({ name: u.name, role: u.role, token: (await sys.as(u.name)).token })),
    )),
    ...BAD_TOKENS.map((name) => ({ name, role: null, token: bad[name] })),
  ];

  pathValues = {
    "/api/v1/tickets/": String(ticket.id),
    "/api/v1/users/": String(targetId),
    "/api/v1/open311-keys/": String(openKey.body.id),
    "/api/v1/departments/": String(await deptId(agent, "ecology")),
    year: "2027",
    code: "noise",
    categoryCode: "noise",
    urgency: "normal",
  };
  queries = {
    "GET /api/v1/sla/deadline": { start: new Date().toISOString(), duration: "PT4H", clock: "working" },
  };
  // Bodies that get past validation where a sampled one would not (so the role decides the answer).
  bodies = {
    "POST /api/v1/auth/login": { username: "agent1", password: DEMO_PASSWORD },
    "POST /api/v1/auth/password": { currentPassword: "x", newPassword: "short" },
    "POST /api/v1/tickets": {
      channel: "phone",
      citizenName: "王先生",
      citizenPhone: "13812345678",
      categoryCode: "noise",
      urgency: "normal",
      title: "矩阵测试",
      description: "权限矩阵测试工单",
    },
    "POST /api/v1/tickets/{id}/events": { type: "COMMENT", note: "权限矩阵" },
    "PATCH /api/v1/users/{id}": { displayName: "矩阵目标" },
    "POST /api/v1/users/{id}/password": {},
    "POST /api/v1/users": {
      username: "matrix-new",
      password: "matrix-new-pw",
      displayName: "新",
      role: "agent",
    },
    "POST /api/v1/departments": { name: "矩阵部门", code: "matrix-dept" },
    "PATCH /api/v1/departments/{id}": { nameEn: "Ecology and Environment Bureau" },
    "POST /api/v1/categories": { code: "matrix-cat", name: "矩阵类别" },
    "POST /api/v1/open311-keys": { partner: "矩阵伙伴" },
    "PUT /api/v1/dispatch-rules": { categoryCode: "noise", departmentId: await deptId(agent, "ecology") },
    "PUT /api/v1/calendar/{year}": { days: [] },
    "PUT /api/v1/sla-policies/{categoryCode}/{urgency}": {
      signWithin: "PT4H",
      firstResponseWithin: "P1D",
      resolveWithin: "P5D",
      callbackWithin: "P2D",
      clock: "working",
    },
  };
});
afterAll(async () => sys?.stop());

function operations(): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods)) {
      if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
      ops.push({ method: method.toUpperCase(), path, key: `${method.toUpperCase()} ${path}`, op });
    }
  // Logout last: it revokes the caller's token.
  return ops.sort((a, b) => Number(a.key.endsWith("/logout")) - Number(b.key.endsWith("/logout")));
}

/** A minimal value that satisfies `schema` as far as a generic sampler can. */
function sample(schema: JsonSchema | undefined, depth = 0): unknown {
  if (!schema || depth > 8) return undefined;
  if (typeof schema.$ref === "string") {
    const name = schema.$ref.split("/").pop() as string;
    return sample(doc.components?.schemas?.[name], depth + 1);
  }
  for (const k of ["anyOf", "oneOf", "allOf"] as const) {
    const options = schema[k] as JsonSchema[] | undefined;
    if (options?.length) return sample(options.find((o) => o.type !== "null") ?? options[0], depth + 1);
  }
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "object": {
      const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = (schema.required ?? []) as string[];
      return Object.fromEntries(required.map((k) => [k, sample(props[k], depth + 1)]));
    }
    case "array":
      return Number(schema.minItems ?? 0) > 0 ? [sample(schema.items as JsonSchema, depth + 1)] : [];
    case "integer":
    case "number":
      return Number(
        schema.minimum ?? (schema.exclusiveMinimum !== undefined ? Number(schema.exclusiveMinimum) + 1 : 1),
      );
    case "boolean":
      return false;
    case "string":
      if (schema.format === "date-time") return new Date().toISOString();
      if (schema.format === "date") return new Date().toISOString().slice(0, 10);
      return "x".repeat(Math.max(1, Number(schema.minLength ?? 1)));
    default:
      return undefined;
  }
}

function requestFor(o: Operation): { url: string; init: RequestInit } {
  const path = o.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const prefix = Object.keys(pathValues).find((p) => p.startsWith("/") && o.path.startsWith(p));
    return encodeURIComponent(
      name === "id" && prefix ? (pathValues[prefix] as string) : (pathValues[name] ?? "1"),
    );
  });
  const query = new URLSearchParams(queries[o.key]);
  for (const p of o.op.parameters ?? [])
    if (p.in === "query" && p.required && !query.has(p.name)) query.set(p.name, String(sample(p.schema)));
  const headers: Record<string, string> = {};
  let body: string | undefined;
  const content = o.op.requestBody?.content ?? {};
  const type = Object.keys(content)[0];
  if (type) {
    headers["content-type"] = type;
    body =
      type === "application/json"
        ? JSON.stringify(o.key in bodies ? bodies[o.key] : sample(content[type]?.schema))
        : "";
  }
  const qs = query.toString();
  return { url: `${sys.url}${path}${qs ? `?${qs}` : ""}`, init: { method: o.method, headers, body } };
}

/** Calls `o` as `who`, the token in the Authorization header or, where the route takes one, as `?access_token=`. */
async function call(
  o: Operation,
  who: Identity,
  via: "header" | "query",
): Promise<{ status: number; type: string }> {
  const { url, init } = requestFor(o);
  const headers = { ...(init.headers as Record<string, string>) };
  const target = new URL(url);
  if (who.token && via === "header") headers.authorization = `Bearer ${who.token}`;
  if (who.token && via === "query") target.searchParams.set("access_token", who.token);
  const res = await fetch(target, { ...init, headers });
  const type = res.headers.get("content-type") ?? "";
  // An event stream never ends by itself: the status is what counts.
  if (type.startsWith("text/event-stream")) await res.body?.cancel();
  else await res.arrayBuffer();
  return { status: res.status, type };
}

/** What the table says `who` gets from `o`: an exact status, or "allowed" (anything but 401, 403 and 5xx). */
function expectation(o: Operation, who: Identity): number | "allowed" {
  const rule = EXPECTED[o.key] as Rule;
  if ("public" in rule) return "allowed";
  if (who.role === null) return 401;
  if (rule.roles !== "all" && !rule.roles.includes(who.role)) return 403;
  if (rule.ticketScope && OUT_OF_SCOPE.has(who.name)) return 404;
  return "allowed";
}

describe("authorization matrix", () => {
  it("every operation × every identity answers as the table says", { timeout: 300_000 }, async () => {
    const ops = operations();
    const unclassified = ops.filter((o) => !(o.key in EXPECTED)).map((o) => o.key);
    expect(unclassified, "operations without an expectation: add them to EXPECTED").toEqual([]);
    expect(ops.length).toBeGreaterThanOrEqual(30);

    const wrong: string[] = [];
    let checked = 0;
    for (const o of ops) {
      const vias = (o.op.parameters ?? []).some((p) => p.in === "query" && p.name === "access_token")
        ? (["header", "query"] as const)
        : (["header"] as const);
      for (const who of identities)
        for (const via of vias) {
          const { status, type } = await call(o, who, via);
          const want = expectation(o, who);
          checked++;
          const ok =
            status < 500 &&
            (want === "allowed" ? status !== 401 && status !== 403 : status === want) &&
            (status < 400 || type.includes("application/problem+json"));
          if (!ok)
            wrong.push(
              `${o.key} as ${who.name} (${via}): ${status} (${type || "no body"}), expected ${want}`,
            );
        }
    }
    console.info(
      `authz matrix: ${ops.length} operations × ${identities.length} identities: ${checked} requests checked`,
    );
    expect(wrong).toEqual([]);
  });
});
