import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateHistory, yearWindow } from "../../src/demo/generator.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

/** One bad line (a NUL character) is rejected alone, with a report; every other line is imported. */
describe("NDJSON import with a NUL character in one line", () => {
  let sys: TestSystem;
  beforeAll(async () => {
    sys = await startTestSystem({ workers: false });
  });
  afterAll(async () => sys?.stop());

  it("imports the good lines and reports the bad one", async () => {
    const admin = await sys.as("admin");
    const lines = [...generateHistory({ tickets: 5, ...yearWindow(2025), seed: 7 })].map((l) =>
      JSON.parse(JSON.stringify(l)),
    );
    expect(lines.length).toBe(5);
    lines[2].description = "小区\u0000停水";
    const res = await fetch(`${admin.baseUrl}/api/v1/import/tickets`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin.token}`, "content-type": "application/x-ndjson" },
      body: `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`,
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as {
      imported: number;
      rejected: number;
      errors: Array<{ line: number; message: string }>;
    };
    expect(report.imported).toBe(4);
    expect(report.rejected).toBe(1);
    expect(report.errors[0]?.line).toBe(3);
    expect(report.errors[0]?.message).toMatch(/NUL/);
  });
});
