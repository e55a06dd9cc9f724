/**
 * `npm run generate -- --tickets 260000 --year 2025 [--seed 1] [--out file.ndjson | --import]`
 *
 * Writes a realistic year of a district hotline as NDJSON (stdout when no --out), or with
 * --import loads it straight into the database of DATABASE_URL (or the embedded one) through
 * the same import as POST /api/v1/import/tickets. Prints the true figures of what it made; an
 * import exits 1 without them when the database lacks the demo organisation or rejects any line.
 */
import { createWriteStream } from "node:fs";
import { parseArgs } from "node:util";
import type pg from "pg";
import { demoDepartments } from "../prisma/demo-org.ts";
import { CATEGORY_MODEL, generateHistory, Truth, yearWindow } from "../src/demo/generator.ts";

const { values } = parseArgs({
  options: {
    tickets: { type: "string", default: "260000" },
    year: { type: "string", default: String(new Date().getUTCFullYear() - 1) },
    seed: { type: "string", default: "1" },
    out: { type: "string" },
    import: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
  },
});
const tickets = Number(values.tickets);
const year = Number(values.year);
const seed = Number(values.seed);
if (!Number.isInteger(tickets) || tickets <= 0 || !Number.isInteger(year) || !Number.isInteger(seed)) {
  console.error("usage: npm run generate -- --tickets N --year YYYY [--seed S] [--out file | --import]");
  process.exit(2);
}
const window = yearWindow(year);
const truth = new Truth();
const lines = generateHistory({ tickets, seed, ...window }, truth);
const started = performance.now();
const log = (msg: string) => {
  if (!values.quiet) console.error(msg);
};

if (values.import) {
  const { loadConfig } = await import("../src/config.ts");
  const { createServices, resolveDatabase } = await import("../src/system.ts");
  const { importTickets } = await import("../src/tickets/import.ts");
  const config = loadConfig();
  const { url, embedded } = await resolveDatabase(config);
  const s = await createServices(config, url);
  const admin = await s.auth.ensureAdmin(config.adminPassword);
  if (admin) log(`admin password (generated now): ${admin}`);
  const close = async () => {
    await s.stats.close();
    await s.queues.close();
    await s.db.$disconnect();
    await embedded?.stop();
  };
  // The generated lines name the demo organisation's categories and departments by code; on a
  // database without them every line would be rejected.
  const missing = await missingDemoCodes(s.pool);
  if (missing.length > 0) {
    console.error(
      `This database lacks the demo organisation the generated tickets refer to (missing: ${missing.slice(0, 8).join(", ")}${missing.length > 8 ? ", …" : ""}).\n` +
        "Load it first with `npm run seed:demo` (same DATABASE_URL), then run this again. Nothing was imported.",
    );
    await close();
    process.exit(1);
  }
  const user = await s.db.user.findFirstOrThrow({ where: { role: "admin" }, orderBy: { id: "asc" } });
  async function* json() {
    for (const line of lines) yield JSON.stringify(line);
  }
  const result = await importTickets(s, json(), { userId: user.id });
  log(
    `imported ${result.imported}, rejected ${result.rejected} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  for (const e of result.errors.slice(0, 10)) log(`  line ${e.line}: ${e.message}`);
  if (result.rejected === 0) {
    // Appeals (申诉) are not import lines: filed and decided through the appeal service, at their times.
    const { loadPlannedAppeals } = await import("../src/demo/assessment-truth.ts");
    const n = await loadPlannedAppeals(s, truth.assessment.appeals, user.id);
    log(`appeals filed and decided: ${n}`);
  }
  await close();
  if (result.rejected > 0) {
    // The true figures describe every generated ticket; with some not loaded they would not be
    // the database's figures.
    console.error(`${result.rejected} lines were rejected: no true figures for a partial import.`);
    process.exit(1);
  }
} else {
  const out = values.out ? createWriteStream(values.out) : process.stdout;
  for (const line of lines) {
    if (!out.write(`${JSON.stringify(line)}\n`)) await new Promise((r) => out.once("drain", r));
  }
  if (values.out) await new Promise<void>((r) => out.end(() => r()));
  log(`wrote ${tickets} tickets in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const period = { fromDay: `${year}-01-01`, toDay: `${year + 1}-01-01` };
const f = truth.figures(period, new Date());
const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(2)}%`);
log(
  [
    `true figures for ${year} (as of now):`,
    `  received ${f.received}, closed ${f.closed} (${pct(f.completionRate)}), merged ${truth.totals.merged}`,
    `  dispatched ${pct(truth.totals.dispatched / f.received)}, answered directly ${pct(truth.totals.direct / f.received)}`,
    `  on time ${pct(f.onTimeRate)}, signed on time ${pct(f.responseRate)}, returns ${pct(f.returnRate)}`,
    `  satisfied ${pct(f.satisfactionRate)} (score ${f.satisfactionScore?.toFixed(1)}), resolved ${pct(f.resolutionRate)}, reopened ${pct(f.reopenRate)}`,
    `  overdue open ${f.overdueOpen}, warnings ${f.warnings}`,
    `  appeals ${truth.assessment.appeals.length} (accepted ${truth.assessment.appeals.filter((a) => a.decision === "accept").length}${values.import ? "" : "; loaded only with --import"}); each month's assessment: src/demo/assessment-truth.ts`,
  ].join("\n"),
);

/** Category and department codes of the demo organisation that the database does not have. */
async function missingDemoCodes(pool: pg.Pool): Promise<string[]> {
  const categories = CATEGORY_MODEL.map((c) => c.code);
  const departments = demoDepartments().map((d) => d.code);
  const { rows } = await pool.query<{ code: string }>(
    `SELECT c AS code FROM unnest($1::text[]) AS c WHERE NOT EXISTS (SELECT 1 FROM categories WHERE code = c)
     UNION ALL
     SELECT d FROM unnest($2::text[]) AS d WHERE NOT EXISTS (SELECT 1 FROM departments WHERE code = d)`,
    [categories, departments],
  );
  return rows.map((r) => r.code);
}
