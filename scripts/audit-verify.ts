/**
 * `npm run audit:verify`: checks every ticket's timeline against its hash chain on DATABASE_URL
 * (see src/audit/verify.ts). Exits 1 when anything is broken, printing where.
 */

import { verifyAuditChain } from "../src/audit/verify.ts";
import { loadConfig } from "../src/config.ts";
import { createPool } from "../src/db/pool.ts";

const config = loadConfig();
if (!config.databaseUrl) {
  console.error("npm run audit:verify needs DATABASE_URL");
  process.exit(2);
}
const pool = createPool(config.databaseUrl, 2);
try {
  const report = await verifyAuditChain(pool);
  console.log(
    `${report.tickets} tickets, ${report.events} events: ${report.ok ? "every chain holds" : `${report.breaks.length} breaks`}`,
  );
  for (const b of report.breaks) console.log(`  ticket ${b.ticketId} seq ${b.seq}: ${b.reason}`);
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await pool.end();
}
