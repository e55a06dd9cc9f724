import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { expect } from "vitest";
import type { ApiClient } from "./system.ts";

// The official GeoReport v2 JSON schemas, vendored (test/fixtures/open311/README.md says from where).
const SCHEMA_DIR = new URL("../fixtures/open311/", import.meta.url).pathname;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
for (const name of [
  "service.json",
  "services.json",
  "service-definition.json",
  "request.json",
  "requests.json",
]) {
  ajv.addSchema(JSON.parse(readFileSync(`${SCHEMA_DIR}${name}`, "utf8")), name);
}

/** `data` validates against the vendored GeoReport v2 schema `schema` (e.g. "requests.json"). */
export function expectValid(schema: string, data: unknown): void {
  const validate = ajv.getSchema(schema);
  if (!validate) throw new Error(`no schema ${schema}`);
  const ok = validate(data);
  expect(ok, JSON.stringify(validate.errors)).toBe(true);
}

/** Open311's error shape: a list of {code, description}. */
export function expectOpen311Error(res: { status: number; body: unknown }, status: number): string {
  expect(res.status).toBe(status);
  const body = res.body as Array<{ code: number; description: string }>;
  expect(Array.isArray(body), JSON.stringify(body)).toBe(true);
  expect(body[0]?.code).toBe(status);
  expect(typeof body[0]?.description).toBe("string");
  return body[0]?.description ?? "";
}

/** A partner key issued by `admin`; the key itself is in `key` (shown only in this answer). */
export async function issueKey(admin: ApiClient, partner: string): Promise<{ id: number; key: string }> {
  const res = await admin.post<{ id: number; key: string }>("/api/v1/open311-keys", { partner });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A GeoReport POST as a partner app sends it: form-encoded. */
export async function postRequest(
  baseUrl: string,
  fields: Record<string, string>,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${baseUrl}/open311/v2/requests.json`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
  return { status: res.status, body: await res.json() };
}
