import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket } from "../helpers/fixtures.ts";
import { ADMIN_PASSWORD, startTestSystem, type TestSystem } from "../helpers/system.ts";

/**
 * Property-based fuzzing of every operation in /openapi.json, plus Open311: bodies, queries,
 * path parameters and headers built from each operation's own schema, mixed with hostile values
 * (NUL, lone surrogates, huge and negative numbers, 2^31, 2^53, wrong types, missing fields,
 * broken percent-encodings), sent with the token of a role allowed there. Whatever comes in:
 * never a 5xx, never a stack trace or an internal path in the body, and every 4xx is JSON
 * problem+json (Open311 answers its own JSON error list). A bounded number of runs per operation
 * keeps the file under a minute; the seed is printed so a failure can be replayed
 * (FUZZ_SEED=… FUZZ_RUNS=…).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const ROLES = ["admin", "agent1", "manager1", "reviewer1", "handler1"] as const;
type RoleUser = (typeof ROLES)[number];

let sys: TestSystem;
const tokens = new Map<RoleUser, string>();
const ticketIds: number[] = [];

beforeAll(async () => {
  sys = await startTestSystem({ workers: false });
  const agent = await sys.as("agent1");
  for (let i = 0; i < 3; i++) ticketIds.push((await createTicket(agent)).id);
});
afterAll(async () => sys?.stop());

/** A working token for `user`: the one held if it still works, else a new login (an operation may have logged it out). */
async function tokenOf(user: RoleUser): Promise<string | null> {
  const held = tokens.get(user);
  if (held) {
    const me = await fetch(`${sys.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${held}` } });
    await me.body?.cancel();
    if (me.status === 200) return held;
  }
  const res = await fetch(`${sys.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: user, password: user === "admin" ? ADMIN_PASSWORD : "demo12345" }),
  });
  if (res.status !== 200) return tokens.get(user) ?? null;
  const token = ((await res.json()) as { token: string }).token;
  tokens.set(user, token);
  return token;
}

/**
 * Open311 POST bodies carry, among hostile values, a valid partner key, so the fuzz reaches the
 * ticket creation behind it. Issued just before (the key routes' fuzz may have revoked older keys).
 */
async function withPartnerKey(schema: Schema): Promise<void> {
  const admin = await tokenOf("admin");
  const res = await fetch(`${sys.url}/api/v1/open311-keys`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${admin}` },
    body: JSON.stringify({ partner: "fuzz" }),
  });
  const { key } = (await res.json()) as { key: string };
  const props = schema.properties as Record<string, Schema>;
  props.api_key = { type: "string", enum: [key, key, "o311_revoked-or-unknown"] };
}

// ---------------------------------------------------------------------------------------------
// Hostile values

const HOSTILE_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\uD800",
  "\uDFFF\uD800",
  "😀",
  "𠮷".repeat(300),
  "x".repeat(6000),
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "../../etc/passwd",
  "%00",
  "%E0%A4%A",
  "null",
  "NaN",
  "-1",
  "0",
  "2147483648",
  "-2147483649",
  "9007199254740993",
  "1e309",
  "0x10",
  "-001000-01-01",
  "+275760-09-13T00:00:00Z",
  "2026-02-30",
  "P99999999D",
  "PT-1H",
  "\\",
  "\r\n",
  "{}",
  "[]",
];
const HOSTILE_NUMBERS = [
  -1,
  0,
  1,
  0.5,
  -0,
  1e-7,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e308,
  Number.MAX_VALUE,
];

const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
);
const hostileNumber = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

// ---------------------------------------------------------------------------------------------
// Values from the operation's own schema, each sometimes replaced by a hostile one

type Schema = Record<string, unknown>;
let components: Record<string, Schema> = {};

function resolve(s: Schema | undefined): Schema {
  let out = s ?? {};
  for (let i = 0; i < 10 && typeof out.$ref === "string"; i++)
    out = components[(out.$ref as string).replace("#/components/schemas/", "")] ?? {};
  return out;
}

/** Plausible values for fields by name, so that some requests get past validation into the domain. */
const BY_NAME: Record<string, unknown[]> = {
  citizenPhone: ["13812345678", "010-12345678"],
  phone: ["13812345678"],
  categoryCode: ["noise", "water", "road"],
  citizenName: ["王先生"],
  title: ["噪声扰民"],
  description: ["夜间施工噪声扰民"],
  note: ["已联系"],
  reply: ["已处理完毕"],
  reason: ["不属于本单位职责"],
  username: ["fuzz-user", "agent1"],
  password: ["long-enough-password"],
  duration: ["PT1H", "P2D"],
  start: ["2026-01-05T09:00:00+08:00"],
};

