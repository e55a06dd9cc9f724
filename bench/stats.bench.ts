import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from "node:fs";
import { Readable } from "node:stream";
import pg from "pg";
import { generateHistory, Truth, yearWindow } from "../src/demo/generator.ts";
import { arg, benchDatabase, fmt, percentile, startBenchSystem } from "./common.ts";

/**
 * Stats at scale (issue 4): a generated district history imported over HTTP in two stages (a
 * tenth: the year the dashboard looks at; then the rest: the years before it at the same daily
 * volume), measuring
 *  - import throughput (tickets/s and rows/s) against raw multi-row INSERT rows/s;
 *  - the full rebuild (and that it finds nothing to correct);
 *  - stats API latency p50/p95 over HTTP (summary, departments, trend) against a raw
 *    `SELECT 1` round trip and GET /healthz, at both sizes: the cost follows the rollup rows
 *    and open tickets of the period asked for, not how many tickets the centre ever had;
 *  - freshness: a ticket event through the API until /stats/summary reflects it, and until
 *    the SSE stream says so.
 */
export interface StatsBenchOptions {
  adminUrl: string;
  tickets: number;
  seed?: number;
  /** Requests per latency sample. */
  samples?: number;
}

interface Row {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
}

const YEAR = 2025;

/** The NDJSON for one stage, generated once and cached under .data/bench. */
async function dataFile(
  tickets: number,
  seed: number,
  prefix: string,
  window: { from: Date; to: Date; cutoff?: Date },
  label: string,
): Promise<{ path: string; ms: number }> {
  mkdirSync(".data/bench", { recursive: true });
  const path = `.data/bench/stats-${label}-${tickets}-${seed}.ndjson`;
  if (existsSync(path)) return { path, ms: 0 };
  const started = performance.now();
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  for (const line of generateHistory({ tickets, seed, refPrefix: prefix, ...window }, new Truth())) {
    if (!out.write(`${JSON.stringify(line)}\n`)) await new Promise((r) => out.once("drain", r));
  }
  await new Promise<void>((r) => out.end(() => r()));
  renameSync(tmp, path);
  return { path, ms: performance.now() - started };
}

