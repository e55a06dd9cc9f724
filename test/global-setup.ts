import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../src/db/embedded.ts";
import { migrate } from "../src/db/migrate.ts";

export const TEMPLATE_DB = "hotline_test_template";

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
  await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname LIKE 'hotline_t_%' OR datname = '${TEMPLATE_DB}'`,
  );
  const old = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'hotline_t_%' OR datname = '${TEMPLATE_DB}'`,
  );
  for (const { datname } of old.rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}"`);
  await admin.query(`CREATE DATABASE "${TEMPLATE_DB}"`);
  await admin.end();
  await migrate(withDatabase(adminUrl, TEMPLATE_DB));
  project.provide("pgAdminUrl", adminUrl);
  return async () => {
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
  }
}
