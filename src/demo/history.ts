import type { Services } from "../system.ts";
import { type ImportResult, importTickets } from "../tickets/import.ts";
import { loadPlannedAppeals } from "./assessment-truth.ts";
import { generateHistory, Truth } from "./generator.ts";

const DAY_MS = 86_400_000;

/**
 * Loads `n` generated tickets received over the last `days` days (so the dashboard's default
 * period has data; the latest are still open) through the regular import. Idempotent: does
 * nothing when demo history is already there. Needs the demo organisation (prisma/seed.ts)
 * and an admin user. The appeals the generator planned (申诉) are filed and decided afterwards,
 * at their historical times.
 */
export async function loadDemoHistory(
  s: Services,
  n = 5000,
  opts: { seed?: number; days?: number; now?: Date } = {},
): Promise<ImportResult | null> {
  const seed = opts.seed ?? 12345;
  const prefix = `demo-${seed}-`;
  const { rows } = await s.stats.pool.query("SELECT 1 FROM tickets WHERE external_ref LIKE $1 LIMIT 1", [
    `${prefix}%`,
  ]);
  if (rows.length > 0) return null;
  const admin = await s.db.user.findFirstOrThrow({ where: { role: "admin" }, orderBy: { id: "asc" } });
  const to = opts.now ?? new Date();
  const from = new Date(to.getTime() - (opts.days ?? 90) * DAY_MS);
  const truth = new Truth();
  async function* lines() {
    for (const line of generateHistory({ tickets: n, seed, from, to, refPrefix: prefix }, truth))
      yield JSON.stringify(line);
  }
  const result = await importTickets(s, lines(), { userId: admin.id });
  if (result.rejected === 0) await loadPlannedAppeals(s, truth.assessment.appeals, admin.id);
  return result;
}
