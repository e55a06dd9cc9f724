import pg from "pg";
import { logger } from "../logger.ts";

/**
 * The process's one PostgreSQL pool. Prisma (through its pg adapter), the ticket writer, the
 * timer store and the stats queries all draw from it, so the number of connections a process
 * holds is this pool's size (HOTLINE_DB_POOL_SIZE) plus the queue backend's few (README
 * "Connections").
 */
export function createPool(databaseUrl: string, max: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max,
    idleTimeoutMillis: 30_000,
    // A request waits this long for a free connection before failing (503, not a hang).
    connectionTimeoutMillis: 10_000,
    allowExitOnIdle: true,
  });
  // An idle client whose server went away (restart, network cut) must not crash the process:
  // the pool drops it and opens a new one on the next checkout.
  pool.on("error", (err) => logger.warn({ err }, "database connection lost"));
  // A checked-out client (inside a transaction, a drain) whose connection drops emits 'error' on
  // itself: without a listener that ends the process. The query in flight fails and is answered 503.
  pool.on("connect", (client) => {
    client.on("error", (err) => logger.warn({ err }, "database connection lost (in use)"));
  });
  return pool;
}

/** Runs `fn` in a transaction on one connection of `pool`. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query("BEGIN");
    try {
      const out = await fn(c);
      await c.query("COMMIT");
      return out;
    } catch (err) {
      await c.query("ROLLBACK").catch(() => {});
      throw err;
    }
  } finally {
    c.release();
  }
}
