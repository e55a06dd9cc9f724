import { loadConfig } from "./config.ts";
import { logger } from "./logger.ts";
import { resolveDatabase, startSystem } from "./system.ts";

/**
 * `npm start`: API, workers and the web desk/dashboard in one process. With no DATABASE_URL
 * an embedded PostgreSQL runs under ./.data and, being a trial install, gets the demo
 * organisation on a fresh database. On a real database (DATABASE_URL) nothing demo is created
 * — its users share the published password demo12345 — unless asked for explicitly:
 * HOTLINE_DEMO=1 or `npm start -- --demo` (HOTLINE_DEMO=0 keeps the embedded one empty).
 */
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

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    try {
      await system.stop();
      process.exit(0);
    } catch (err) {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err) => {
  logger.fatal({ err }, "failed to start");
  process.exit(1);
});
