import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../src/db/embedded.ts";
import { migrate } from "../src/db/migrate.ts";

/** Per run, so test runs sharing one server never drop each other's databases. */
const RUN_ID = `${process.pid.toString(36)}${Date.now().toString(36).slice(-5)}`;
const TEMPLATE_DB = `hotline_tpl_${RUN_ID}`;
const TEST_DB_PREFIX = `hotline_t_${RUN_ID}_`;

/**
 * Integration tests run against a real PostgreSQL: DATABASE_URL when given (CI uses the
 * machine's server), else an embedded one under .data/test. One migrated template
 * database per run; every test file clones its own from it.
 */
export default async function setup(project: TestProject) {
  let adminUrl = process.env.DATABASE_URL;
  let stop: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const embedded = await startEmbeddedPostgres(".data/test", 54330);
    adminUrl = embedded.url;
    stop = embedded.stop;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${TEMPLATE_DB}"`);
  await admin.end();
  await migrate(withDatabase(adminUrl, TEMPLATE_DB));
  project.provide("pgAdminUrl", adminUrl);
  project.provide("templateDb", TEMPLATE_DB);
  project.provide("testDbPrefix", TEST_DB_PREFIX);
  return async () => {
    // Drop what this run made (test files drop their own; this catches any left by a crash).
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    const mine = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $2)`,
      [TEMPLATE_DB, TEST_DB_PREFIX],
    );
    for (const { datname } of mine.rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await c.end();
    await stop?.();
  };
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    templateDb: string;
    testDbPrefix: string;
  }
}
