import { createHash, randomBytes } from "node:crypto";
import type { Principal } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { notFound } from "../errors.ts";

/** What an admin sees of a key: never the key itself, which is shown once at creation. */
export interface PartnerKeyRow {
  id: number;
  partner: string;
  prefix: string;
  createdById: number;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedById: number | null;
}

/** The partner behind a valid key: tickets it reports record it. */
export interface Partner {
  id: number;
  partner: string;
  /** The admin who issued the key, accountable for what the partner reports (`tickets.created_by_id`). */
  createdById: number;
}

const SELECT = {
  id: true,
  partner: true,
  prefix: true,
  createdById: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
  revokedById: true,
} as const;

/** Keys look like `o311_` + 43 base64url characters (32 random bytes); anything else is not one. */
const KEY_PREFIX = "o311_";
const KEY_SHAPE = /^o311_[A-Za-z0-9_-]{43}$/;
/** Characters of the key kept in clear (`o311_` and 4 more): enough to tell keys apart, useless to guess. */
const SHOWN = KEY_PREFIX.length + 4;

const hashKey = (key: string) => createHash("sha256").update(key).digest("hex");

const isKeyId = (id: number) => Number.isInteger(id) && id > 0 && id <= 2_147_483_647;

/**
 * Open311 partners' API keys: admins create, list and revoke them; `POST /open311/v2/requests.json`
 * authenticates its `api_key` here. A key is 32 random bytes, stored as its sha256 (a lookup by
 * hash needs no slow hash: the secret has 256 bits of entropy). Creation and revocation are
 * written to the audit log in the same transaction (`detail.keyId`, `detail.partner`).
 */
export class PartnerKeys {
  constructor(private readonly db: Db) {}

  list(): Promise<PartnerKeyRow[]> {
    return this.db.open311Key.findMany({ select: SELECT, orderBy: { id: "asc" } });
  }

  /** A new key for `partner`; the answer's `key` is the only time it is ever shown. */
  async create(actor: Principal, partner: string): Promise<PartnerKeyRow & { key: string }> {
    const key = KEY_PREFIX + randomBytes(32).toString("base64url");
    const row = await this.db.$transaction(async (tx) => {
      const row = await tx.open311Key.create({
        data: { partner, keyHash: hashKey(key), prefix: key.slice(0, SHOWN), createdById: actor.id },
        select: SELECT,
      });
      await tx.auditLog.create({
        data: { actorId: actor.id, action: "create_open311_key", detail: { keyId: row.id, partner } },
      });
      return row;
    });
    return { ...row, key };
  }

  /** Revokes the key at once; revoking a revoked key changes nothing (and audits nothing). */
  async revoke(actor: Principal, id: number): Promise<PartnerKeyRow> {
    if (!isKeyId(id)) throw notFound("Open311 key");
    return this.db.$transaction(async (tx) => {
      const before = await tx.open311Key.findUnique({ where: { id }, select: SELECT });
      if (!before) throw notFound("Open311 key");
      if (before.revokedAt) return before;
      const row = await tx.open311Key.update({
        where: { id },
        data: { revokedAt: new Date(), revokedById: actor.id },
        select: SELECT,
      });
      await tx.auditLog.create({
        data: {
          actorId: actor.id,
          action: "revoke_open311_key",
          detail: { keyId: id, partner: row.partner },
        },
      });
      return row;
    });
  }

  /**
   * The partner a presented `api_key` belongs to: "unknown" for anything that is not a key we
   * issued (an agent's bearer token included), "revoked" for a revoked one. A valid key's
   * `last_used_at` is stamped in the same statement.
   */
  async authenticate(key: string): Promise<Partner | "unknown" | "revoked"> {
    if (!KEY_SHAPE.test(key)) return "unknown";
    const rows = await this.db.$queryRaw<
      Array<{ id: number; partner: string; created_by_id: number; revoked: boolean }>
    >`UPDATE open311_keys SET last_used_at = CASE WHEN revoked_at IS NULL THEN now() ELSE last_used_at END
       WHERE key_hash = ${hashKey(key)}
       RETURNING id, partner, created_by_id, revoked_at IS NOT NULL AS revoked`;
    const row = rows[0];
    if (!row) return "unknown";
    if (row.revoked) return "revoked";
    return { id: row.id, partner: row.partner, createdById: row.created_by_id };
  }
}
