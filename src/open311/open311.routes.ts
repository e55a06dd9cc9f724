import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { App } from "../http/app.ts";
import { zodErrors } from "../http/app.ts";
import { AppError } from "../http/errors.ts";
import type { Services } from "../system.ts";
import { PhoneSchema } from "../tickets/ticket.schemas.ts";
import { PUBLIC_TICKET_SELECT, toRequest, toService, toServiceDefinition } from "./open311.mapping.ts";
import type { PartnerKeys } from "./partner-keys.ts";

/** Open311 clients expect their own error shape: an array of {code, description}. */
function open311Error(c: Context, code: number, description: string) {
  return c.json([{ code, description }], code as ContentfulStatusCode);
}

const PostRequestSchema = z.object({
  api_key: z.string().min(1, "api_key is required"),
  service_code: z.string().min(1, "service_code is required"),
  lat: z.coerce.number().min(-90).max(90).optional(),
  long: z.coerce.number().min(-180).max(180).optional(),
  address_string: z.string().max(300).optional(),
  description: z.string().trim().min(1, "description is required").max(4000),
  first_name: z.string().max(50).optional(),
  last_name: z.string().max(50).optional(),
  phone: PhoneSchema,
  "attribute[urgency]": z.enum(["normal", "urgent", "critical"]).optional(),
});

/**
 * GeoReport v2 at /open311/v2 so citizen apps and existing Open311 clients can report issues:
 * services are our categories, requests are tickets (channel `open311`). Reading is public:
 * only public tickets (reported through Open311, or published by an agent), never confidential
 * ones, and no personal data (open311.mapping.ts). Posting needs `api_key` = a partner's key
 * (partner-keys.ts), which opens nothing else.
 */
export function registerOpen311Routes(app: App, s: Services, keys: PartnerKeys): void {
  // Open311 paths carry the format as an extension (services.json, requests/123.json).
  app.get("/open311/v2/*", async (c) => {
    const [path, format] = splitFormat(c.req.path.slice("/open311/v2/".length));
    if (format !== "json") return open311Error(c, 400, "Only the json format is supported");
    if (path === "services")
      return c.json((await s.org.listCategories()).filter((x) => x.active).map(toService));
    if (path.startsWith("services/")) {
      const code = decodePathPart(path.slice("services/".length));
      if (code === null) return open311Error(c, 400, "The path has a broken percent-encoding");
      const category = await s.org.categoryByCode(code);
      if (!category?.active) return open311Error(c, 404, `No service ${code}`);
      return c.json(toServiceDefinition(category));
    }
    if (path === "requests") return listRequests(c, s);
    if (path.startsWith("requests/") || path.startsWith("request/")) {
      const id = decodePathPart(path.slice(path.indexOf("/") + 1));
      if (id === null) return open311Error(c, 400, "The path has a broken percent-encoding");
      const found = await publicRequests(s, { numbers: [id] });
      return found.length ? c.json(found) : open311Error(c, 404, `No request ${id}`);
    }
    return open311Error(c, 404, `No Open311 resource ${path}`);
  });

  app.post("/open311/v2/*", async (c) => {
    const [path, format] = splitFormat(c.req.path.slice("/open311/v2/".length));
    if (path !== "requests") return open311Error(c, 404, `No Open311 resource ${path}`);
    if (format !== "json") return open311Error(c, 400, "Only the json format is supported");
    return createRequest(c, s, keys);
  });
}

