import { arg, benchDatabase } from "./common.ts";
import { runLifecycleBench } from "./lifecycle.bench.ts";

/**
 * `npm run bench`: every benchmark, each printing its figures next to a baseline measured in
 * the same run (these machines are noisy, so ratios are what compare across runs).
 * `--only lifecycle|timers|stats` runs one.
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
await db.stop();
process.exit(0);
