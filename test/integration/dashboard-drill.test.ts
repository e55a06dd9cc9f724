import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

/**
 * Issue 12, the dashboard's API: trend buckets and file names say the days they cover, and the
 * ticket list behind each figure (GET /api/v1/tickets?figure=…) holds exactly the tickets the
 * figure counts.
 */

let sys: TestSystem;
let manager: ApiClient;

beforeAll(async () => {
  sys = await startTestSystem();
  manager = await sys.as("manager1");
});
afterAll(async () => {
  await sys?.stop();
});

describe("periods", () => {
  it("trend buckets are labelled by their first day within the period", async () => {
    const bounds = async (q: string) => {
      const res = await manager.get<{ items: Array<{ period: string; to: string }> }>(
        `/api/v1/stats/trend?${q}`,
      );
      expect(res.status).toBe(200);
      return res.body.items.map((p) => `${p.period}..${p.to}`);
    };
    // October 2026 starts on a Thursday: its first week is 10-01..10-04, not the week of 09-28.
    expect(await bounds("granularity=week&from=2026-10-01&to=2026-11-01")).toEqual([
      "2026-10-01..2026-10-05",
      "2026-10-05..2026-10-12",
      "2026-10-12..2026-10-19",
      "2026-10-19..2026-10-26",
      "2026-10-26..2026-11-01",
    ]);
    expect(await bounds("granularity=month&from=2026-10-15&to=2026-12-10")).toEqual([
      "2026-10-15..2026-11-01",
      "2026-11-01..2026-12-01",
      "2026-12-01..2026-12-10",
    ]);
  });

  it("the ranking's CSV is named by the period's first and last day", async () => {
    const res = await fetch(`${sys.url}/api/v1/stats/departments?format=csv&from=2026-10-01&to=2026-11-01`, {
      headers: { authorization: `Bearer ${manager.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(
      'attachment; filename="departments_2026-10-01_2026-10-31.csv"',
    );
  });
});
