import { z } from "zod";
import { validateDuration } from "./sla/duration.ts";
import { DEFAULT_WEIGHTS, type SatisfactionWeights } from "./stats/metrics.ts";

/** "100,80,0" → weights for satisfied, basically satisfied, dissatisfied; null when malformed. */
export function parseWeights(value: string): SatisfactionWeights | null {
  const parts = value.split(",").map((v) => Number(v.trim()));
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n) || n < 0 || n > 100)) return null;
  const [satisfied, basicallySatisfied, dissatisfied] = parts as [number, number, number];
  return { satisfied, basicallySatisfied, dissatisfied };
}

/** Settings come from the environment only; see README "Configuration". */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z.string().url().optional(),
  /** PostgreSQL connections in the process's shared pool (the queue backend adds its few). */
  HOTLINE_DB_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(6),
  REDIS_URL: z.string().url().optional(),
  HOTLINE_ADMIN_PASSWORD: z.string().min(8).optional(),
  /** Load the demo organisation (users with the published password demo12345) on a fresh database. */
  HOTLINE_DEMO: z.enum(["0", "1", "true", "false"]).optional(),
  HOTLINE_TIME_ZONE: z.string().default("Asia/Shanghai"),
  HOTLINE_DATA_DIR: z.string().default(".data"),
  EMBEDDED_PG_PORT: z.coerce.number().int().default(54329),
  HOTLINE_TOKEN_TTL_HOURS: z.coerce.number().positive().default(12),
  /** "all" runs the workers inside the API process; "none" leaves them to `npm run workers`. */
  HOTLINE_WORKERS: z.enum(["all", "none"]).default("all"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** SLA timers: escalation (督办) this long after a missed deadline, and again after as long. */
  HOTLINE_ESCALATION_AFTER: z
    .string()
    .default("P1D")
    .refine((v) => validateDuration(v) === null, "an ISO 8601 duration such as P1D or PT30M"),
  HOTLINE_ESCALATION_CLOCK: z.enum(["working", "calendar"]).default("working"),
  /** Satisfaction score weights: satisfied, basically satisfied, dissatisfied (0..100 each). */
  HOTLINE_SATISFACTION_WEIGHTS: z
    .string()
    .default("100,80,0")
    .refine((v) => parseWeights(v) !== null, "three numbers 0..100, e.g. 100,80,0"),
  /** When the full stats rebuild runs (cron, centre time). */
  HOTLINE_STATS_REBUILD_CRON: z.string().default("30 3 * * *"),
  /** How often the timer reconciliation re-derives due timers from the database. */
  HOTLINE_TIMER_RECONCILE_SECONDS: z.coerce.number().positive().default(30),
});

export type Config = {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dbPoolSize: number;
  redisUrl: string | undefined;
  adminPassword: string | undefined;
  /** HOTLINE_DEMO; unset = only on the embedded (trial) database. */
  demo: boolean | undefined;
  timeZone: string;
  dataDir: string;
  embeddedPgPort: number;
  tokenTtlHours: number;
  runWorkers: boolean;
  logLevel: string;
  /** Stats: satisfaction weights and the nightly rebuild's schedule. */
  stats: { weights: SatisfactionWeights; rebuildCron: string };
  /** SLA timers (issue 3): escalation delay and clock, reconciliation period. */
  timers: { escalateAfter: string; escalateClock: "working" | "calendar"; reconcileMs: number };
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dbPoolSize: e.HOTLINE_DB_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    adminPassword: e.HOTLINE_ADMIN_PASSWORD,
    demo: e.HOTLINE_DEMO === undefined ? undefined : e.HOTLINE_DEMO === "1" || e.HOTLINE_DEMO === "true",
    timeZone: e.HOTLINE_TIME_ZONE,
    dataDir: e.HOTLINE_DATA_DIR,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    tokenTtlHours: e.HOTLINE_TOKEN_TTL_HOURS,
    runWorkers: e.HOTLINE_WORKERS === "all",
    logLevel: e.LOG_LEVEL,
    stats: {
      weights: parseWeights(e.HOTLINE_SATISFACTION_WEIGHTS) ?? DEFAULT_WEIGHTS,
      rebuildCron: e.HOTLINE_STATS_REBUILD_CRON,
    },
    timers: {
      escalateAfter: e.HOTLINE_ESCALATION_AFTER,
      escalateClock: e.HOTLINE_ESCALATION_CLOCK,
      reconcileMs: Math.round(e.HOTLINE_TIMER_RECONCILE_SECONDS * 1000),
    },
  };
}
