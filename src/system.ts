import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import type pg from "pg";
import { AppealService } from "./appeals/appeal.service.ts";
import { AuthService } from "./auth/auth.service.ts";
import type { Config } from "./config.ts";
import { createDb, type Db } from "./db/client.ts";
import { type EmbeddedDatabase, startEmbeddedPostgres } from "./db/embedded.ts";
import { migrate } from "./db/migrate.ts";
import { createPool } from "./db/pool.ts";
import type { App } from "./http/app.ts";
import { buildApp } from "./http/routes.ts";
import { createQueueBackend, type QueueBackend } from "./jobs/queues.ts";
import { logger } from "./logger.ts";
import { OrgService } from "./org/org.service.ts";
import { SlaService } from "./sla/sla.service.ts";
import { TimerScheduler } from "./sla/timers.ts";
import { AssessmentService } from "./stats/assessment.service.ts";
import { StatsService } from "./stats/stats.service.ts";
import { TicketService } from "./tickets/ticket.service.ts";

/** Every long-lived object of one process, built once here and handed to routes and workers. */
export interface CoreServices {
  config: Config;
  databaseUrl: string;
  /** The process's one PostgreSQL pool (src/db/pool.ts); Prisma and the raw-SQL stores share it. */
  pool: pg.Pool;
  db: Db;
  queues: QueueBackend;
  auth: AuthService;
  org: OrgService;
  sla: SlaService;
  tickets: TicketService;
}
export interface Services extends CoreServices {
  timers: TimerScheduler;
  stats: StatsService;
  assessment: AssessmentService;
  appeals: AppealService;
}

export async function resolveDatabase(
  config: Config,
): Promise<{ url: string; embedded: EmbeddedDatabase | null }> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: null };
  const embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort);
  return { url: embedded.url, embedded };
}

/** Connects and migrates; seeds what every installation needs (shipped calendar, admin). */
export async function createServices(
  config: Config,
  databaseUrl: string,
  opts: { queueSchema?: string; queuePrefix?: string } = {},
): Promise<Services> {
  await migrate(databaseUrl);
  const pool = createPool(databaseUrl, config.dbPoolSize);
  const db = createDb(pool);
  const queues = createQueueBackend({
    databaseUrl,
    pool,
    redisUrl: config.redisUrl,
    schema: opts.queueSchema,
    prefix: opts.queuePrefix,
  });
  const auth = new AuthService(db, config.tokenTtlHours);
  await auth.init();
  const org = new OrgService(db);
  const sla = new SlaService(db, config.timeZone);
  await sla.seedShippedCalendar();
  const tickets = new TicketService(
    db,
    pool,
    org,
    sla,
    { after: config.timers.escalateAfter, clock: config.timers.escalateClock },
    { phoneSearchesPerMinute: config.phoneSearchesPerMinute },
  );
  const core: CoreServices = { config, databaseUrl, pool, db, queues, auth, org, sla, tickets };
  const timers = new TimerScheduler({ pool, queues, sla, org, settings: config.timers });
  const stats = new StatsService({ pool, org, timeZone: config.timeZone, weights: config.stats.weights });
  const assessment = new AssessmentService({
    pool,
    org,
    timeZone: config.timeZone,
    settings: config.assessment,
  });
  const appeals = new AppealService({ pool, org, sla, assessment });
  tickets.onLedgerWritten((rows) => timers.wake(rows));
  tickets.onTimersDue((ticketId, now) => timers.catchUp(ticketId, now));
  return { ...core, timers, stats, assessment, appeals };
}

export interface RunningSystem {
  services: Services;
  app: App;
  url: string;
  stop(): Promise<void>;
}

/** The API (and, unless HOTLINE_WORKERS=none, the workers) in this process. */
export async function startSystem(
  config: Config,
  databaseUrl: string,
  opts: { queueSchema?: string; queuePrefix?: string; onStop?: () => Promise<void> } = {},
): Promise<RunningSystem> {
  const services = await createServices(config, databaseUrl, opts);
  const stopWorkers = config.runWorkers ? await startWorkers(services) : async () => {};
  const app = buildApp(services);
  const closeServices = async () => {
    await stopWorkers();
    await services.stats.close();
    await services.queues.close();
    await services.db.$disconnect();
    await services.pool.end();
  };
  const server: ServerType = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
    s.once("error", reject); // e.g. the port is taken: a fatal start error, not a hang
  }).catch(async (err: unknown) => {
    // Release what started (workers, connections), so the caller can stop the database and exit.
    await closeServices().catch(() => {});
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`;
  return {
    services,
    app,
    url,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await closeServices();
      await opts.onStop?.();
    },
  };
}

/** Workers register themselves here; see workers/index.ts. */
async function startWorkers(services: Services): Promise<() => Promise<void>> {
  const { startAllWorkers } = await import("../workers/index.ts");
  return startAllWorkers(services);
}

export { logger };
