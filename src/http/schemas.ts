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
export function problems(...statuses: Array<400 | 401 | 403 | 404 | 409 | 422 | 429>) {
  const descriptions = {
    400: "Malformed request",
    401: "Missing or invalid token",
    403: "Outside the caller's role or scope",
    404: "Not found",
    409: "Conflict: event not allowed now, stale If-Match version, or duplicate",
    422: "Validation failed",
    429: "Rate limited",
  } as const;
  return Object.fromEntries(
    statuses.map((s) => [s, { description: descriptions[s], content: problemContent }]),
  );
}

export const IdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: "id", in: "path" }, example: 1 }),
});

export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { body: { content: { "application/json": { schema } }, required: true, description } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}
