import { z } from "zod";
import { validateDuration } from "./sla/duration.ts";
import { type AssessmentSettings, DEFAULT_ASSESSMENT } from "./stats/assessment.ts";
import { DEFAULT_WEIGHTS, type SatisfactionWeights } from "./stats/metrics.ts";

/** "100,80,0" → weights for satisfied, basically satisfied, dissatisfied; null when malformed. */
export function parseWeights(value: string): SatisfactionWeights | null {
  const parts = value.split(",").map((v) => Number(v.trim()));
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n) || n < 0 || n > 100)) return null;
  const [satisfied, basicallySatisfied, dissatisfied] = parts as [number, number, number];
  return { satisfied, basicallySatisfied, dissatisfied };
}

/** "0.1,0.5,0.4" → the assessment score's weights a, b, c (响应, 解决, 满意); null when malformed. */
export function parseAssessmentWeights(value: string): AssessmentSettings["weights"] | null {
  const parts = value.split(",").map((v) => Number(v.trim()));
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n) || n < 0 || n > 1)) return null;
  const [response, resolution, satisfaction] = parts as [number, number, number];
  if (response + resolution + satisfaction <= 0) return null;
  return { response, resolution, satisfaction };
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
  /** Assessment (三率) score weights a, b, c: 响应率, 解决率, 满意率 (0..1 each). */
  HOTLINE_ASSESSMENT_WEIGHTS: z
    .string()
    .default("0.1,0.5,0.4")
    .refine((v) => parseAssessmentWeights(v) !== null, "three numbers 0..1, e.g. 0.1,0.5,0.4"),
  /** Weight w of "basically satisfied" in the assessment's 满意率. */
  HOTLINE_ASSESSMENT_BASIC_WEIGHT: z.coerce.number().min(0).max(1).default(0.9),
  /** Day of the month an assessment period starts (1 = calendar months; 19 = the 19th to the 18th). */
  HOTLINE_ASSESSMENT_START_DAY: z.coerce.number().int().min(1).max(28).default(1),
  /** Working days after the callback within which a department may appeal (申诉). */
  HOTLINE_APPEAL_WORKING_DAYS: z.coerce.number().int().min(0).max(60).default(3),
  /** When the full stats rebuild runs (cron, centre time). */
  HOTLINE_STATS_REBUILD_CRON: z.string().default("30 3 * * *"),
  /** Full-number phone searches a user may make per minute before 429 (each is audited). */
  HOTLINE_PHONE_SEARCHES_PER_MINUTE: z.coerce.number().int().min(1).default(60),
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
  /** Full-number phone searches per user and minute (README "Decisions", phone numbers). */
  phoneSearchesPerMinute: number;
  /** Stats: satisfaction weights and the nightly rebuild's schedule. */
  stats: { weights: SatisfactionWeights; rebuildCron: string };
  /** The monthly assessment (三率) and appeals (issue 13). */
  assessment: AssessmentSettings;
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
    phoneSearchesPerMinute: e.HOTLINE_PHONE_SEARCHES_PER_MINUTE,
    stats: {
      weights: parseWeights(e.HOTLINE_SATISFACTION_WEIGHTS) ?? DEFAULT_WEIGHTS,
      rebuildCron: e.HOTLINE_STATS_REBUILD_CRON,
    },
    assessment: {
      basicWeight: e.HOTLINE_ASSESSMENT_BASIC_WEIGHT,
      weights: parseAssessmentWeights(e.HOTLINE_ASSESSMENT_WEIGHTS) ?? DEFAULT_ASSESSMENT.weights,
      startDay: e.HOTLINE_ASSESSMENT_START_DAY,
      appealWorkingDays: e.HOTLINE_APPEAL_WORKING_DAYS,
    },
    timers: {
      escalateAfter: e.HOTLINE_ESCALATION_AFTER,
      escalateClock: e.HOTLINE_ESCALATION_CLOCK,
      reconcileMs: Math.round(e.HOTLINE_TIMER_RECONCILE_SECONDS * 1000),
    },
  };
}