function typed(s: Schema, depth: number, name?: string): fc.Arbitrary<unknown> {
  const hint = name ? BY_NAME[name] : undefined;
  if (hint && (s.type === "string" || (Array.isArray(s.type) && s.type.includes("string"))))
    return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...hint) }, typed(s, depth));
  if (Array.isArray(s.enum) && s.enum.length) return fc.constantFrom(...(s.enum as unknown[]));
  if ("const" in s) return fc.constant(s.const);
  for (const key of ["oneOf", "anyOf"] as const) {
    const branches = s[key];
    if (Array.isArray(branches) && branches.length)
      return fc.oneof(...branches.map((b) => fromSchema(b as Schema, depth)));
  }
  if (Array.isArray(s.allOf) && s.allOf.length) return fromSchema(s.allOf[0] as Schema, depth);
  const type = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [s.type as string] : [];
  if (type.length > 1) return fc.oneof(...type.map((t) => typed({ ...s, type: t }, depth)));
  switch (type[0]) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
      return fc.oneof(
        fc.constantFrom(...ticketIds, 1, 2, 3),
        fc.integer({ min: -5, max: 100 }),
        fc.integer({
          min: typeof s.minimum === "number" ? s.minimum : -1000,
          max: typeof s.maximum === "number" ? s.maximum : 1000,
        }),
      );
    case "number":
      return fc.double({ min: -200, max: 200, noNaN: true });
    case "string":
      if (s.format === "date-time")
        return fc.constantFrom(new Date().toISOString(), "2026-01-05T09:00:00+08:00", "2025-12-31T23:59:59Z");
      if (s.format === "date") return fc.constantFrom("2026-01-05", "2025-06-30", "2027-02-01");
      return fc.oneof(
        fc.constantFrom(
          "noise",
          "dongcheng",
          "agent",
          "phone",
          "normal",
          "13812345678",
          "PT1H",
          "P1D",
          "测试",
        ),
        fc.string({ maxLength: 20 }),
      );
    case "array":
      return depth > 3
        ? fc.constant([])
        : fc.array(fromSchema(s.items as Schema, depth + 1), { maxLength: 3 });
    default: {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      if (depth > 3 || Object.keys(props).length === 0) return fc.dictionary(fc.string(), hostileValue);
      const record = fc.record(
        Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fromSchema(v, depth + 1, k)])),
        { requiredKeys: [] },
      );
      // Mostly every required field present (to get past validation), sometimes any subset.
      const required = (s.required ?? []) as string[];
      const complete = fc.record(
        Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fromSchema(v, depth + 1, k)])),
        { requiredKeys: required.filter((k) => k in props) },
      );
      return fc.oneof({ weight: 3, arbitrary: complete }, { weight: 1, arbitrary: record });
    }
  }
}

function fromSchema(schema: Schema | undefined, depth = 0, name?: string): fc.Arbitrary<unknown> {
  const s = resolve(schema);
  return fc.oneof({ weight: 6, arbitrary: typed(s, depth, name) }, { weight: 1, arbitrary: hostileValue });
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: string; schema?: Schema }>;
  body?: { type: string; schema?: Schema };
  /** Open311 answers 4xx with its own JSON error list. */
  open311?: boolean;
}

interface Case {
  user: RoleUser;
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: string;
  contentType?: string;
}

const BROKEN_SEGMENTS = ["%E0%A4%A", "%", "%zz", "%00", "..", "%2e%2e", "%FF%FE"];

/** Percent-encoded; a lone surrogate (which no URL can carry) goes as U+FFFD, as a browser sends it. */
const encode = (v: unknown) => encodeURIComponent(Buffer.from(String(v)).toString());

function pathValue(p: Operation["params"][number]): fc.Arbitrary<string> {
  const s = resolve(p.schema);
  const fromType = typed(s, 0).map(encode);
  return fc.oneof(
    { weight: 3, arbitrary: fromType },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...ticketIds.map(String), "0", "-1", "2147483648", "9007199254740993"),
    },
    { weight: 2, arbitrary: hostileString.map(encode) },
    { weight: 1, arbitrary: fc.constantFrom(...BROKEN_SEGMENTS) },
  );
}

const headerValue = fc.oneof(
  fc.constantFrom("1", "abc", "-1", "99999999999999999999", '"2"', "*", "", "2147483648"),
  fc.nat().map(String),
  fc.string({ unit: "binary-ascii", maxLength: 30 }).map((v) => v.replace(/[^\x20-\x7e]/g, "")),
);