/** Raw multi-row INSERT of ticket-sized rows (unnest, 2,000 a statement) for `seconds`. */
async function rawInsertRowsPerSecond(url: string, seconds = 4): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP TABLE IF EXISTS bench_rows;
    CREATE TABLE bench_rows (id serial primary key, a int, b text, c text, d timestamptz, e jsonb, f int)`);
  const n = 2000;
  const text = Array.from({ length: n }, (_, i) => `市民来电反映相关问题，请核实处理 ${i}`);
  const json = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ departmentId: i % 20, note: "已联系市民" }),
  );
  const ints = Array.from({ length: n }, (_, i) => i);
  const times = Array.from({ length: n }, (_, i) => new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString());
  let rows = 0;
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    await c.query(
      `INSERT INTO bench_rows (a, b, c, d, e, f)
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::timestamptz[], $5::jsonb[], $6::int[])`,
      [ints, text, text, times, json, ints],
    );
    rows += n;
  }
  await c.query("DROP TABLE bench_rows");
  await c.end();
  return rows / seconds;
}

async function rawSelect1(url: string, samples: number): Promise<{ p50: number; p95: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const ms: number[] = [];
  for (let i = 0; i < samples + 20; i++) {
    const t = performance.now();
    await c.query("SELECT 1");
    if (i >= 20) ms.push(performance.now() - t);
  }
  await c.end();
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

async function latency(
  url: string,
  token: string | null,
  samples: number,
): Promise<{ p50: number; p95: number }> {
  const ms: number[] = [];
  for (let i = 0; i < samples + 20; i++) {
    const t = performance.now();
    const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    if (i >= 20) ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95) };
}

export async function runStatsBench(opts: StatsBenchOptions): Promise<Row[]> {
  const seed = opts.seed ?? 1;
  const samples = opts.samples ?? 200;
  const first = Math.max(1, Math.round(opts.tickets / 10));
  const rest = opts.tickets - first;
  const log = (msg: string) => console.error(`[stats bench] ${msg}`);

  // Stage A: one year (the year the dashboard queries). Stage B: the years before it at the same
  // daily volume, so the queried period holds the same data at both sizes and only history grows.
  const years = Math.max(1, Math.round(rest / first));
  log(
    `generating ${first} tickets for ${YEAR} + ${rest} for the ${years} years before (cached under .data/bench)…`,
  );
  const fileA = await dataFile(first, seed, `bench-${seed}-a-`, yearWindow(YEAR), `${YEAR}`);
  const fileB =
    rest > 0
      ? await dataFile(
          rest,
          seed + 1,
          `bench-${seed}-b-`,
          { from: yearWindow(YEAR - years).from, to: yearWindow(YEAR).from, cutoff: yearWindow(YEAR).to },
          `${YEAR - years}-${YEAR - 1}`,
        )
      : null;
  if (fileA.ms + (fileB?.ms ?? 0) > 0) log(`generated in ${fmt((fileA.ms + (fileB?.ms ?? 0)) / 1000)} s`);

  const { system, login } = await startBenchSystem(opts.adminUrl, "hotline_bench_stats");
  const s = system.services;
  const url = s.databaseUrl;
  const admin = await login("admin");
  const agent = await login("agent1");
  const rows: Row[] = [];
  const add = (
    figure: string,
    value: number,
    unit: string,
    baseline: number,
    bUnit: string,
    higherIsBetter: boolean,
  ) =>
    rows.push({
      figure,
      value: `${fmt(value, value < 10 ? 2 : 0)} ${unit}`,
      baseline: `${fmt(baseline, baseline < 10 ? 2 : 0)} ${bUnit}`,
      ratio: higherIsBetter ? `${fmt(value / baseline, 2)}×` : `${fmt(value / baseline, 1)}×`,
    });

  // ── baselines ──
  const select1 = await rawSelect1(url, samples);
  const insertRps = await rawInsertRowsPerSecond(url);
  const healthz = await latency(`${system.url}/healthz`, null, samples);
  log(
    `baselines: SELECT 1 p50 ${fmt(select1.p50, 2)} ms, INSERT ${fmt(insertRps, 0)} rows/s, /healthz p50 ${fmt(healthz.p50, 2)} ms`,
  );

  const countRows = async () => {
    const { rows: r } = await s.stats.pool.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM tickets) + (SELECT count(*) FROM ticket_events) + (SELECT count(*) FROM assignments)
            + (SELECT count(*) FROM callbacks) + (SELECT count(*) FROM extension_requests)
            + (SELECT count(*) FROM ticket_facts) + (SELECT count(*) FROM ticket_dispatch_facts) AS n`,
    );
    return Number(r[0]?.n ?? 0);
  };
  const importFile = async (path: string, chunkLines: number) => {
    // Several requests of `chunkLines` each, streamed from the file (a centre migrating history
    // would send it in pieces too).
    let imported = 0;
    const rowsBefore = await countRows();
    const started = performance.now();
    const lines = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 });
    let pending: string[] = [];
    let buffered = "";
    const send = async (body: string[]) => {
      const res = await fetch(`${system.url}/api/v1/import/tickets`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/x-ndjson" },
        body: Readable.toWeb(Readable.from(body.map((l) => `${l}\n`))) as ReadableStream,
        duplex: "half",
      } as RequestInit);
      const r = (await res.json()) as { imported: number; rejected: number; errors: unknown[] };
      if (res.status !== 200 || r.rejected > 0)
        throw new Error(`import: ${res.status} ${JSON.stringify(r).slice(0, 500)}`);
      imported += r.imported;
    };
    for await (const chunk of lines) {
      buffered += chunk;
      let nl = buffered.indexOf("\n");
      while (nl >= 0) {
        pending.push(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf("\n");
        if (pending.length >= chunkLines) {
          await send(pending);
          pending = [];
          log(
            `  … ${imported} imported (${fmt(imported / ((performance.now() - started) / 1000), 0)} tickets/s)`,
          );
        }
      }
    }
    if (buffered) pending.push(buffered);
    if (pending.length > 0) await send(pending);
    const seconds = (performance.now() - started) / 1000;
    return { imported, seconds, rows: (await countRows()) - rowsBefore };
  };

  const month = "from=2025-12-01&to=2026-01-01";
  const endpoints: Array<[string, string]> = [
    ["summary (a month)", `/api/v1/stats/summary?${month}`],
    ["summary (the year)", "/api/v1/stats/summary?from=2025-01-01&to=2026-01-01"],
    ["departments (a month)", `/api/v1/stats/departments?${month}`],
    ["trend (a month by day)", `/api/v1/stats/trend?${month}&granularity=day`],
    ["summary (one district, a month)", `/api/v1/stats/summary?${month}&departmentId=3`],
  ];
  const measureApi = async (stage: string) => {
    const out: Record<string, { p50: number; p95: number }> = {};
    for (const [name, path] of endpoints) {
      const l = await latency(`${system.url}${path}`, agent, samples);
      out[name] = l;
      add(`${name} p50 @${stage}`, l.p50, "ms", select1.p50, "ms SELECT 1", false);
      add(`${name} p95 @${stage}`, l.p95, "ms", healthz.p95, "ms /healthz p95", false);
    }
    return out;
  };

  // ── stage A: a tenth ──
  log(`importing ${first} tickets…`);
  const a = await importFile(fileA.path, 100_000);
  add(
    "import (first tenth)",
    a.imported / a.seconds,
    "tickets/s",
    insertRps / (a.rows / a.imported || 1),
    "tickets/s raw INSERT",
    true,
  );
  const latA = await measureApi(`${(first / 1000).toFixed(0)}k`);

  // ── stage B: the rest ──
  let b = { imported: 0, seconds: 0, rows: 0 };
  if (fileB) {
    log(`importing ${rest} more tickets (${years} earlier years)…`);
    b = await importFile(fileB.path, 100_000);
    add(
      `import (${rest} more, earlier years)`,
      b.imported / b.seconds,
      "tickets/s",
      insertRps / (b.rows / b.imported || 1),
      "tickets/s raw INSERT",
      true,
    );
    add("import rows", b.rows / b.seconds, "rows/s", insertRps, "rows/s raw INSERT", true);
  }
  const total = a.imported + b.imported;
  const latB = fileB ? await measureApi(`${(total / 1000).toFixed(0)}k`) : latA;

  // ── rebuild ──
  log("full rebuild…");
  const rebuild = await s.stats.rebuild();
  const drift = Object.values(rebuild.changes).reduce((x, y) => x + y, 0);
  add(
    `full rebuild (${total} tickets, ${drift} rows corrected)`,
    rebuild.ms / 1000,
    "s",
    total / insertRps,
    "s to INSERT as many rows raw",
    false,
  );

  // ── freshness ──
  log("freshness…");
  const summaryUrl = `${system.url}/api/v1/stats/summary`;
  const received = async () =>
    (
      (await (await fetch(summaryUrl, { headers: { authorization: `Bearer ${agent}` } })).json()) as {
        received: number;
      }
    ).received;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${system.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: number };
  };
  const fresh: number[] = [];
  const sse: number[] = [];
  const ctrl = new AbortController();
  const stream = await fetch(`${system.url}/api/v1/stats/stream`, {
    headers: { authorization: `Bearer ${agent}` },
    signal: ctrl.signal,
  });
  const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
  let sseText = "";
  let sseCount = 0;
  const sseWaiters: Array<() => void> = [];
  void (async () => {
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      sseText += decoder.decode(value);
      const n = sseText.split("event: summary-changed").length - 1;
      while (sseCount < n) {
        sseCount++;
        sseWaiters.shift()?.();
      }
    }
  })();
  for (let i = 0; i < 20; i++) {
    const before = await received();
    const t = await post("/api/v1/tickets", {
      channel: "phone",
      citizenName: "市民",
      citizenPhone: "13800000000",
      categoryCode: "policy-consult",
      urgency: "normal",
      title: `咨询 ${i}`,
      description: "政策咨询",
    });
    const sseSeen = new Promise<number>((resolve) => sseWaiters.push(() => resolve(performance.now())));
    const started = performance.now();
    await post(`/api/v1/tickets/${t.id}/events`, { type: "ANSWER_DIRECTLY", answer: "已解答" });
    while ((await received()) <= before) {
      if (performance.now() - started > 10_000) throw new Error("summary never reflected the ticket");
      await new Promise((r) => setTimeout(r, 10));
    }
    fresh.push(performance.now() - started);
    sse.push(
      (await Promise.race([sseSeen, new Promise<number>((r) => setTimeout(() => r(Number.NaN), 5000))])) -
        started,
    );
    sseWaiters.length = 0;
  }
  ctrl.abort();
  fresh.sort((x, y) => x - y);
  sse.sort((x, y) => x - y);
  add(
    "freshness: event → summary reflects it, p50",
    percentile(fresh, 50),
    "ms",
    healthz.p50,
    "ms /healthz",
    false,
  );
  add("freshness: event → summary reflects it, p95", percentile(fresh, 95), "ms", 2000, "ms target", false);
  add("freshness: event → SSE summary-changed, p95", percentile(sse, 95), "ms", 2000, "ms target", false);

  // Cost independent of the ticket count: the same requests at a tenth and at the whole.
  for (const [name] of endpoints) {
    const x = latA[name];
    const y = latB[name];
    if (x && y)
      add(`${name} p95 growth ${first}→${total} tickets (same period)`, y.p95, "ms", x.p95, "ms", false);
  }

  await system.stop();
  console.log(`\nstats benchmark (${total} tickets, queues on ${s.queues.kind})`);
  console.table(rows);
  return rows;
}

// Runnable alone: `npx tsx bench/stats.bench.ts --tickets 1000000`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const db = await benchDatabase();
  await runStatsBench({
    adminUrl: db.adminUrl,
    tickets: Number(arg("tickets", "1000000")),
    seed: Number(arg("seed", "1")),
    samples: Number(arg("samples", "200")),
  });
  await db.stop();
  process.exit(0);
}
