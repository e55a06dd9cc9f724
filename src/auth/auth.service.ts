import { randomBytes, randomUUID } from "node:crypto";
import { sign, verify } from "hono/jwt";
import { CachedMap } from "../db/cached.ts";
import type { Db } from "../db/client.ts";
import { AppError, validation } from "../errors.ts";
import { logger } from "../logger.ts";
import { type Device, issueDeviceCookie, readDeviceCookie } from "./device-cookie.ts";
import { LoginThrottle } from "./login-throttle.ts";
import {
  DUMMY_HASH,
  generatePassword,
  hashPassword,
  needsRehash,
  passwordPolicyError,
  verifyPassword,
} from "./password.ts";
import type { Principal } from "./principal.ts";
import { announceUserChanged, onUserChanged, revokeAllTokens } from "./revocation.ts";
import { parseClaims, type TokenClaims } from "./token.ts";

const SECRET_KEY = "auth.tokenSecret";
/**
 * How long a process trusts what it read about a user (role, department, active, token
 * version, revoked token ids). Changes made in this process apply at once (the cache is
 * cleared); changes made in another process apply here within this time.
 */
export const PRINCIPAL_CACHE_MS = 5_000;
const VERIFIED_TOKENS_MAX = 10_000;

/** Who is logging in, as far as the server can tell. */
export interface LoginClient {
  /** The peer address (behind a reverse proxy, the proxy's). */
  address?: string;
  /** The known-device cookie's value, if the client sent one. */
  deviceCookie?: string;
}

export interface LoginResult {
  token: string;
  user: Principal;
  /** The known-device cookie to set (device-cookie.ts). */
  deviceCookie: string;
}

/** A user as the auth cache holds it: the principal and what decides whether a token still stands. */
interface Standing {
  principal: Principal | null;
  tokenVersion: number;
  revoked: ReadonlySet<string>;
}

/**
 * Bearer tokens are HS256 JWTs (`sub`, `exp`, `jti`, `ver`); the secret lives in the database
 * so every process shares it. A token stands while its user is active, its `ver` equals the
 * user's `token_version` (raised by a password change or reset and by disabling the user) and
 * its `jti` is not in `revoked_tokens` (logout).
 */
export class AuthService {
  private secret: string | undefined;
  /** A read that raced an invalidation is not kept (CachedMap.clear). */
  private readonly standings = new CachedMap((id: number) => this.readStanding(id), PRINCIPAL_CACHE_MS);
  private readonly verifiedTokens = new Map<string, TokenClaims>();

  private readonly throttle: LoginThrottle;

  constructor(
    private readonly db: Db,
    private readonly tokenTtlHours: number,
    opts: { throttle?: LoginThrottle } = {},
  ) {
    this.throttle = opts.throttle ?? new LoginThrottle();
    onUserChanged(db, (userId) => this.forget(userId));
  }

  /** Reads the signing secret, creating it on first start (processes starting together agree on one). */
  async init(): Promise<void> {
    await this.db.setting.createMany({
      data: [{ key: SECRET_KEY, value: randomBytes(32).toString("base64url") }],
      skipDuplicates: true,
    });
    const row = await this.db.setting.findUniqueOrThrow({ where: { key: SECRET_KEY } });
    this.secret = String(row.value);
  }

  /**
   * Creates `admin` on first start; returns the generated password when none was configured.
   * The insert is `ON CONFLICT DO NOTHING`, so of processes starting together on a fresh
   * database exactly one creates the row, and only that one reports (prints) its password.
   */
  async ensureAdmin(configured: string | undefined): Promise<string | null> {
    if (await this.db.user.findUnique({ where: { username: "admin" }, select: { id: true } })) return null;
    const password = configured ?? generatePassword();
    const { count } = await this.db.user.createMany({
      data: [
        {
          username: "admin",
          passwordHash: await hashPassword(password),
          displayName: "系统管理员",
          role: "admin",
        },
      ],
      skipDuplicates: true,
    });
    if (count === 0) return null;
    logger.info("created the admin user");
    return configured ? null : password;
  }

