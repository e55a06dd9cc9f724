import { spawn } from "node:child_process";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTicket, deptId } from "../helpers/fixtures.ts";
import { type ApiClient, startTestSystem, type TestSystem } from "../helpers/system.ts";

type Report = {
  tickets: number;
  events: number;
  ok: boolean;
  breaks: Array<{ ticketId: number; seq: number; reason: string }>;
};

/**
 * Timelines and the audit log are append-only, and each ticket's events form a hash chain: the
 * app's own database role cannot change them, and a change made around the triggers is found.
 */
describe("append-only audit", () => {
  let sys: TestSystem;
  let sql: pg.Pool;
  let admin: ApiClient;
  let agent: ApiClient;
  let ids: number[];

  beforeAll(async () => {
    sys = await startTestSystem({ workers: false });
    sql = new pg.Pool({ connectionString: sys.system.services.databaseUrl, max: 2 });
    admin = await sys.as("admin");
    agent = await sys.as("agent1");
    const handler = await sys.as("handler1");
    const dongcheng = await deptId(agent, "dongcheng");
    ids = [];
    for (let i = 0; i < 3; i++) {
      const t = await createTicket(agent);
      await agent.event(t.id, "DISPATCH", { departmentId: dongcheng });
      await handler.event(t.id, "SIGN");
      await handler.event(t.id, "COMMENT", { note: `备注 ${i}` });
      ids.push(t.id);
    }
  });
  afterAll(async () => {
    await sql?.end();
    await sys?.stop();
  });

  const verify = async () => {
    const res = await admin.get<Report>("/api/v1/admin/audit/verify");
    expect(res.status).toBe(200);
    return res.body;
  };

  it("every event is chained, and the chains hold", async () => {
    const { rows } = await sql.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM ticket_events WHERE hash IS NULL",
    );
    expect(rows[0]?.n).toBe(0);
    const report = await verify();
    expect(report).toMatchObject({ ok: true, breaks: [] });
    expect(report.events).toBeGreaterThanOrEqual(12);
    expect((await agent.get("/api/v1/admin/audit/verify")).status).toBe(403);
  });

  it("the database refuses UPDATE, DELETE and TRUNCATE of timelines and the audit log", async () => {
    await sql.query("INSERT INTO audit_log (action, detail) VALUES ('test', '{}')");
    for (const statement of [
      "UPDATE ticket_events SET payload = '{}' WHERE ticket_id = $1",
      "DELETE FROM ticket_events WHERE ticket_id = $1",
      "UPDATE audit_log SET action = 'x' WHERE $1::int IS NOT NULL",
      "DELETE FROM audit_log WHERE $1::int IS NOT NULL",
    ]) {
      await expect(sql.query(statement, [ids[0]]), statement).rejects.toThrow(/append-only/);
    }
    await expect(sql.query("TRUNCATE audit_log")).rejects.toThrow(/append-only/);
    await expect(sql.query("TRUNCATE ticket_events CASCADE")).rejects.toThrow(/append-only/);
  });

  it("an edit or a deletion made around the triggers shows as a break, in the API and in npm run audit:verify", async () => {
    const [edited, cut] = ids as [number, number];
    const c = await sql.connect();
    try {
      await c.query("ALTER TABLE ticket_events DISABLE TRIGGER ticket_events_append_only");
      await c.query(
        `UPDATE ticket_events SET payload = '{"note":"改过的"}' WHERE ticket_id = $1 AND seq = 4`,
        [edited],
      );
      await c.query("DELETE FROM ticket_events WHERE ticket_id = $1 AND seq = 2", [cut]);
      await c.query("ALTER TABLE ticket_events ENABLE TRIGGER ticket_events_append_only");
    } finally {
      c.release();
    }
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.breaks).toEqual(
      expect.arrayContaining([
        { ticketId: edited, seq: 4, reason: "hash" },
        { ticketId: cut, seq: 3, reason: "gap" },
      ]),
    );
    expect(report.breaks.some((b) => b.ticketId === ids[2])).toBe(false);

    const exit = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/audit-verify.ts"], {
        env: { ...process.env, DATABASE_URL: sys.system.services.databaseUrl, LOG_LEVEL: "silent" },
      });
      let out = "";
      child.stdout.on("data", (d) => {
        out += String(d);
      });
      child.on("exit", (code) => resolve({ code, out }));
    });
    expect(exit.code).toBe(1);
    expect(exit.out).toContain(`ticket ${edited} seq 4: hash`);
  }, 60_000);
});
