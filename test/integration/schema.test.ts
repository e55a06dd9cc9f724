import { readFileSync } from "node:fs";
import { get_dmmf } from "@prisma/prisma-schema-wasm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listMigrations } from "../../src/db/migrate.ts";
import { createTestDatabase } from "../helpers/db.ts";

/**
 * The migrations are hand-written SQL (Prisma's schema engine cannot be downloaded here),
 * so this proves the migrated database is what schema.prisma describes: every model's
 * table, every field's column with a compatible type and nullability, every enum, and
 * every index — and nothing in the database that the schema does not know.
 */
interface DmmfField {
  name: string;
  dbName: string | null;
  kind: string;
  type: string;
  isList: boolean;
  isRequired: boolean;
  nativeType: [string, string[]] | null;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  fields: Array<{ name: string }>;
}
interface Dmmf {
  datamodel: {
    models: DmmfModel[];
    enums: Array<{ name: string; values: Array<{ name: string }> }>;
    indexes: DmmfIndex[];
  };
}

const dmmf = JSON.parse(
  get_dmmf(JSON.stringify({ prismaSchema: readFileSync("prisma/schema.prisma", "utf8") })),
) as Dmmf;
const SCALAR_UDT: Record<string, string> = {
  String: "text",
  Int: "int4",
  BigInt: "int8",
  Float: "float8",
  Boolean: "bool",
  DateTime: "timestamp",
  Json: "jsonb",
  Decimal: "numeric",
  Bytes: "bytea",
};
const NATIVE_UDT: Record<string, string> = {
  Timestamptz: "timestamptz",
  Timestamp: "timestamp",
  VarChar: "varchar",
  Text: "text",
  Uuid: "uuid",
  Date: "date",
  SmallInt: "int2",
  Integer: "int4",
  BigInt: "int8",
  DoublePrecision: "float8",
  JsonB: "jsonb",
};

function expectedUdt(f: DmmfField): string {
  const base =
    f.kind === "enum"
      ? f.type
      : f.nativeType
        ? (NATIVE_UDT[f.nativeType[0]] ?? f.nativeType[0].toLowerCase())
        : (SCALAR_UDT[f.type] ?? "?");
  return f.isList ? `_${base}` : base;
}

let client: pg.Client;
let drop: () => Promise<void>;
beforeAll(async () => {
  const db = await createTestDatabase();
  drop = db.drop;
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await drop?.();
});

describe("the migrated database matches schema.prisma", () => {
  it("records every migration in _prisma_migrations as prisma migrate deploy does", async () => {
    const { rows } = await client.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>(
      `SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`,
    );
    const files = listMigrations();
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((m) => m.name));
    for (const [i, r] of rows.entries()) {
      expect(r.checksum).toBe(files[i]?.checksum);
      expect(r.finished_at).toBeInstanceOf(Date);
      expect(r.applied_steps_count).toBe(1);
    }
  });

  it("has every model's columns with compatible types and nullability, and no others", async () => {
    const { rows } = await client.query<{
      table_name: string;
      column_name: string;
      udt_name: string;
      is_nullable: string;
    }>(
      `SELECT table_name, column_name, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const actual = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r]));
    const expected = new Set<string>();
    for (const model of dmmf.datamodel.models) {
      const table = model.dbName ?? model.name;
      for (const f of model.fields.filter((x) => x.kind === "scalar" || x.kind === "enum")) {
        const key = `${table}.${f.dbName ?? f.name}`;
        expected.add(key);
        const col = actual.get(key);
        expect(col, `missing column ${key}`).toBeDefined();
        expect(col?.udt_name, `type of ${key}`).toBe(expectedUdt(f));
        // Prisma maps scalar lists to nullable array columns; everything else follows `?`.
        if (!f.isList) expect(col?.is_nullable, `nullability of ${key}`).toBe(f.isRequired ? "NO" : "YES");
      }
    }
    expect(
      [...actual.keys()].filter((k) => !expected.has(k)),
      "columns the schema does not describe",
    ).toEqual([]);
  });

  it("has every enum with exactly its values", async () => {
    const { rows } = await client.query<{ typname: string; labels: string[] }>(
      `SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    const actual = new Map(rows.map((r) => [r.typname, r.labels]));
    for (const e of dmmf.datamodel.enums)
      expect(actual.get(e.name), `enum ${e.name}`).toEqual(e.values.map((v) => v.name));
    expect(actual.size).toBe(dmmf.datamodel.enums.length);
  });

  it("has every id, unique and index over the same columns", async () => {
    const { rows } = await client.query<{
      table: string;
      columns: string[];
      unique: boolean;
      primary: boolean;
    }>(
      `SELECT t.relname AS table, i.indisunique AS unique, i.indisprimary AS primary,
              array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord) JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'`,
    );
    const have = new Set(
      rows.map((r) => `${r.table}(${r.columns.join(",")})${r.primary ? " id" : r.unique ? " unique" : ""}`),
    );
    const models = new Map(dmmf.datamodel.models.map((m) => [m.name, m]));
    const want: string[] = [];
    for (const idx of dmmf.datamodel.indexes) {
      const model = models.get(idx.model);
      if (!model) continue;
      const cols = idx.fields.map((f) => {
        const field = model.fields.find((x) => x.name === f.name);
        return field?.dbName ?? f.name;
      });
      want.push(
        `${model.dbName ?? model.name}(${cols.join(",")})${idx.type === "id" ? " id" : idx.type === "unique" ? " unique" : ""}`,
      );
    }
    for (const w of want) expect(have.has(w), `missing index ${w}`).toBe(true);
    expect(
      [...have].filter((h) => !want.includes(h)),
      "indexes the schema does not describe",
    ).toEqual([]);
  });
});
