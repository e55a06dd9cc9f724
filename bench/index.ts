import { arg, benchDatabase } from "./common.ts";
import { runLifecycleBench } from "./lifecycle.bench.ts";
import { runStatsBench } from "./stats.bench.ts";
import { runTimerBench } from "./timers.bench.ts";

/**
 * `npm run bench`: every benchmark, each printing its figures next to a baseline measured in
 * the same run (these machines are noisy, so ratios are what compare across runs).
 * `--only lifecycle|timers|stats` runs one; sizes: `--tickets` (timers, default 100000),
 * `--stats-tickets` (default 1000000), `--backend postgres|redis` (timers).
 */
const only = arg("only", "all");
const db = await benchDatabase();
if (only === "all" || only === "lifecycle") {
  await runLifecycleBench({
    adminUrl: db.adminUrl,
    lifecycles: Number(arg("lifecycles", "100")),
    concurrency: Number(arg("concurrency", "8")),
  });
}
if (only === "all" || only === "timers") {
  const backend = arg("backend", "postgres");
  if (backend !== "postgres" && backend !== "redis") throw new Error("--backend postgres|redis");
  await runTimerBench({ adminUrl: db.adminUrl, backend, tickets: Number(arg("tickets", "100000")) });
}
if (only === "all" || only === "stats") {
  await runStatsBench({ adminUrl: db.adminUrl, tickets: Number(arg("stats-tickets", "1000000")) });
}
await db.stop();
process.exit(0);
