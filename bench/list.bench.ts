import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { Principal } from "../src/auth/principal.ts";
import { loadConfig } from "../src/config.ts";
import type { Role } from "../src/generated/prisma/enums.ts";
import { DepartmentTree } from "../src/org/department-tree.ts";
import type { ListContext } from "../src/tickets/ticket.list.ts";
import { ListQuerySchema } from "../src/tickets/ticket.schemas.ts";
import { startApi } from "./api.bench.ts";
import { BENCH_ADMIN_PASSWORD, fmt, freshDatabase, machineInfo, percentile } from "./common.ts";

/**
 * The ticket list on a district year: `--only list [--list-tickets 260000] [--runs 50] [--rebuild]`.
 *
 * Builds — or reuses, when it is already there — the database `hotline_bench_list` with the demo
 * organisation and a generated district year (`npm run seed:demo`, then `npm run generate --
 * --tickets N --year 2025 --import`, each its own process: about 100 s for 260,000 tickets on a
 * 2-core VM, plus about a minute for the list migration's search table when it is applied to
 * an existing database). Starts the API as its own process (`node --import tsx src/main.ts`, no
 * workers, so nothing else runs; it applies pending migrations), VACUUM ANALYZEs (what
 * autovacuum gives a live database: a migration that just built a table leaves no statistics),
 * then times every filter, queue, sort, cursor page and search the desk offers over HTTP, as the
 * hotline (manager, agent, reviewer) and as handlers whose scope is a district or a street,
 * `runs` times each after 3 unrecorded ones, one request at a time. Prints p50/p95 against the
 * 50 ms target with the shape of the query plan (EXPLAIN ANALYZE of the SQL the list runs for
 * that caller and query) and writes everything to `bench/results/list-<timestamp>.json`.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS_DIR = resolve(ROOT, "bench/results");
const DB_NAME = "hotline_bench_list";
const DEMO_PASSWORD = "demo12345";
export const LIST_TARGET_P95_MS = 50;

const OPEN = "registered,dispatched,processing,returnRequested,reviewing,callback";
const HANDLER_WORK = "dispatched,processing,returnRequested";

export interface ListBenchOptions {
  adminUrl: string;
  tickets: number;
  runs: number;
  rebuild: boolean;
}

interface Case {
  name: string;
  user: string;
  query: Record<string, string>;
  /** Time this page (2 = the one after the first), reached by following nextCursor. */
  page?: number;
}

interface CaseResult extends Case {
  p50: number;
  p95: number;
  max: number;
  rows: number;
  pass: boolean;
  plan: string;
  planMs: number | null;
}