async function createRequest(c: Context, s: Services, keys: PartnerKeys) {
  const type = c.req.header("content-type") ?? "";
  const raw: Record<string, unknown> = type.includes("application/json")
    ? await c.req.json().catch(() => ({}))
    : Object.fromEntries(
        Object.entries(await c.req.parseBody()).map(([k, v]) => [k, typeof v === "string" ? v : ""]),
      );
  const parsed = PostRequestSchema.safeParse({
    ...Object.fromEntries(new URL(c.req.url).searchParams),
    ...raw,
  });
  if (!parsed.success) {
    const errors = zodErrors(parsed.error);
    return c.json(
      Object.entries(errors).map(([field, message]) => ({ code: 400, description: `${field}: ${message}` })),
      400,
    );
  }
  const p = parsed.data;
  const partner = await keys.authenticate(p.api_key);
  if (partner === "unknown") return open311Error(c, 403, "Invalid api_key");
  if (partner === "revoked") return open311Error(c, 403, "This api_key was revoked");
  const category = await s.org.categoryByCode(p.service_code);
  if (!category?.active) return open311Error(c, 404, `No service ${p.service_code}`);
  const name = [p.last_name, p.first_name].filter(Boolean).join("") || "匿名市民";
  try {
    const created = await s.tickets.createForPartner(partner, {
      citizenName: name,
      citizenPhone: p.phone,
      address: p.address_string ?? null,
      lat: p.lat ?? null,
      lng: p.long ?? null,
      categoryCode: p.service_code,
      urgency: p["attribute[urgency]"] ?? "normal",
      title: p.description.slice(0, 40),
      description: p.description,
    });
    return c.json([
      { service_request_id: created.number, service_notice: "已受理 Received", account_id: null },
    ]);
  } catch (err) {
    if (err instanceof AppError && err.code === "validation") return open311Error(c, 400, err.message);
    throw err;
  }
}

async function listRequests(c: Context, s: Services) {
  const q = c.req.query();
  const ids = q.service_request_id?.split(",").filter(Boolean);
  const start = q.start_date ? parseIsoTime(q.start_date) : undefined;
  const end = q.end_date ? parseIsoTime(q.end_date) : undefined;
  if (start === null || end === null) {
    return open311Error(
      c,
      400,
      "start_date and end_date must be ISO 8601 times between the years 1900 and 9999",
    );
  }
  if (q.status && q.status !== "open" && q.status !== "closed")
    return open311Error(c, 400, "status is open or closed");
  return c.json(
    await publicRequests(s, {
      numbers: ids,
      serviceCode: q.service_code,
      start,
      end,
      status: q.status as "open" | "closed" | undefined,
    }),
  );
}

/** A path segment, percent-decoded; null when the encoding is broken (e.g. `%E0%A4%A`). */
function decodePathPart(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/**
 * An ISO 8601 date or date-time (`2026-11-30`, `2026-11-30T08:00:00Z`, `…+08:00`) in years
 * 1900–9999; null for anything else, including expanded years such as `-001000-01-01`, which
 * JavaScript accepts but the database cannot store.
 */
const ISO_TIME = /^(\d{4})-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
export function parseIsoTime(value: string): Date | null {
  const m = ISO_TIME.exec(value);
  if (!m || Number(m[1]) < 1900) return null;
  const d = new Date(value);
  return Number.isNaN(d.valueOf()) ? null : d;
}

function splitFormat(value: string): [string, string] {
  const i = value.lastIndexOf(".");
  return i < 0 ? [value, ""] : [value.slice(0, i), value.slice(i + 1)];
}

/** Public tickets only (never confidential), newest first, at most 1,000; no personal column is read. */
async function publicRequests(
  s: Services,
  f: {
    numbers?: string[] | undefined;
    serviceCode?: string | undefined;
    start?: Date | undefined;
    end?: Date | undefined;
    status?: "open" | "closed" | undefined;
  },
) {
  const category = f.serviceCode ? await s.org.categoryByCode(f.serviceCode) : undefined;
  if (f.serviceCode && !category) return [];
  const rows = await s.db.ticket.findMany({
    select: PUBLIC_TICKET_SELECT,
    where: {
      public: true,
      confidential: false,
      ...(f.numbers ? { number: { in: f.numbers } } : {}),
      ...(category ? { categoryId: category.id } : {}),
      ...(f.start || f.end
        ? { createdAt: { ...(f.start ? { gte: f.start } : {}), ...(f.end ? { lt: f.end } : {}) } }
        : {}),
      ...(f.status === "closed"
        ? { status: { in: ["closed", "merged"] } }
        : f.status === "open"
          ? { status: { notIn: ["closed", "merged"] } }
          : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 1000,
  });
  const [tree, categories] = await Promise.all([s.org.tree(), s.org.listCategories()]);
  const byId = new Map(categories.map((cat) => [cat.id, cat]));
  return rows.map((t) =>
    toRequest(
      t,
      byId.get(t.categoryId),
      t.departmentId != null ? (tree.get(t.departmentId)?.name ?? null) : null,
    ),
  );
}
