import { loadConfig } from "../src/config.ts";
import { logger, markStopping } from "../src/logger.ts";
import { createServices } from "../src/system.ts";
import { startAllWorkers } from "./index.ts";

/** `npm run workers`: the queue processors on their own, for scaling out beside API processes. */
const config = loadConfig();
if (!config.databaseUrl) {
  console.error("npm run workers needs DATABASE_URL (the embedded database belongs to `npm start`)");
  process.exit(1);
}
const services = await createServices(config, config.databaseUrl);
const stop = await startAllWorkers(services);
logger.info({ queues: services.queues.kind }, "workers running");
const shutdown = async () => {
  markStopping(); // connection losses from here on are expected (src/logger.ts)
  await stop();
  await services.stats.close();
  await services.queues.close();
  await services.db.$disconnect();
  await services.pool.end();
  process.exit(0);
};
process.on("SIGTERM", () => void shutdown());
process.on("SIGINT", () => void shutdown());