function caseFor(op: Operation, users: RoleUser[]): fc.Arbitrary<Case> {
  const pathParams = op.params.filter((p) => p.in === "path");
  const queryParams = op.params.filter((p) => p.in === "query");
  const headerParams = op.params.filter((p) => p.in === "header");
  const path = fc
    .tuple(...pathParams.map(pathValue))
    .map((values) =>
      pathParams.reduce((acc, p, i) => acc.replace(`{${p.name}}`, values[i] as string), op.path),
    );
  const query = fc
    .tuple(
      ...queryParams.map((p) =>
        fc.option(
          fc.oneof(
            { weight: 3, arbitrary: typed(resolve(p.schema), 1).map(String) },
            { weight: 2, arbitrary: hostileString.map(String) },
          ),
          { freq: 2 },
        ),
      ),
      fc.option(fc.tuple(hostileString, hostileString), { freq: 4 }), // an unknown parameter
    )
    .map((values) => {
      const q = new URLSearchParams();
      queryParams.forEach((p, i) => {
        const v = values[i];
        if (typeof v === "string") q.append(p.name, v);
      });
      const extra = values[queryParams.length] as [string, string] | null;
      if (extra) q.append(extra[0], extra[1]);
      const text = q.toString();
      return text ? `?${text}` : "";
    });
  const headers = fc
    .tuple(...headerParams.map(() => fc.option(headerValue, { freq: 2 })))
    .map((values) =>
      Object.fromEntries(
        headerParams.flatMap((p, i) =>
          typeof values[i] === "string" ? [[p.name, values[i] as string]] : [],
        ),
      ),
    );
  let body: fc.Arbitrary<{ body?: string; contentType?: string }> = fc.constant({});
  if (op.body?.type === "application/json") {
    body = fc
      .oneof(
        { weight: 6, arbitrary: fromSchema(op.body.schema).map((v) => JSON.stringify(v) ?? "null") },
        { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
        {
          weight: 1,
          arbitrary: fc.constantFrom("", "{", "null", "[]", '{"a":', "\u0000", '{"__proto__":{"x":1}}'),
        },
      )
      .map((text) => ({ body: text, contentType: "application/json" }));
  } else if (op.body?.type === "application/x-ndjson") {
    body = fc
      .array(
        fc.oneof(
          fromSchema(components.CreateTicket).map((v) => JSON.stringify(v) ?? ""),
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
          hostileString,
        ),
        { maxLength: 5 },
      )
      .map((lines) => ({ body: lines.join("\n"), contentType: "application/x-ndjson" }));
  } else if (op.body?.type === "form") {
    body = fc
      .dictionary(
        fc.constantFrom(
          "api_key",
          "service_code",
          "description",
          "phone",
          "lat",
          "long",
          "attribute[urgency]",
          "x",
        ),
        hostileString,
      )
      .map((form) => ({
        body: new URLSearchParams(form as Record<string, string>).toString(),
        contentType: "application/x-www-form-urlencoded",
      }));
  }
  return fc
    .record({ user: fc.constantFrom(...users), path, query, headers, body })
    .map(({ user, path: p, query: q, headers: h, body: b }) => ({
      user,
      path: p,
      query: q,
      headers: h,
      ...b,
    }));
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

async function send(op: Operation, c: Case): Promise<Answer> {
  const token = tokens.get(c.user);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 15_000);
  try {
    const res = await fetch(`${sys.url}${c.path}${c.query}`, {
      method: op.method,
      headers: {
        ...c.headers,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(c.contentType ? { "content-type": c.contentType } : {}),
      },
      body: c.body,
      signal: abort.signal,
    });
    const contentType = res.headers.get("content-type") ?? "";
    if (contentType.includes("text/event-stream")) {
      await res.body?.cancel();
      return { status: res.status, contentType, text: "" };
    }
    return { status: res.status, contentType, text: await res.text() };
  } finally {
    clearTimeout(timer);
  }
}

const LEAKS =
  /\bat [\w$.<>[\]]+ \(|\bat (?:file:|node:|\/)|\.[cm]?[tj]s:\d+:\d+|node_modules|\/work\/|Invalid `|PrismaClient/;

function check(op: Operation, c: Case, a: Answer): void {
  const where = `${op.method} ${c.path}${c.query} as ${c.user} body=${(c.body ?? "").slice(0, 300)}`;
  if (a.status >= 500) throw new Error(`${a.status} for ${where}: ${a.text.slice(0, 300)}`);
  if (LEAKS.test(a.text))
    throw new Error(`internal detail in the answer to ${where}: ${a.text.slice(0, 300)}`);
  if (a.status >= 400) {
    const problemJson = a.contentType.includes("application/problem+json");
    if (!problemJson && !(op.open311 && a.contentType.includes("application/json")))
      throw new Error(`${a.status} is ${a.contentType || "no content type"}, not problem+json, for ${where}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(a.text);
    } catch {
      throw new Error(`${a.status} body is not JSON for ${where}: ${a.text.slice(0, 200)}`);
    }
    if (problemJson && (parsed as { status?: number }).status !== a.status)
      throw new Error(`problem status differs from HTTP ${a.status} for ${where}`);
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Operations that hash a password (or end the session, so the next run logs in again) cost
 * ~0.5 s a request: half the runs keep the file within its minute.
 */
const SLOW = /\/auth\/(login|logout|password)|\/password$/;

/** Operations that end sessions or change who may log in run last, so they spoil no others. */
const LAST = /\/auth\/(logout|password)|\/users\/\{id\}/;

const OPEN311: Operation[] = [
  { method: "GET", path: "/open311/v2/services.json", params: [], open311: true },
  {
    method: "GET",
    path: "/open311/v2/services/{code}.json",
    params: [{ name: "code", in: "path", schema: { type: "string" } }],
    open311: true,
  },
  {
    method: "GET",
    path: "/open311/v2/requests.json",
    params: ["start_date", "end_date", "status", "service_code", "service_request_id"].map((name) => ({
      name,
      in: "query",
      schema: { type: "string" },
    })),
    open311: true,
  },
  {
    method: "GET",
    path: "/open311/v2/requests/{id}.json",
    params: [{ name: "id", in: "path", schema: { type: "string" } }],
    open311: true,
  },
  {
    method: "POST",
    path: "/open311/v2/requests.json",
    params: [],
    body: {
      type: "application/json",
      schema: {
        type: "object",
        properties: {
          api_key: { type: "string" },
          service_code: { type: "string", enum: ["noise", "nope"] },
          description: { type: "string" },
          phone: { type: "string" },
          lat: { type: "number" },
          long: { type: "number" },
          "attribute[urgency]": { type: "string", enum: ["normal", "urgent", "x"] },
        },
        required: ["api_key", "service_code", "description", "phone"],
      },
    },
    open311: true,
  },
  { method: "POST", path: "/open311/v2/requests.json", params: [], body: { type: "form" }, open311: true },
];

describe("fuzzing every route", () => {
  it("never a 5xx, never internals, 4xx always problem+json", async () => {
    const doc = (await (await fetch(`${sys.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
      components?: { schemas?: Record<string, Schema> };
    };
    components = doc.components?.schemas ?? {};
    const ops: Operation[] = [];
    for (const [path, methods] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(methods)) {
        const content = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)
          ?.content;
        const type = content ? Object.keys(content)[0] : undefined;
        ops.push({
          method: method.toUpperCase(),
          path,
          params: (op.parameters ?? []) as Operation["params"],
          body: type ? { type, schema: content?.[type]?.schema } : undefined,
        });
      }
    ops.push(...OPEN311);
    ops.sort((a, b) => Number(LAST.test(a.path)) - Number(LAST.test(b.path)));
    expect(ops.length).toBeGreaterThan(25);

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let cases = 0;
    const started = Date.now();
    for (const op of ops) {
      // Roles allowed here: those a plain request does not answer with 403.
      for (const u of ROLES) await tokenOf(u);
      const allowed: RoleUser[] = [];
      for (const u of ROLES) {
        const probe = await send(op, {
          user: u,
          path: op.path.replace(/\{[^}]+\}/g, String(ticketIds[0])),
          query: "",
          headers: {},
          ...(op.body ? { body: "{}", contentType: "application/json" } : {}),
        });
        cases++;
        if (probe.status !== 403 && probe.status !== 401) allowed.push(u);
      }
      const users = allowed.length ? allowed : [...ROLES];
      if (op.open311 && op.method === "POST" && op.body?.schema) await withPartnerKey(op.body.schema);
      try {
        await fc.assert(
          fc.asyncProperty(caseFor(op, users), async (c) => {
            // These may have ended the session or changed the password of the previous run's user.
            if (LAST.test(op.path)) await tokenOf(c.user);
            cases++;
            const a = await send(op, c);
            statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
            check(op, c, a);
          }),
          { numRuns: SLOW.test(op.path) ? Math.ceil(RUNS / 2) : RUNS, seed: SEED, endOnFailure: true },
        );
      } catch (err) {
        failures.push(
          `${op.method} ${op.path}: ${(err as Error).message.split("\n").slice(0, 8).join("\n")}`,
        );
      }
    }
    const summary = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    console.log(
      `fuzz: ${ops.length} operations, ${cases} requests (${RUNS} generated per operation, ` +
        `${Math.ceil(RUNS / 2)} where a password is hashed), seed ${SEED}, ` +
        `${Date.now() - started} ms; statuses ${summary.join(" ")}`,
    );
    expect(failures, failures.join("\n\n")).toEqual([]);
  }, 120_000);
});
