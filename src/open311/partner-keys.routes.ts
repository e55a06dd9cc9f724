import { createRoute, z } from "@hono/zod-openapi";
import type { App } from "../http/app.ts";
import { requireRole } from "../http/auth.middleware.ts";
import { IdParam, jsonBody, jsonResponse, problems } from "../http/schemas.ts";
import type { PartnerKeyRow, PartnerKeys } from "./partner-keys.ts";

const PartnerKey = z
  .object({
    id: z.number().int(),
    partner: z.string(),
    prefix: z.string().openapi({ description: "The key's first characters, to tell keys apart" }),
    createdById: z.number().int(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    revokedById: z.number().int().nullable(),
  })
  .openapi("Open311Key");
const PartnerKeyInput = z
  .object({ partner: z.string().trim().min(1).max(100).openapi({ example: "城市随手拍 App" }) })
  .openapi("Open311KeyInput");

const listKeys = createRoute({
  method: "get",
  path: "/api/v1/open311-keys",
  tags: ["open311"],
  summary: "List Open311 partner keys (admin)",
  description: "Never the keys themselves: only their first characters.",
  responses: { 200: jsonResponse(z.object({ items: z.array(PartnerKey) }), "Keys"), ...problems(401, 403) },
});
const createKey = createRoute({
  method: "post",
  path: "/api/v1/open311-keys",
  tags: ["open311"],
  summary: "Issue an Open311 API key to a partner (admin)",
  description:
    "Answers the key in `key` this once; only its sha256 is stored. The key is the `api_key` of `POST /open311/v2/requests.json` and opens nothing else. Audited.",
  request: jsonBody(PartnerKeyInput),
  responses: {
    201: jsonResponse(
      PartnerKey.extend({ key: z.string() }).openapi("Open311KeyCreated"),
      "Issued; `key` is shown only now",
    ),
    ...problems(400, 401, 403, 422),
  },
});
const revokeKey = createRoute({
  method: "delete",
  path: "/api/v1/open311-keys/{id}",
  tags: ["open311"],
  summary: "Revoke an Open311 partner key (admin)",
  description:
    "At once: the partner's next request is refused with 403. The key stays listed, with `revokedAt`; revoking it again changes nothing. Audited.",
  request: { params: IdParam },
  responses: { 200: jsonResponse(PartnerKey, "The revoked key"), ...problems(401, 403, 404, 422) },
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toJson = (k: PartnerKeyRow) => ({
  ...k,
  createdAt: k.createdAt.toISOString(),
  lastUsedAt: iso(k.lastUsedAt),
  revokedAt: iso(k.revokedAt),
});

/** Open311 partner keys, admin only (the service is src/open311/partner-keys.ts). */
export function registerPartnerKeyRoutes(app: App, keys: PartnerKeys): void {
  app.use("/api/v1/open311-keys", requireRole("admin"));
  app.use("/api/v1/open311-keys/*", requireRole("admin"));
  app.openapi(listKeys, async (c) => c.json({ items: (await keys.list()).map(toJson) }, 200));
  app.openapi(createKey, async (c) => {
    const { key, ...row } = await keys.create(c.get("principal"), c.req.valid("json").partner);
    return c.json({ ...toJson(row), key }, 201);
  });
  app.openapi(revokeKey, async (c) =>
    c.json(toJson(await keys.revoke(c.get("principal"), c.req.valid("param").id)), 200),
  );
}
