import { z } from "@hono/zod-openapi";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    requestId: z.string().optional(),
    errors: z.record(z.string(), z.string()).optional(),
    allowedEvents: z.array(z.string()).optional(),
  })
  .openapi("Problem");

const problemContent = { "application/problem+json": { schema: ProblemSchema } };

/** Standard error responses for a route; pick the statuses it can produce. */
export function problems(...statuses: Array<400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 503>) {
  const descriptions = {
    400: "Malformed request",
    401: "Missing or invalid token",
    403: "Outside the caller's role or scope",
    404: "Not found",
    409: "Conflict: event not allowed now, stale If-Match version, or duplicate",
    413: "Request body too large (1 MiB for JSON bodies)",
    422: "Validation failed",
    429: "Rate limited",
    503: "A dependency (database or queue) is unreachable; retry after Retry-After seconds",
  } as const;
  return Object.fromEntries(
    statuses.map((s) => [s, { description: descriptions[s], content: problemContent }]),
  );
}

/** Largest id a PostgreSQL `integer` (int4) column holds: larger ids exist nowhere. */
export const MAX_INT4 = 2_147_483_647;

/** A row id in a JSON body: a positive int4. */
export const Int4Id = z.number().int().positive().max(MAX_INT4);

export const IdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(MAX_INT4)
    .openapi({ param: { name: "id", in: "path" }, example: 1 }),
});

export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { body: { content: { "application/json": { schema } }, required: true, description } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}
