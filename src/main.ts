import { loadConfig } from "./config.ts";
import { isConnectionLoss, isStopping, logger, markStopping } from "./logger.ts";
import { resolveDatabase, startSystem } from "./system.ts";

/**
 * `npm start`: API, workers and the web desk/dashboard in one process. With no DATABASE_URL
 * an embedded PostgreSQL runs under ./.data and, being a trial install, gets the demo
 * organisation on a fresh database. On a real database (DATABASE_URL) nothing demo is created
 * — its users share the published password demo12345 — unless asked for explicitly:
 * HOTLINE_DEMO=1 or `npm start -- --demo` (HOTLINE_DEMO=0 keeps the embedded one empty).
 */
/**
 * A connection lost on a client that nobody listens to (BullMQ's PostgreSQL backend leaves some
 * without an 'error' listener) is thrown as an uncaught 'error' event: the library reconnects,
 * so it is logged, not fatal. Anything else still ends the process.
 */
process.on("uncaughtException", (err) => {
  if (isConnectionLoss(err)) {
    logger.warn({ err }, "database connection lost (unhandled by its client)");
    return;
  }
  logger.fatal({ err }, "uncaught exception");
  process.exit(1);
});

async function main() {
  const config = loadConfig();
  const { url: databaseUrl, embedded } = await resolveDatabase(config);
  const system = await startSystem(config, databaseUrl, { onStop: async () => embedded?.stop() }).catch(
    async (err) => {
      await embedded?.stop().catch(() => {});
      throw err;
    },
  );
  const adminPassword = await system.services.auth.ensureAdmin(config.adminPassword);
  const demo = process.argv.includes("--demo") || (config.demo ?? embedded !== null);
  if (demo) {
    const { seedDemo } = await import("../prisma/seed.ts");
    if (await seedDemo(system.services)) {
      // A fresh demo gets 90 days of generated history so the dashboard has something to show.
      const { loadDemoHistory } = await import("./demo/history.ts");
      await loadDemoHistory(system.services, 5000);
    }
  }
  const lines = [
    `12345 Hotline is listening on ${system.url}`,
    `  dashboard & ticket desk: ${system.url}/`,
    `  API docs:                ${system.url}/docs`,
    `  database:                ${embedded ? `embedded PostgreSQL (${config.dataDir}/pg)` : "DATABASE_URL"}`,
    `  queues:                  BullMQ on ${system.services.queues.kind}${config.runWorkers ? " (workers in this process)" : " (run `npm run workers`)"}`,
    adminPassword
      ? `  log in as admin / ${adminPassword}   (generated now, shown once; set HOTLINE_ADMIN_PASSWORD to choose it)`
      : "  log in as admin with HOTLINE_ADMIN_PASSWORD (or the password printed on first start)",
  ];
  if (demo) {
    const { DEMO_PASSWORD, demoUserLines } = await import("../prisma/seed.ts");
    lines.push(`  demo users (password ${DEMO_PASSWORD}):`, ...demoUserLines().map((l) => `    ${l}`));
  }
  console.log(lines.join("\n"));

  // Ctrl+C or a SIGTERM to the process group: stop quietly, one line, exit 0. The signal also
  // reaches the embedded PostgreSQL (same group), which drops every connection at once; those
  // losses are expected now (logger.ts), including on clients of libraries that leave them
  // without an 'error' listener (BullMQ's), which would otherwise end the process with a trace.
  const shutdown = async (signal: string) => {
    if (isStopping()) return;
    markStopping();
    try {
      await system.stop();
      console.log(`stopped (${signal})`);
      process.exit(0);
    } catch (err) {
      if (!isConnectionLoss(err)) {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      }
      console.log(`stopped (${signal})`);
      process.exit(0);
    }
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err) => {
  logger.fatal({ err }, "failed to start");
  process.exit(1);
});
