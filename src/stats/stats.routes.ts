import { createRoute, z } from "@hono/zod-openapi";
import { streamSSE } from "hono/streaming";
import type { App } from "../http/app.ts";
import { requireRole } from "../http/auth.middleware.ts";
import { jsonResponse, problems } from "../http/schemas.ts";
import { CHANNELS } from "../tickets/ticket.schemas.ts";
import { departmentsCsv } from "./csv.ts";
import { METRICS_DEFINITIONS } from "./metrics.doc.ts";
import { lastDay } from "./period.ts";
import { DEPARTMENT_SORT_KEYS, type StatsService } from "./stats.service.ts";

/** Who reads the dashboard: everyone but handlers (their view is their own desk). */
export const STATS_ROLES = ["manager", "admin", "reviewer", "agent"] as const;

/** A rate field of the stats API: 0..1, null when its denominator is 0. */
export const rate = (what: string) =>
  z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .openapi({ description: `${what}; 0..1, null when the denominator is 0` });

const Figures = {
  received: z
    .number()
    .int()
    .openapi({ description: "受理量: tickets received in the period (merged excluded)" }),
  closed: z.number().int().openapi({ description: "办结量: of those, closed" }),
  completionRate: rate("办结率 closed / received"),
  onTimeRate: rate(
    "按时办结率 first approved reply ≤ the resolution deadline in force then (answered directly: on time) / (closed + open past dueAt)",
  ),
  responseRate: rate("按时签收率 lead dispatches signed by signBy / judged lead dispatches"),
  satisfactionRate: rate("满意率 (satisfied + basically) / rated, latest rating"),
  satisfactionScore: z
    .number()
    .min(0)
    .max(100)
    .nullable()
    .openapi({ description: "满意度 weighted mean 100/80/0 (configurable), null when nothing is rated" }),
  resolutionRate: rate("解决率 latest rated callback resolved / rated"),
  reopenRate: rate("重办率 closed tickets reopened at least once / closed"),
  returnRate: rate("退单率 approved returns / lead dispatches"),
  overdueOpen: z.number().int().openapi({ description: "超期未办结: open and past dueAt, as of now" }),
};

const Summary = z
  .object({ ...Figures, warnings: z.number().int().openapi({ description: "预警, as of now" }) })
  .openapi("StatsSummary");

const DepartmentRow = z
  .object({ departmentId: z.number().int(), departmentName: z.string(), ...Figures })
  .openapi("StatsDepartment");

const TrendPoint = z
  .object({
    period: z.string().openapi({
      description:
        "First day of the bucket within the period (YYYY-MM-DD; weeks start on Monday, months on the 1st, " +
        "but a bucket the period starts inside starts with the period)",
    }),
    to: z.string().openapi({ description: "Day after the bucket's last day within the period (exclusive)" }),
    received: z.number().int(),
    closed: z.number().int(),
    onTimeRate: rate("按时办结率"),
    satisfactionRate: rate("满意率"),
  })
  .openapi("StatsTrendPoint");

const CategoryRow = z
  .object({
    categoryCode: z.string(),
    categoryName: z.string(),
    received: z.number().int(),
    previousReceived: z
      .number()
      .int()
      .openapi({ description: "Received in the previous period of equal length" }),
    change: z.number().nullable().openapi({
      description: "(received − previousReceived) / previousReceived; null when previousReceived is 0",
    }),
  })
  .openapi("StatsCategory");

const OverdueRow = z
  .object({
    id: z.number().int(),
    number: z.string(),
    title: z.string(),
    departmentId: z.number().int().nullable(),
    departmentName: z.string().nullable(),
    status: z.string(),
    dueAt: z.string().nullable(),
    dueState: z.enum(["na", "pending", "warning", "overdue", "met", "metLate"]).openapi({
      description:
        "The resolution deadline's state (src/tickets/deadline-state.ts, the desk's function): overdue while it runs past due; met/metLate once the reply is approved",
    }),
    supervisionLevel: z.number().int(),
  })
  .openapi("StatsOverdueTicket");

const bound = (name: string, doc: string) =>
  z
    .string()
    .optional()
    .openapi({
      param: { name, in: "query" },
      description: doc,
      example: name === "from" ? "2025-01-01" : "2025-02-01",
    });

const Scope = z.object({
  from: bound(
    "from",
    "Start (inclusive): YYYY-MM-DD in the centre's time zone, or an ISO time; default 30 days ago",
  ),
  to: bound("to", "End (exclusive): YYYY-MM-DD or an ISO time; default tomorrow (today included)"),
  departmentId: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ description: "That department and its whole subtree" }),
  categoryCode: z.string().min(1).max(50).optional(),
  channel: z.enum(CHANNELS).optional(),
});

const commonProblems = problems(401, 403, 422);

