import { randomBytes } from "node:crypto";
import { sign, verify } from "hono/jwt";
import type { Db } from "../db/client.ts";
import { AppError } from "../http/errors.ts";
import { logger } from "../logger.ts";
import { generatePassword, hashPassword, verifyPassword } from "./password.ts";
import type { Principal } from "./principal.ts";
import { parseClaims, type TokenClaims } from "./token.ts";

const SECRET_KEY = "auth.tokenSecret";
const PRINCIPAL_CACHE_MS = 5_000;
const VERIFIED_TOKENS_MAX = 10_000;

/** Bearer tokens are HS256 JWTs; the secret lives in the database so every process shares it. */
export class AuthService {
  private secret: string | undefined;
  private readonly cache = new Map<number, { principal: Principal | null; at: number }>();
  private readonly verifiedTokens = new Map<string, TokenClaims>();

  constructor(
    private readonly db: Db,
    private readonly tokenTtlHours: number,
  ) {}

  async init(): Promise<void> {
    await this.db.setting.upsert({
      where: { key: SECRET_KEY },
      create: { key: SECRET_KEY, value: randomBytes(32).toString("base64url") },
      update: {},
    });
    const row = await this.db.setting.findUniqueOrThrow({ where: { key: SECRET_KEY } });
    this.secret = String(row.value);
  }

  /** Creates `admin` on first start; returns the generated password when none was configured. */
  async ensureAdmin(configured: string | undefined): Promise<string | null> {
    const existing = await this.db.user.findUnique({ where: { username: "admin" } });
    if (existing) return null;
    const password = configured ?? generatePassword();
    await this.db.user.upsert({
      where: { username: "admin" },
      create: {
        username: "admin",
        passwordHash: await hashPassword(password),
        displayName: "系统管理员",
        role: "admin",
      },
      update: {},
    });
    logger.info("created the admin user");
    return configured ? null : password;
  }

  async login(username: string, password: string): Promise<{ token: string; user: Principal }> {
    const user = await this.db.user.findUnique({ where: { username } });
    // Verify against a dummy hash when the user is unknown so timing does not reveal usernames.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user?.active || !ok) throw new AppError("unauthenticated", "Wrong username or password");
    const principal = toPrincipal(user);
    const exp = Math.floor(Date.now() / 1000) + this.tokenTtlSeconds();
    const token = await sign({ sub: String(user.id), exp }, this.requireSecret(), "HS256");
    return { token, user: principal };
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const token = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token) throw new AppError("unauthenticated", "A bearer token is required (POST /api/v1/auth/login)");
    const claims = await this.verified(token);
    const principal = await this.principal(claims.userId);
    if (!principal) throw new AppError("unauthenticated", "The token's user no longer exists or is disabled");
    return principal;
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

  private tokenTtlSeconds(): number {
    return Math.round(this.tokenTtlHours * 3600);
  }

  private async principal(id: number): Promise<Principal | null> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.at < PRINCIPAL_CACHE_MS) return hit.principal;
    const user = await this.db.user.findUnique({ where: { id } });
    const principal = user?.active ? toPrincipal(user) : null;
    this.cache.set(id, { principal, at: Date.now() });
    return principal;
  }

  private requireSecret(): string {
    if (!this.secret) throw new Error("AuthService.init() was not called");
    return this.secret;
  }
}

const DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

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
