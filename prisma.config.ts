import { defineConfig } from "prisma/config";

// The CLI is used only for `prisma generate`; migrations are applied by the app
// (src/db/migrate.ts) because the schema-engine binary cannot be downloaded everywhere.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/unused" },
});
