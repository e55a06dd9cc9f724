import {
  createPostgresBackend,
  type Processor,
  Queue,
  Worker,
  type WorkerOptions,
  withBackend,
} from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";

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
  redisUrl?: string | undefined;
  /** PostgreSQL schema for the queues; tests use their own. */
  schema?: string;
  /** Redis key prefix; tests use their own. */
  prefix?: string;
}

export function createQueueBackend(opts: QueueBackendOptions): QueueBackend {
  return opts.redisUrl
    ? redisBackend(opts.redisUrl, opts.prefix ?? "hotline")
    : postgresBackend(opts.databaseUrl, opts.schema ?? "bullmq");
}

function postgresBackend(databaseUrl: string, schema: string): QueueBackend {
  const { Queue: PgQueue, Worker: PgWorker } = withBackend(createPostgresBackend);
  const connection = { connectionString: databaseUrl, schema, migrate: true, max: 5 };
  const queues = new Map<string, Queue<unknown>>();
  const workers: Worker<unknown>[] = [];
  const probe = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  return {
    kind: "postgres",
    queue<T>(name: string) {
      let q = queues.get(name);
      if (!q) {
        q = new PgQueue(name, { connection }) as unknown as Queue<unknown>;
        queues.set(name, q);
      }
      return q as Queue<T>;
    },
    worker<T>(name: string, processor: Processor<T>, wopts?: Partial<WorkerOptions>) {
      const w = new PgWorker(name, processor as Processor, {
        ...wopts,
        connection,
      }) as unknown as Worker<unknown>;
      workers.push(w);
      return w as unknown as Worker<T>;
    },
    async ping() {
      await probe.query("SELECT 1");
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
      await probe.end();
    },
  };
}

function redisBackend(redisUrl: string, prefix: string): QueueBackend {
  const shared = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queues = new Map<string, Queue<unknown>>();
  const workers: Worker<unknown>[] = [];
  return {
    kind: "redis",
    queue<T>(name: string) {
      let q = queues.get(name);
      if (!q) {
        q = new Queue(name, { connection: shared, prefix }) as Queue<unknown>;
        queues.set(name, q);
      }
      return q as Queue<T>;
    },
    worker<T>(name: string, processor: Processor<T>, wopts?: Partial<WorkerOptions>) {
      const w = new Worker(name, processor as Processor, {
        ...wopts,
        prefix,
        connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
      }) as Worker<unknown>;
      workers.push(w);
      return w as unknown as Worker<T>;
    },
    async ping() {
      await shared.ping();
    },
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
      shared.disconnect();
    },
  };
}
