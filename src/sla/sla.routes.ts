import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../http/app.ts";
import { requireRole } from "../http/auth.middleware.ts";
import { notFound, validation } from "../http/errors.ts";
import { jsonBody, jsonResponse, problems } from "../http/schemas.ts";
import type { OrgService } from "../org/org.service.ts";
import { addDuration, defaultCalendar, parseLocalDate, type WorkingCalendar } from "./calendar.ts";
import { validateDuration } from "./duration.ts";
import { SHIPPED_CALENDAR_DAYS, SHIPPED_CALENDAR_SOURCE, SHIPPED_CALENDAR_YEARS } from "./holidays.ts";
import type { SlaService } from "./sla.service.ts";
import { DEFAULT_POLICY_CODE, type StoredPolicy } from "./sla.service.ts";

const Clock = z.enum(["calendar", "working"]);
const Urgency = z.enum(["normal", "urgent", "critical"]);
const isoTime = z.string().datetime({ offset: true });

/** An ISO 8601 duration as the deadline arithmetic understands it (duration.ts). */
const Duration = z
  .string()
  .max(100)
  .superRefine((v, ctx) => {
    const problem = validateDuration(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi({ example: "P5D" });

// ---- GET /sla/deadline ------------------------------------------------------------------------

const deadlineRoute = createRoute({
  method: "get",
  path: "/api/v1/sla/deadline",
  tags: ["sla"],
  summary: "A deadline: start + an ISO 8601 duration on the calendar or working clock",
  description:
    "Computed by the same code and stored calendar as ticket deadlines, so an agent can quote a date to a caller. `start` defaults to now, `clock` to `working`.",
  request: {
    query: z.object({
      start: isoTime.optional().openapi({ example: "2026-05-08T10:00:00+08:00" }),
      duration: z.string().max(100).openapi({ example: "P2D" }),
      clock: Clock.default("working"),
    }),
  },
  responses: {
    200: jsonResponse(
      z.object({ deadline: z.string(), start: z.string(), duration: z.string(), clock: Clock }),
      "The deadline",
    ),
    ...problems(401, 422),
  },
});

// ---- calendar -----------------------------------------------------------------------------------

const Year = z.object({
  year: z.coerce
    .number()
    .int()
    .min(1970)
    .max(2200)
    .openapi({ param: { name: "year", in: "path" }, example: 2026 }),
});
const CalendarDay = z
  .object({
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "A local date YYYY-MM-DD"),
    kind: z.enum(["holiday", "workday"]),
    name: z.string().trim().min(1).max(50),
  })
  .openapi("CalendarDay");
const CalendarYear = z
  .object({
    year: z.number().int(),
    days: z.array(CalendarDay),
    workingHours: z.array(z.object({ start: z.string(), end: z.string() })),
    workingWeekdays: z.array(z.number().int()),
    timeZone: z.string(),
  })
  .openapi("CalendarYear");

const getCalendar = createRoute({
  method: "get",
  path: "/api/v1/calendar/{year}",
  tags: ["sla"],
  summary: "A year's holidays and make-up working days (调休), working hours and time zone",
  request: { params: Year },
  responses: { 200: jsonResponse(CalendarYear, "The working calendar of that year"), ...problems(401, 422) },
});

const putCalendar = createRoute({
  method: "put",
  path: "/api/v1/calendar/{year}",
  tags: ["sla"],
  summary: "Replace a year's holidays and make-up working days (admin)",
  description:
    'Every date must lie in that year and appear once. A "workday" on a weekend is a make-up working day, a "holiday" on a weekday a public holiday.',
  request: { params: Year, ...jsonBody(z.object({ days: z.array(CalendarDay).max(366) })) },
  responses: { 200: jsonResponse(CalendarYear, "Saved"), ...problems(400, 401, 403, 422) },
});

const officialCalendar = createRoute({
  method: "get",
  path: "/api/v1/calendar/{year}/official",
  tags: ["sla"],
  summary: "The State Council notice's holidays and make-up working days of a year, as shipped",
  description:
    "From the `chinese-days` package (src/sla/holidays.ts), for an admin to fill the year's calendar with (PUT /calendar/{year}); `covered` is false, with no days, for a year the shipped data does not have yet.",
  request: { params: Year },
  responses: {
    200: jsonResponse(
      z
        .object({
          year: z.number().int(),
          source: z.string(),
          covered: z.boolean(),
          days: z.array(CalendarDay),
        })
        .openapi("OfficialCalendarYear"),
      "The notice's days",
    ),
    ...problems(401, 422),
  },
});

// ---- SLA policies -----------------------------------------------------------------------------

const PolicyInput = z.object({
  signWithin: Duration,
  firstResponseWithin: Duration,
  resolveWithin: Duration,
  callbackWithin: Duration,
  clock: Clock,
});
const Policy = z
  .object({
    categoryCode: z.string().openapi({ description: '"*" is the default for every category' }),
    urgency: Urgency,
    signWithin: z.string(),
    firstResponseWithin: z.string(),
    resolveWithin: z.string(),
    callbackWithin: z.string(),
    clock: Clock,
    source: z.enum(["stored", "builtin"]),
    updatedAt: z.string().nullable(),
  })
  .openapi("SlaPolicy");

const listPolicies = createRoute({
  method: "get",
  path: "/api/v1/sla-policies",
  tags: ["sla"],
  summary: 'SLA policies, including the defaults (categoryCode "*") in effect',
  responses: { 200: jsonResponse(z.object({ items: z.array(Policy) }), "Policies"), ...problems(401) },
});

const putPolicy = createRoute({
  method: "put",
  path: "/api/v1/sla-policies/{categoryCode}/{urgency}",
  tags: ["sla"],
  summary: 'Set the SLA policy of a category and urgency; "*" sets the default (admin)',
  description:
    "Durations are ISO 8601 (`PT30M`, `PT4H`, `P5D`); on the `working` clock days are working days. New deadlines use it at once; running deadlines keep theirs.",
  request: {
    params: z.object({
      categoryCode: z
        .string()
        .min(1)
        .max(50)
        .openapi({ param: { name: "categoryCode", in: "path" }, example: "noise" }),
      urgency: Urgency.openapi({ param: { name: "urgency", in: "path" } }),
    }),
    ...jsonBody(PolicyInput),
  },
  responses: { 200: jsonResponse(Policy, "Saved"), ...problems(400, 401, 403, 404, 422) },
});

// ---- registration -------------------------------------------------------------------------------

/** GET /sla/deadline, calendar and SLA policy routes. */
export function registerSlaRoutes(
  app: App,
  s: { sla: SlaService; org: Pick<OrgService, "categoryByCode"> },
): void {
  app.openapi(deadlineRoute, async (c) => {
    const q = c.req.valid("query");
    const problem = validateDuration(q.duration);
    if (problem) throw validation({ duration: problem });
    const start = q.start ? new Date(q.start) : new Date();
    let deadline: Date;
    try {
      deadline = addDuration(start, q.duration, q.clock, await s.sla.calendar());
    } catch (err) {
      if (err instanceof RangeError) throw validation({ duration: err.message });
      throw err;
    }
    return c.json(
      { deadline: deadline.toISOString(), start: start.toISOString(), duration: q.duration, clock: q.clock },
      200,
    );
  });

  app.use("/api/v1/calendar/*", async (c, next) =>
    c.req.method === "PUT" ? requireRole("admin")(c, next) : next(),
  );
  app.openapi(getCalendar, async (c) => {
    const { year } = c.req.valid("param");
    return c.json(calendarYear(year, await s.sla.calendarDays(year), await s.sla.calendar()), 200);
  });
  app.openapi(officialCalendar, (c) => {
    const { year } = c.req.valid("param");
    const days = SHIPPED_CALENDAR_DAYS.filter((d) => d.date.startsWith(`${year}-`));
    return c.json(
      { year, source: SHIPPED_CALENDAR_SOURCE, covered: SHIPPED_CALENDAR_YEARS.includes(year), days },
      200,
    );
  });
  app.openapi(putCalendar, async (c) => {
    const { year } = c.req.valid("param");
    const { days } = c.req.valid("json");
    const errors: Record<string, string> = {};
    const seen = new Map<string, number>();
    days.forEach((d, i) => {
      try {
        parseLocalDate(d.date);
      } catch {
        errors[`days.${i}.date`] = `${d.date} is not a calendar date`;
        return;
      }
      if (Number(d.date.slice(0, 4)) !== year) errors[`days.${i}.date`] = `${d.date} is not in ${year}`;
      else if (seen.has(d.date))
        errors[`days.${i}.date`] = `${d.date} is listed twice (also at ${seen.get(d.date)})`;
      seen.set(d.date, i);
    });
    if (Object.keys(errors).length) throw validation(errors);
    // The whole calendar must stay usable for deadline arithmetic (it checks itself).
    const current = await s.sla.calendar();
    const others = [...current.overrides]
      .filter(([date]) => !date.startsWith(`${year}-`))
      .map(([date, kind]) => ({ date, kind }));
    try {
      defaultCalendar([...others, ...days], current);
    } catch (err) {
      if (err instanceof RangeError) throw validation({ days: err.message });
      throw err;
    }
    await s.sla.replaceCalendarYear(year, days);
    return c.json(calendarYear(year, await s.sla.calendarDays(year), await s.sla.calendar()), 200);
  });

  app.openapi(listPolicies, async (c) =>
    c.json({ items: (await s.sla.listPolicies()).map(policyView) }, 200),
  );
  app.use("/api/v1/sla-policies/*", async (c, next) =>
    c.req.method === "PUT" ? requireRole("admin")(c, next) : next(),
  );
  app.openapi(putPolicy, async (c) => {
    const { categoryCode, urgency } = c.req.valid("param");
    if (categoryCode !== DEFAULT_POLICY_CODE && !(await s.org.categoryByCode(categoryCode)))
      throw notFound("Category");
    const saved = await s.sla.putPolicy(categoryCode, urgency, c.req.valid("json"));
    return c.json(policyView(saved), 200);
  });
}

function calendarYear(
  year: number,
  days: Array<{ date: string; kind: "holiday" | "workday"; name: string }>,
  cal: WorkingCalendar,
) {
  const hhmm = (m: number) =>
    `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
  return {
    year,
    days,
    workingHours: cal.workingHours.map(([a, b]) => ({ start: hhmm(a), end: hhmm(b) })),
    workingWeekdays: [...cal.workingWeekdays],
    timeZone: cal.timeZone,
  };
}

function policyView(p: StoredPolicy) {
  return { ...p, updatedAt: p.updatedAt ? p.updatedAt.toISOString() : null };
}