  /**
   * Checks the password, throttled (login-throttle.ts): a refusal is a 429 whose `retryAfter`
   * says how many seconds to wait, and comes before the password is looked at.
   */
  async login(username: string, password: string, client: LoginClient = {}): Promise<LoginResult> {
    const device = readDeviceCookie(this.requireSecret(), client.deviceCookie, Date.now());
    const decision = this.throttle.begin({
      address: client.address ?? "unknown",
      username,
      device: device?.usernames.includes(username) ? device.id : null,
    });
    if (!("done" in decision)) throw throttled(decision.waitMs);
    let ok = false;
    try {
      const user = await this.db.user.findUnique({ where: { username } });
      // Verify against a dummy hash when the user is unknown so timing does not reveal usernames.
      ok = (await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH)) && !!user?.active;
      if (!user || !ok) throw new AppError("unauthenticated", "Wrong username or password");
      if (needsRehash(user.passwordHash)) await this.rehash(user.id, user.passwordHash, password);
      return {
        token: await this.issueToken(user.id, user.tokenVersion),
        user: toPrincipal(user),
        deviceCookie: this.deviceCookieFor(device, username),
      };
    } finally {
      decision.done(ok);
    }
  }

  private deviceCookieFor(device: Device | null, username: string): string {
    return issueDeviceCookie(this.requireSecret(), device, username, Date.now());
  }

  /**
   * Replaces a hash of an older cost with one of today's, now that the password is known.
   * Conditional on the old hash, so a password changed meanwhile is never overwritten.
   */
  private async rehash(userId: number, oldHash: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.db.user.updateMany({ where: { id: userId, passwordHash: oldHash }, data: { passwordHash } });
  }

  /** Revokes the presented token (and only it) until it would have expired. */
  async logout(authorization: string | undefined): Promise<void> {
    const claims = await this.verified(bearer(authorization));
    await this.db.$transaction([
      this.db.revokedToken.deleteMany({ where: { expiresAt: { lt: new Date() } } }),
      this.db.revokedToken.createMany({
        data: [{ jti: claims.jti, userId: claims.userId, expiresAt: new Date(claims.exp * 1000) }],
        skipDuplicates: true,
      }),
    ]);
    this.verifiedTokens.delete(bearer(authorization));
    announceUserChanged(this.db, claims.userId);
  }

  /**
   * The caller changes their own password: the current one must be right and the new one
   * follow the policy. Every token of the user is revoked; the answer carries a new one.
   */
  async changePassword(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
    client: LoginClient = {},
  ): Promise<{ token: string; user: Principal }> {
    const user = await this.db.user.findUnique({ where: { id: principal.id } });
    if (!user?.active)
      throw new AppError("unauthenticated", "The token's user no longer exists or is disabled");
    const policy = passwordPolicyError(newPassword, user.username);
    if (policy) throw validation({ newPassword: policy });
    // Wrong current passwords count like failed logins, so a stolen token cannot guess it at leisure.
    const decision = this.throttle.begin({
      address: client.address ?? "unknown",
      username: user.username,
      device: null,
    });
    if (!("done" in decision)) throw throttled(decision.waitMs);
    const right = await verifyPassword(currentPassword, user.passwordHash);
    decision.done(right);
    if (!right) throw validation({ currentPassword: "This is not your current password" });
    if (newPassword === currentPassword)
      throw validation({ newPassword: "Must differ from the current password" });
    const passwordHash = await hashPassword(newPassword);
    const tokenVersion = await this.db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
      await tx.auditLog.create({
        data: { actorId: user.id, action: "change_own_password", detail: { userId: user.id } },
      });
      return revokeAllTokens(tx, user.id);
    });
    announceUserChanged(this.db, user.id);
    return { token: await this.issueToken(user.id, tokenVersion), user: toPrincipal(user) };
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const claims = await this.verified(bearer(authorization));
    const standing = await this.standing(claims.userId);
    if (!standing.principal)
      throw new AppError("unauthenticated", "The token's user no longer exists or is disabled");
    if (claims.ver !== standing.tokenVersion || standing.revoked.has(claims.jti))
      throw new AppError(
        "unauthenticated",
        "The token was revoked (logout, password change or user disabled)",
      );
    return standing.principal;
  }

  private async issueToken(userId: number, tokenVersion: number): Promise<string> {
    const exp = Math.floor(Date.now() / 1000) + this.tokenTtlSeconds();
    return sign(
      { sub: String(userId), exp, jti: randomUUID(), ver: tokenVersion },
      this.requireSecret(),
      "HS256",
    );
  }

  /**
   * The token's claims. A signature is checked once per token: verified tokens are remembered
   * (bounded) until they expire, so a busy desk does not pay an HMAC per request.
   */
  private async verified(token: string): Promise<TokenClaims> {
    const now = Date.now() / 1000;
    const hit = this.verifiedTokens.get(token);
    if (hit && hit.exp > now) return hit;
    let claims: TokenClaims | null = null;
    try {
      claims = parseClaims(await verify(token, this.requireSecret(), "HS256"), now, this.tokenTtlSeconds());
    } catch {
      // a bad signature, a malformed token, an expired exp: all the same 401 below
    }
    if (!claims) throw new AppError("unauthenticated", "The token is invalid or has expired");
    if (this.verifiedTokens.size >= VERIFIED_TOKENS_MAX) this.verifiedTokens.clear();
    this.verifiedTokens.set(token, claims);
    return claims;
  }

  private standing(id: number): Promise<Standing> {
    return this.standings.get(id);
  }

  private async readStanding(id: number): Promise<Standing> {
    const user = await this.db.user.findUnique({
      where: { id },
      include: { revokedTokens: { where: { expiresAt: { gt: new Date() } }, select: { jti: true } } },
    });
    return {
      principal: user?.active ? toPrincipal(user) : null,
      tokenVersion: user?.tokenVersion ?? -1,
      revoked: new Set(user?.revokedTokens.map((r) => r.jti)),
    };
  }

  private forget(userId: number): void {
    this.standings.clear(userId);
  }

  private tokenTtlSeconds(): number {
    return Math.round(this.tokenTtlHours * 3600);
  }

  private requireSecret(): string {
    if (!this.secret) throw new Error("AuthService.init() was not called");
    return this.secret;
  }
}

function throttled(waitMs: number): AppError {
  const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError("rate_limited", `Too many failed logins; try again in ${retryAfter} s`, { retryAfter });
}

function bearer(authorization: string | undefined): string {
  const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (!token) throw new AppError("unauthenticated", "A bearer token is required (POST /api/v1/auth/login)");
  return token;
}

function toPrincipal(u: {
  id: number;
  username: string;
  displayName: string;
  role: Principal["role"];
  departmentId: number | null;
}): Principal {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    departmentId: u.departmentId,
  };
}

export { hashPassword };