export function registerStatsRoutes(app: App, s: { stats: StatsService }): void {
  app.use("/api/v1/stats/*", requireRole(...STATS_ROLES));

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/stats/summary",
      tags: ["stats"],
      summary: "Headline figures for a period (DESIGN.md Metrics)",
      description: METRICS_DEFINITIONS,
      request: { query: Scope },
      responses: { 200: jsonResponse(Summary, "Figures"), ...commonProblems },
    }),
    async (c) => c.json(await s.stats.summary(c.req.valid("query")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/stats/departments",
      tags: ["stats"],
      summary: "Department ranking; CSV with ?format=csv or Accept: text/csv",
      description:
        "Ticket figures are attributed to the department holding the ticket (when it closed, or now); " +
        "response and return rates to the department each lead dispatch went to. Departments with no " +
        "activity in the period are left out; tickets without a department (answered directly) too.",
      request: {
        query: Scope.extend({
          format: z.enum(["json", "csv"]).optional(),
          sort: z
            .enum(DEPARTMENT_SORT_KEYS)
            .optional()
            .openapi({ description: "Descending; default received" }),
        }),
      },
      responses: {
        200: {
          description: "Ranking",
          content: {
            "application/json": { schema: z.object({ items: z.array(DepartmentRow) }) },
            "text/csv": {
              schema: z.string().openapi({ description: "UTF-8 with BOM, header row in Chinese" }),
            },
          },
        },
        ...commonProblems,
      },
    }),
    async (c) => {
      const { format, sort, ...q } = c.req.valid("query");
      const { period, items } = await s.stats.departments(q, sort);
      const csv =
        format === "csv" || (format === undefined && /\btext\/csv\b/.test(c.req.header("accept") ?? ""));
      if (!csv) return c.json({ items }, 200);
      return c.body(departmentsCsv(items), 200, {
        "content-type": "text/csv; charset=utf-8",
        // Named by the first and last day (the period's `to` is exclusive): Oct 1–31, not 10-01_11-01.
        "content-disposition": `attachment; filename="departments_${period.fromDay}_${lastDay(period)}.csv"`,
      });
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/stats/trend",
      tags: ["stats"],
      summary: "Received, closed and rates per day, week or month",
      request: {
        query: Scope.extend({ granularity: z.enum(["day", "week", "month"]).default("day") }),
      },
      responses: { 200: jsonResponse(z.object({ items: z.array(TrendPoint) }), "Trend"), ...commonProblems },
    }),
    async (c) => {
      const { granularity, ...q } = c.req.valid("query");
      return c.json({ items: await s.stats.trend(q, granularity) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/stats/categories",
      tags: ["stats"],
      summary: "Hot topics: categories by received, with the change against the previous period",
      request: { query: Scope.extend({ limit: z.coerce.number().int().min(1).max(100).default(10) }) },
      responses: {
        200: jsonResponse(z.object({ items: z.array(CategoryRow) }), "Categories"),
        ...commonProblems,
      },
    }),
    async (c) => {
      const { limit, ...q } = c.req.valid("query");
      return c.json({ items: await s.stats.categories(q, limit) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/stats/overdue",
      tags: ["stats"],
      summary: "Open tickets past due or under supervision (督办), most overdue first",
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(50),
          departmentId: z.coerce.number().int().positive().optional(),
        }),
      },
      responses: {
        200: jsonResponse(z.object({ items: z.array(OverdueRow) }), "Tickets"),
        ...commonProblems,
      },
    }),
    async (c) => c.json({ items: await s.stats.overdue(c.req.valid("query")) }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/stats/stream",
      tags: ["stats"],
      summary: "Server-sent events: `summary-changed` whenever the rollups change",
      description:
        "Event `summary-changed` with data `{at, version}`; a comment line every 15 s keeps proxies open. " +
        "EventSource cannot send headers, so this route also takes the token as `?access_token=`.",
      request: { query: z.object({ access_token: z.string().optional() }) },
      responses: {
        200: { description: "Event stream", content: { "text/event-stream": { schema: z.string() } } },
        ...problems(401, 403),
      },
    }),
    (c) =>
      streamSSE(c, async (stream) => {
        let wake: (() => void) | undefined;
        const pending: Array<{ version: string; at: string }> = [];
        const unsubscribe = s.stats.subscribe((e) => {
          pending.push(e);
          wake?.();
        });
        stream.onAbort(() => {
          unsubscribe();
          wake?.();
        });
        await stream.writeSSE({
          event: "ready",
          data: JSON.stringify({ at: new Date().toISOString() }),
          retry: 3000,
        });
        while (!stream.aborted && !stream.closed) {
          const e = pending.shift();
          if (e) {
            await stream.writeSSE({ event: "summary-changed", data: JSON.stringify(e), id: e.version });
            continue;
          }
          const timedOut = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), 15_000);
            wake = () => {
              clearTimeout(timer);
              resolve(false);
            };
          });
          wake = undefined;
          if (timedOut && !stream.aborted) await stream.write(": keep-alive\n\n");
        }
        unsubscribe();
      }),
  );
}