export async function runListBench(opts: ListBenchOptions) {
  const log = (msg: string) => console.log(`[list] ${msg}`);
  const url = await ensureDataset(opts, log);
  const api = await startApi(
    {
      DATABASE_URL: url,
      PORT: "0",
      HOST: "127.0.0.1",
      HOTLINE_WORKERS: "none",
      HOTLINE_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
      LOG_LEVEL: "warn",
      // Each phone case runs `runs` + 3 times in well under a minute: this times the list, not the throttle.
      HOTLINE_PHONE_SEARCHES_PER_MINUTE: "100000",
    },
    // Pending migrations on a year of tickets take a while at the first start.
    { demo: false, timeoutMs: 300_000 },
  );
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    log(`API at ${api.url} (pid ${api.pid})`);
    // What autovacuum gives a live database: statistics for the planner, and the visibility map
    // (a migration or an import that just ran leaves neither).
    const t0 = performance.now();
    await db.query("VACUUM ANALYZE");
    log(`VACUUM ANALYZE in ${fmt((performance.now() - t0) / 1000)} s`);
    const loadBefore = os.loadavg()[0] ?? 0;
    if (loadBefore > os.cpus().length)
      log(`WARNING: load average ${fmt(loadBefore)} on ${os.cpus().length} cores: the figures will be high`);
    const samples = await sampleValues(db);
    const cases = benchCases(samples);
    const tokens = new Map<string, string>();
    for (const user of new Set(cases.map((c) => c.user))) tokens.set(user, await login(api.url, user));
    const explain = await explainer(db);

    const results: CaseResult[] = [];
    for (const c of cases) {
      const token = tokens.get(c.user) as string;
      const query = { ...c.query };
      if (c.page && c.page > 1) query.cursor = await cursorFor(api.url, token, c.query, c.page);
      const path = `/api/v1/tickets?${new URLSearchParams(query)}`;
      let rows = 0;
      const times: number[] = [];
      for (let i = 0; i < opts.runs + 3; i++) {
        const t = performance.now();
        const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as { items?: unknown[] };
        const ms = performance.now() - t;
        if (res.status !== 200) throw new Error(`${c.name}: ${res.status} ${JSON.stringify(body)}`);
        rows = body.items?.length ?? 0;
        if (i >= 3) times.push(ms);
      }
      times.sort((a, b) => a - b);
      const { plan, ms: planMs } = await explain(c.user, query);
      const p95 = percentile(times, 95);
      const r: CaseResult = {
        ...c,
        query,
        p50: percentile(times, 50),
        p95,
        max: times[times.length - 1] as number,
        rows,
        pass: p95 < LIST_TARGET_P95_MS,
        plan,
        planMs,
      };
      results.push(r);
      log(
        `${r.pass ? "PASS" : "FAIL"} ${c.name.padEnd(44)} ${c.user.padEnd(9)} p50 ${fmt(r.p50).padStart(6)} ms  p95 ${fmt(r.p95).padStart(6)} ms  rows ${String(rows).padStart(3)}  ${plan}`,
      );
    }
    const failed = results.filter((r) => !r.pass);
    log(
      `${results.length - failed.length}/${results.length} queries with p95 < ${LIST_TARGET_P95_MS} ms${failed.length ? `; FAIL: ${failed.map((f) => f.name).join(", ")}` : ""}`,
    );
    const tickets = Number(
      ((await db.query("SELECT count(*) AS n FROM tickets")).rows[0] as { n: string }).n,
    );
    const version = ((await db.query("SHOW server_version")).rows[0] as { server_version: string })
      .server_version;
    const result = {
      benchmark: "list",
      timestamp: new Date().toISOString(),
      machine: {
        ...machineInfo(version),
        // Other work on the machine inflates every figure: the 1-minute load average before and after.
        loadAverage: { before: loadBefore, after: os.loadavg()[0] },
      },
      options: {
        ...opts,
        adminUrl: undefined,
        server: "node --import tsx src/main.ts (HOTLINE_WORKERS=none)",
      },
      tickets,
      targetP95Ms: LIST_TARGET_P95_MS,
      passed: results.length - failed.length,
      failed: failed.map((f) => f.name),
      results,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = resolve(RESULTS_DIR, `list-${result.timestamp.replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`results: ${relative(process.cwd(), file)}`);
    return result;
  } finally {
    await db.end();
    await api.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// The queries

interface Samples {
  dept: Record<string, number>;
  phoneOpen: string;
  phoneClosed: string;
  number: string;
  rareAddress: string;
  commonCategory: string;
  rareCategory: string;
}

function benchCases(s: Samples): Case[] {
  const hotline: Case[] = [
    { name: "newest", user: "manager1", query: {} },
    { name: "newest, page 2", user: "manager1", query: {}, page: 2 },
    { name: "newest, page 50", user: "manager1", query: {}, page: 50 },
    { name: "sort=deadline", user: "manager1", query: { sort: "deadline" } },
    { name: "sort=deadline, page 2", user: "manager1", query: { sort: "deadline" }, page: 2 },
    { name: "sort=deadline, page 50", user: "manager1", query: { sort: "deadline" }, page: 50 },
    { name: "queue toDispatch (status=registered)", user: "agent1", query: { status: "registered" } },
    { name: "queue=returns", user: "agent1", query: { queue: "returns" } },
    { name: "queue=callback", user: "agent1", query: { queue: "callback" } },
    { name: "queue=review", user: "reviewer1", query: { queue: "review" } },
    { name: "queue=extensions", user: "reviewer1", query: { queue: "extensions" } },
    { name: "status=open", user: "manager1", query: { status: OPEN } },
    { name: "status=open, page 2", user: "manager1", query: { status: OPEN }, page: 2 },
    { name: "status=processing", user: "manager1", query: { status: "processing" } },
    { name: "status=closed", user: "manager1", query: { status: "closed" } },
    { name: "status=merged", user: "manager1", query: { status: "merged" } },
    { name: "status=merged, page 20", user: "manager1", query: { status: "merged" }, page: 20 },
    { name: "status=closed, sort=deadline", user: "manager1", query: { status: "closed", sort: "deadline" } },
    {
      name: "departmentId=district (subtree)",
      user: "manager1",
      query: { departmentId: `${s.dept.dongcheng}` },
    },
    { name: "departmentId=street", user: "manager1", query: { departmentId: `${s.dept["dc-hepingli"]}` } },
    {
      name: "departmentId=bureau, sort=deadline",
      user: "manager1",
      query: { departmentId: `${s.dept.transport}`, sort: "deadline" },
    },
    { name: "categoryCode=common", user: "manager1", query: { categoryCode: s.commonCategory } },
    { name: "categoryCode=rare", user: "manager1", query: { categoryCode: s.rareCategory } },
    {
      name: "categoryCode=rare, sort=deadline",
      user: "manager1",
      query: { categoryCode: s.rareCategory, sort: "deadline" },
    },
    { name: "urgency=critical", user: "manager1", query: { urgency: "critical" } },
    {
      name: "urgency+category+status",
      user: "manager1",
      query: { urgency: "urgent", categoryCode: s.rareCategory, status: "closed" },
    },
    {
      name: "queue overdue (overdue, deadline)",
      user: "manager1",
      query: { overdue: "true", sort: "deadline" },
    },
    { name: "overdue=true", user: "manager1", query: { overdue: "true" } },
    { name: "overdue=false", user: "manager1", query: { overdue: "false" } },
    {
      name: "queue supervised (stage)",
      user: "manager1",
      query: { supervised: "true", sort: "stage" },
    },
    { name: "supervised, sort=deadline", user: "manager1", query: { supervised: "true", sort: "deadline" } },
    {
      name: "status=open, sort=stage, page 2",
      user: "manager1",
      query: { status: OPEN, sort: "stage" },
      page: 2,
    },
    { name: "reopened=true", user: "manager1", query: { reopened: "true" } },
    { name: "reopened=true, page 20", user: "manager1", query: { reopened: "true" }, page: 20 },
    { name: "reopened=false", user: "manager1", query: { reopened: "false" } },
    { name: "phone", user: "agent1", query: { phone: s.phoneClosed } },
    { name: "phone, unknown", user: "agent1", query: { phone: "13000000000" } },
    {
      name: "duplicate hint: phone + open",
      user: "agent1",
      query: { phone: s.phoneOpen, status: OPEN, limit: "5" },
    },
    { name: "q=ticket number", user: "agent1", query: { q: s.number, limit: "5" } },
    { name: "q=phone", user: "agent1", query: { q: s.phoneClosed } },
    { name: "q=人民路 (address, 1 in 9)", user: "manager1", query: { q: "人民路" } },
    { name: "q=人民路, page 20", user: "manager1", query: { q: "人民路" }, page: 20 },
    { name: "q=rare address", user: "manager1", query: { q: s.rareAddress } },
    { name: "q=description substring", user: "manager1", query: { q: "扰民相关问题" } },
    { name: "q=title substring", user: "manager1", query: { q: "南湖市民" } },
    { name: "q=2 characters", user: "manager1", query: { q: "欠薪" } },
    { name: "q=2 characters, rare", user: "manager1", query: { q: "19号" } },
    { name: "q=1 character", user: "manager1", query: { q: "湖" } },
    { name: "q=every ticket", user: "manager1", query: { q: "市民来电反映" } },
    { name: "q=no match", user: "manager1", query: { q: "地铁站漏水" } },
    { name: "q=%", user: "manager1", query: { q: "%" } },
    { name: "q=人民路, sort=deadline", user: "manager1", query: { q: "人民路", sort: "deadline" } },
    { name: "duplicate hint: q + open", user: "agent1", query: { q: "噪声扰民", status: OPEN, limit: "5" } },
    {
      name: "q + category (no match together)",
      user: "manager1",
      query: { q: "欠薪", categoryCode: "noise" },
    },
  ];
  const handler = (user: string, scope: string): Case[] => [
    // The desk's handler queues (web/js/desk/queues.js), each by the deadline its rows show.
    { name: `${scope}: queue work (stage)`, user, query: { status: HANDLER_WORK, sort: "stage" } },
    { name: `${scope}: queue toSign`, user, query: { status: "dispatched", sort: "stage" } },
    { name: `${scope}: queue processing`, user, query: { status: "processing", sort: "stage" } },
    {
      name: `${scope}: queue reopened`,
      user,
      query: { status: HANDLER_WORK, sort: "stage", reopened: "true" },
    },
    { name: `${scope}: queue redo`, user, query: { queue: "redo", sort: "stage" } },
    { name: `${scope}: status=work, sort=deadline`, user, query: { status: HANDLER_WORK, sort: "deadline" } },
    { name: `${scope}: newest`, user, query: {} },
    { name: `${scope}: newest, page 20`, user, query: {}, page: 20 },
    { name: `${scope}: sort=deadline`, user, query: { sort: "deadline" } },
    { name: `${scope}: status=closed`, user, query: { status: "closed" } },
    { name: `${scope}: overdue (deadline)`, user, query: { overdue: "true", sort: "deadline" } },
    { name: `${scope}: categoryCode=rare`, user, query: { categoryCode: s.rareCategory } },
    { name: `${scope}: urgency=critical`, user, query: { urgency: "critical" } },
    { name: `${scope}: reopened=true`, user, query: { reopened: "true" } },
    { name: `${scope}: q=人民路`, user, query: { q: "人民路" } },
    { name: `${scope}: q=2 characters`, user, query: { q: "欠薪" } },
  ];
  return [...hotline, ...handler("handler1", "district"), ...handler("handler3", "street")];
}

async function sampleValues(db: pg.Client): Promise<Samples> {
  const one = async <T>(sql: string) => (await db.query(sql)).rows[0] as T;
  const depts = await db.query<{ code: string; id: number }>("SELECT code, id FROM departments");
  const cats = await db.query<{ code: string; n: string }>(
    "SELECT c.code, count(t.id) AS n FROM categories c LEFT JOIN tickets t ON t.category_id = c.id GROUP BY c.code ORDER BY count(t.id) DESC, c.code",
  );
  return {
    dept: Object.fromEntries(depts.rows.map((d) => [d.code, d.id])),
    phoneOpen: (
      await one<{ p: string }>(
        "SELECT citizen_phone AS p FROM tickets WHERE status NOT IN ('closed', 'merged') ORDER BY id LIMIT 1",
      )
    ).p,
    phoneClosed: (
      await one<{ p: string }>(
        "SELECT citizen_phone AS p FROM tickets WHERE status = 'closed' ORDER BY id LIMIT 1",
      )
    ).p,
    number: (await one<{ n: string }>("SELECT number AS n FROM tickets ORDER BY id DESC LIMIT 1")).n,
    rareAddress: (
      await one<{ a: string }>(
        "SELECT address AS a FROM tickets WHERE address IS NOT NULL ORDER BY id LIMIT 1",
      )
    ).a,
    commonCategory: cats.rows[0]?.code ?? "noise",
    rareCategory: cats.rows.filter((c) => Number(c.n) > 0).at(-1)?.code ?? "noise",
  };
}

// ---------------------------------------------------------------------------------------------
// The plans: the same SQL the list runs (listSql), for the same caller, EXPLAIN ANALYZEd

async function explainer(db: pg.Client) {
  // Absent before the list had its own SQL: then there is no plan to show.
  const mod = (await import("../src/tickets/ticket.list.ts")) as Record<string, unknown>;
  const listSql = mod.listSql as
    | ((p: Principal, q: unknown, ctx: unknown, phase?: string) => { text: string; values: unknown[] })
    | undefined;
  const departments = await db.query(
    `SELECT id, code, name, name_en AS "nameEn", parent_id AS "parentId", path FROM departments`,
  );
  const tree = new DepartmentTree(departments.rows);
  const categories = new Map(
    (await db.query<{ code: string; id: number }>("SELECT code, id FROM categories")).rows.map((c) => [
      c.code,
      c.id,
    ]),
  );
  const users = new Map(
    (
      await db.query<{ id: number; username: string; role: Role; departmentId: number | null }>(
        `SELECT id, username, role, department_id AS "departmentId" FROM users`,
      )
    ).rows.map((u) => [u.username, { ...u, displayName: u.username } satisfies Principal]),
  );
  const explain = async (sql: { text: string; values: unknown[] }) => {
    const { rows } = await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql.text}`, sql.values);
    const root = (rows[0] as { "QUERY PLAN": Array<{ Plan: PlanNode; "Execution Time": number }> })[
      "QUERY PLAN"
    ][0] as { Plan: PlanNode; "Execution Time": number };
    return { plan: planShape(root.Plan), ms: root["Execution Time"], rows: root.Plan["Actual Rows"] ?? 0 };
  };
  // What TicketList.list runs: a text search walks SEARCH_WALK tickets first, and collects
  // every match (through the gram index if it has few candidates) when that did not fill the page.
  return async (
    user: string,
    query: Record<string, string>,
  ): Promise<{ plan: string; ms: number | null }> => {
    if (!listSql) return { plan: "n/a (no listSql)", ms: null };
    const q = ListQuerySchema.parse(query);
    const principal = users.get(user) as Principal;
    const ctx: ListContext = {
      tree,
      categoryId: q.categoryCode ? (categories.get(q.categoryCode) ?? null) : null,
      now: new Date(),
      timeZone: loadConfig().timeZone,
      received: {},
    };
    const isText = mod.isTextSearch as ((t: string | undefined) => boolean) | undefined;
    if (isText?.(q.q)) {
      const walk = await explain(listSql(principal, q, ctx, "walk"));
      if (walk.rows > q.limit) return { plan: `walk: ${walk.plan}`, ms: walk.ms };
      let phase = "index";
      let candidates = "";
      const leads = mod.hasOtherLeadingFilter as (q: unknown) => boolean;
      let countMs = 0;
      if (leads(q)) {
        const counter = mod.searchCandidatesSql as (
          p: Principal,
          q: unknown,
          ctx: unknown,
        ) => { text: string; values: unknown[] };
        const count = counter(principal, q, ctx);
        const t = performance.now();
        const n = ((await db.query(count.text, count.values)).rows[0] as { n: number }).n;
        countMs = performance.now() - t;
        if (n > (mod.SEARCH_INDEX_MAX as number)) phase = "scan";
        candidates = `${n} candidates (${fmt(countMs)} ms); `;
      }
      const set = await explain(listSql(principal, q, ctx, phase));
      return {
        plan: `walk: ${walk.plan} (${walk.rows} found); ${candidates}${phase}: ${set.plan}`,
        ms: walk.ms + countMs + set.ms,
      };
    }
    const only = await explain(listSql(principal, q, ctx));
    return { plan: only.plan, ms: only.ms };
  };
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Scan Direction"?: string;
  "Sort Method"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

/** `Limit > Index Scan tickets_created_at_id_idx (51 rows, 20 filtered)`, children in [ ]. */
export function planShape(n: PlanNode): string {
  const scanned = (n["Actual Rows"] ?? 0) * (n["Actual Loops"] ?? 1);
  const removed = n["Rows Removed by Filter"] ?? 0;
  const label =
    n["Node Type"] +
    (n["Index Name"] ? ` ${n["Index Name"]}` : n["Relation Name"] ? ` ${n["Relation Name"]}` : "") +
    (/Scan/.test(n["Node Type"]) ? ` (${scanned} rows${removed ? `, ${removed} filtered` : ""})` : "");
  const kids = (n.Plans ?? []).map(planShape);
  if (kids.length === 0) return label;
  if (kids.length === 1) return `${label} > ${kids[0]}`;
  return `${label} [${kids.join("; ")}]`;
}

// ---------------------------------------------------------------------------------------------
// Dataset, server, HTTP

async function ensureDataset(opts: ListBenchOptions, log: (m: string) => void): Promise<string> {
  const admin = new pg.Client({ connectionString: opts.adminUrl });
  await admin.connect();
  const exists =
    (await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [DB_NAME])).rowCount === 1;
  await admin.end();
  const u = new URL(opts.adminUrl);
  u.pathname = `/${DB_NAME}`;
  if (exists && !opts.rebuild) {
    const c = new pg.Client({ connectionString: u.toString() });
    await c.connect();
    const have = await c
      .query<{ n: string; h: string }>(
        "SELECT (SELECT count(*) FROM tickets) AS n, (SELECT count(*) FROM users WHERE username IN ('handler1', 'handler3')) AS h",
      )
      .then((r) => r.rows[0])
      .catch(() => undefined);
    await c.end();
    if (have && Number(have.n) >= opts.tickets * 0.95 && Number(have.h) === 2) {
      log(`reusing ${DB_NAME}: ${have.n} tickets (--rebuild to build it again)`);
      return u.toString();
    }
  }
  const url = await freshDatabase(opts.adminUrl, DB_NAME);
  const env = { DATABASE_URL: url, HOTLINE_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD, LOG_LEVEL: "warn" };
  let t = performance.now();
  await run(["prisma/seed.ts"], env);
  log(`demo organisation in ${fmt((performance.now() - t) / 1000)} s`);
  t = performance.now();
  await run(
    ["scripts/generate.ts", "--tickets", String(opts.tickets), "--year", "2025", "--import", "--quiet"],
    env,
  );
  log(`generated and imported ${opts.tickets} tickets in ${fmt((performance.now() - t) / 1000)} s`);
  return url;
}

function run(args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.once("error", rej);
    child.once("exit", (code) => (code === 0 ? res() : rej(new Error(`${args[0]} exited with ${code}`))));
  });
}

async function login(base: string, username: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

/** The cursor of page `page` (page 1 has none), found by walking the pages before it. */
async function cursorFor(
  base: string,
  token: string,
  query: Record<string, string>,
  page: number,
): Promise<string> {
  let cursor: string | undefined;
  for (let i = 1; i < page; i++) {
    const params = new URLSearchParams({ ...query, ...(cursor ? { cursor } : {}) });
    const res = await fetch(`${base}/api/v1/tickets?${params}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as { nextCursor: string | null };
    if (!body.nextCursor) throw new Error(`${JSON.stringify(query)} has fewer than ${page} pages`);
    cursor = body.nextCursor;
  }
  return cursor as string;
}
