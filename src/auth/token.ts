/** Clock difference between API processes that a token's `exp` may exceed the lifetime by. */
export const CLOCK_SKEW_SECONDS = 60;
const MAX_USER_ID = 2_147_483_647;

/** What a bearer token says once its signature has been checked. */
export interface TokenClaims {
  userId: number;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** The token's id, the key of a single-token revocation (logout). */
  jti: string;
  /** The user's token version at issue; a higher version in the database revokes the token. */
  ver: number;
}

/**
 * The claims of a verified token payload, or null when one is missing or out of range: `sub`
 * must be a user id (a decimal string, as login writes it) and `exp` a number no further
 * ahead than the configured lifetime (plus clock skew), so a token minted without an expiry,
 * or with a distant one, is refused rather than trusted forever; `jti` and `ver` make it
 * revocable. Pure: `now` comes in.
 */
export function parseClaims(payload: unknown, nowSeconds: number, ttlSeconds: number): TokenClaims | null {
  if (typeof payload !== "object" || payload === null) return null;
  const { sub, exp, jti, ver } = payload as Record<string, unknown>;
  if (typeof sub !== "string" || !/^[1-9][0-9]{0,9}$/.test(sub)) return null;
  const userId = Number(sub);
  if (userId > MAX_USER_ID) return null;
  if (typeof exp !== "number" || !Number.isFinite(exp)) return null;
  if (exp <= nowSeconds || exp > nowSeconds + ttlSeconds + CLOCK_SKEW_SECONDS) return null;
  if (typeof jti !== "string" || jti.length < 8 || jti.length > 64) return null;
  if (typeof ver !== "number" || !Number.isSafeInteger(ver) || ver < 0) return null;
  return { userId, exp, jti, ver };
}
