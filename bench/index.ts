import { runApiBench } from "./api.bench.ts";
import { arg, benchDatabase } from "./common.ts";
import { runListBench } from "./list.bench.ts";
import { runStatsBench } from "./stats.bench.ts";
import { runTimerBench } from "./timers.bench.ts";

/**
 * `npm run bench`: every benchmark, each printing its figures next to a baseline measured in
 * the same run (these machines are noisy, so ratios are what compare across runs).
 * `--only api|timers|stats` runs one; `--backend postgres|redis` picks the queue backend (api,
 * timers); sizes: `--clients` (api, default 50), `--seconds` (api, default 30), `--warmup`
 * (api, default 5), `--tickets` (timers, default 100000), `--stats-tickets` (default 1000000).
 */
const only = arg("only", "all");
if (only === "scale") {
  // Not part of "all": 2 API processes + 1 worker (killed and restarted midway) on one fresh
  // database of DATABASE_URL's server (default postgresql://postgres@127.0.0.1:5432/test).
  // `--apis` (2), `--clients` (50), `--seconds` (30), `--warmup` (3), `--kill-at` (6),
  // `--down` (15), `--linger`, `--keep`; see bench/scale.bench.ts.
  const { runScaleBench, SCALE_DEFAULT_DATABASE_URL } = await import("./scale.bench.ts");
  const backend = arg("backend", "postgres");
  if (backend !== "postgres" && backend !== "redis") throw new Error("--backend postgres|redis");
  const r = await runScaleBench({
    adminUrl: process.env.DATABASE_URL || SCALE_DEFAULT_DATABASE_URL,
    backend,
    apis: Number(arg("apis", "2")),
    clients: Number(arg("clients", "50")),
    seconds: Number(arg("seconds", "30")),
    warmupSeconds: Number(arg("warmup", "3")),
    killAtSeconds: Number(arg("kill-at", "6")),
    downSeconds: Number(arg("down", "15")),
    linger: arg("linger", "DISPATCH:8:10,SIGN:6:10,APPROVE_REPLY:5:6"),
    keep: process.argv.includes("--keep"),
    pgbench: { scale: 10, clients: 16, threads: 2, seconds: Number(arg("pgbench-seconds", "15")) },
  });
  process.exit(Object.values(r.verdicts).every(Boolean) ? 0 : 1);
}
if (!["all", "api", "timers", "stats", "list"].includes(only))
  throw new Error("--only api|timers|stats|list");
const backend = arg("backend", "postgres");
if (backend !== "postgres" && backend !== "redis") throw new Error("--backend postgres|redis");
const db = await benchDatabase();
if (only === "all" || only === "api") {
  await runApiBench({
    adminUrl: db.adminUrl,
    backend,
    clients: Number(arg("clients", "50")),
    seconds: Number(arg("seconds", "30")),
    warmupSeconds: Number(arg("warmup", "5")),
    pgbench: { scale: 10, clients: 16, threads: 2, seconds: Number(arg("pgbench-seconds", "15")) },
  });
}
if (only === "all" || only === "timers") {
  await runTimerBench({ adminUrl: db.adminUrl, backend, tickets: Number(arg("tickets", "100000")) });
}
if (only === "all" || only === "stats") {
  await runStatsBench({ adminUrl: db.adminUrl, tickets: Number(arg("stats-tickets", "1000000")) });
}
if (only === "all" || only === "list") {
  // The ticket list on a district year (`--list-tickets`, default 260000; `--runs`, default 50).
  await runListBench({
    adminUrl: db.adminUrl,
    tickets: Number(arg("list-tickets", "260000")),
    runs: Number(arg("runs", "50")),
    rebuild: process.argv.includes("--rebuild"),
  });
}
await db.stop();
process.exit(0);
