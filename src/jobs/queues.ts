import {
  createPostgresBackend,
  type Processor,
  Queue,
  Worker,
  type WorkerOptions,
  withBackend,
} from "bullmq";
import { Redis } from "ioredis";
import type pg from "pg";
import { logger } from "../logger.ts";

/**
 * One place that knows which BullMQ backend is in use: PostgreSQL (BullMQ's own backend,
 * schema `bullmq`) by default so a single database is all a centre needs, or Redis when
 * REDIS_URL is set — the setting for high volume.
 */
export interface QueueBackend {
  readonly kind: "postgres" | "redis";
  queue<T>(name: string): Queue<T>;
  worker<T>(name: string, processor: Processor<T>, opts?: Partial<WorkerOptions>): Worker<T>;
  /** Throws when the backend cannot be reached (readiness probe). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface QueueBackendOptions {
  databaseUrl: string;
  /** The process's shared pool: the readiness probe uses it. */
  pool: pg.Pool;
  redisUrl?: string | undefined;
  /** PostgreSQL schema for the queues; tests use their own. */
  schema?: string;
  /** Redis key prefix; tests use their own. */
  prefix?: string;
}

export function createQueueBackend(opts: QueueBackendOptions): QueueBackend {
  return opts.redisUrl
    ? redisBackend(opts.redisUrl, opts.prefix ?? "hotline")
    : postgresBackend(opts.databaseUrl, opts.pool, opts.schema ?? "bullmq");
}

function postgresBackend(databaseUrl: string, probe: pg.Pool, schema: string): QueueBackend {
  const { Queue: PgQueue, Worker: PgWorker } = withBackend(createPostgresBackend);
  // Each queue and worker owns a one-connection pool (a worker adds its LISTEN connection):
  // BullMQ's backend needs its schema on the connection's search_path, which a shared pool
  // cannot carry. Timer and stats work is batched, so one connection each is plenty.
  const connection = { connectionString: databaseUrl, schema, migrate: true, max: 1 };
  const queues = new Map<string, Queue<unknown>>();
  const workers: Worker<unknown>[] = [];
  return {
    kind: "postgres",
    queue<T>(name: string) {
      let q = queues.get(name);
      if (!q) {
        q = new PgQueue(name, { connection }) as unknown as Queue<unknown>;
        // Its pool's lost connections surface here; without a listener BullMQ prints them to stderr.
        q.on("error", (err) => logger.warn({ err, queue: name }, "queue error"));
        queues.set(name, q);
      }
      return q as Queue<T>;
    },
    worker<T>(name: string, processor: Processor<T>, wopts?: Partial<WorkerOptions>) {
      const w = new PgWorker(name, processor as Processor, {
        ...wopts,
        connection,
      }) as unknown as Worker<unknown>;
      // Callers log worker errors at their level; this one only guarantees a listener.
      w.on("error", (err) => logger.debug({ err, queue: name }, "queue worker error"));
      workers.push(w);
      return w as unknown as Worker<T>;
    },
    async ping() {
      await probe.query("SELECT 1");
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

function redisBackend(redisUrl: string, prefix: string): QueueBackend {
  const shared = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const connections: Redis[] = [];
  // ioredis reconnects by itself; without a listener every failed attempt prints to stderr.
  shared.on("error", (err) => logger.warn({ err }, "redis connection error"));
  const queues = new Map<string, Queue<unknown>>();
  const workers: Worker<unknown>[] = [];
  return {
    kind: "redis",
    queue<T>(name: string) {
      let q = queues.get(name);
      if (!q) {
        q = new Queue(name, { connection: shared, prefix }) as Queue<unknown>;
        q.on("error", (err) => logger.warn({ err, queue: name }, "queue error"));
        queues.set(name, q);
      }
      return q as Queue<T>;
    },
    worker<T>(name: string, processor: Processor<T>, wopts?: Partial<WorkerOptions>) {
      const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
      connection.on("error", (err) => logger.warn({ err, queue: name }, "redis connection error (worker)"));
      const w = new Worker(name, processor as Processor, {
        ...wopts,
        prefix,
        connection,
      }) as Worker<unknown>;
      w.on("error", (err) => logger.debug({ err, queue: name }, "queue worker error"));
      workers.push(w);
      connections.push(connection);
      return w as unknown as Worker<T>;
    },
    async ping() {
      // Commands wait for a reconnect forever (maxRetriesPerRequest: null): a client that is not
      // connected right now is unreachable, not slow.
      if (shared.status !== "ready") throw new Error(`redis is ${shared.status}`);
      await shared.ping();
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
      for (const c of connections) c.disconnect();
      shared.disconnect();
    },
  };
}

/**
 * `p`, or a rejection after `ms`: producers on a request path (ticket hooks) must not hang
 * while the queue is unreachable (the Redis client retries forever). The call itself may still
 * settle later; callers leave recovery to reconciliation or the stats rebuild.
 */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`queue did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
