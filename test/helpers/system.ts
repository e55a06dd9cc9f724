import { randomBytes } from "node:crypto";
import { DEMO_PASSWORD, seedDemo } from "../../prisma/seed.ts";
import { loadConfig } from "../../src/config.ts";
import { type RunningSystem, startSystem } from "../../src/system.ts";
import { createTestDatabase } from "./db.ts";

export const ADMIN_PASSWORD = "admin-test-password";

export interface TestSystem {
  system: RunningSystem;
  url: string;
  /** A client logged in as `username` (demo users use the demo password). */
  as(username: string, password?: string): Promise<ApiClient>;
  stop(): Promise<void>;
}

export type Backend = "postgres" | "redis";

/**
 * The whole system on a fresh database, listening on a free port, with the demo
 * organisation. `backend: "redis"` needs TEST_REDIS_URL (CI sets it).
 */
export async function startTestSystem(
  opts: {
    backend?: Backend;
    workers?: boolean;
    demo?: boolean;
    /** Extra settings (e.g. HOTLINE_ESCALATION_AFTER), as environment variables. */
    env?: Record<string, string>;
    /** Redis URL for the redis backend; default TEST_REDIS_URL (a test may pick its own db). */
    redisUrl?: string;
  } = {},
): Promise<TestSystem> {
  const db = await createTestDatabase();
  const suffix = randomBytes(4).toString("hex");
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATABASE_URL: db.url,
    REDIS_URL: opts.backend === "redis" ? (opts.redisUrl ?? requireRedisUrl()) : undefined,
    HOTLINE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    HOTLINE_WORKERS: opts.workers === false ? "none" : "all",
    LOG_LEVEL: "silent",
    ...opts.env,
  });
  const system = await startSystem(config, db.url, {
    queueSchema: `bullmq_${suffix}`,
    queuePrefix: `test_${suffix}`,
  });
  await system.services.auth.ensureAdmin(ADMIN_PASSWORD);
  if (opts.demo !== false) await seedDemo(system.services);
  const tokens = new Map<string, ApiClient>();
  return {
    system,
    url: system.url,
    async as(username, password) {
      const cached = tokens.get(username);
      if (cached) return cached;
      const pw = password ?? (username === "admin" ? ADMIN_PASSWORD : DEMO_PASSWORD);
      const res = await fetch(`${system.url}/api/v1/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username, password: pw }),
      });
      if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${await res.text()}`);
      const { token } = (await res.json()) as { token: string };
      const client = new ApiClient(system.url, token);
      tokens.set(username, client);
      return client;
    },
    async stop() {
      await system.stop();
      await db.drop();
    },
  };
}

/** Both queue backends; Redis tests are skipped (and reported so) when TEST_REDIS_URL is unset. */
export const BACKENDS: Backend[] = ["postgres", "redis"];
export const backendMissing = (backend: Backend): boolean =>
  backend === "redis" && !process.env.TEST_REDIS_URL;

export function requireRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error("TEST_REDIS_URL is not set");
  return url;
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** Thin fetch wrapper: JSON in, JSON (or problem+json) out, never throws on HTTP status. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string | null,
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // non-JSON (CSV, HTML) stays text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get<T = Record<string, unknown>>(path: string) {
    return this.request<T>("GET", path);
  }
  post<T = Record<string, unknown>>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>("POST", path, body ?? {}, headers);
  }
  put<T = Record<string, unknown>>(path: string, body?: unknown) {
    return this.request<T>("PUT", path, body ?? {});
  }
  /** POST an event and return the response. */
  event(
    ticketId: number,
    type: string,
    payload: Record<string, unknown> = {},
    headers?: Record<string, string>,
  ) {
    return this.post(`/api/v1/tickets/${ticketId}/events`, { type, ...payload }, headers);
  }
}
