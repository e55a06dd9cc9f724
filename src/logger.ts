import { pino } from "pino";

/**
 * Whether the process is shutting down (a signal came): from then on, losing database or queue
 * connections is expected — with the embedded PostgreSQL a Ctrl+C or a SIGTERM to the process
 * group reaches the database too — and says nothing an operator must read.
 */
let stopping = false;
let lastShutdownWarning = 0;
const SHUTDOWN_WARNING_DELAY_MS = 1_000;

/** The process is stopping: connection losses are logged at debug from now on. */
export function markStopping(): void {
  stopping = true;
}

export function isStopping(): boolean {
  return stopping;
}

/** A lost or refused connection (the server shutting down, a reset socket), not a bug. */
export function isConnectionLoss(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === "string" && /^(57P0[1-3]|08\d{3}|ECONNRESET|ECONNREFUSED|EPIPE)$/.test(code))
    return true;
  return (
    typeof message === "string" &&
    /Connection terminated|Client has encountered a connection error/.test(message)
  );
}

export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.VITEST ? "silent" : "info"),
  base: undefined,
  hooks: {
    // While stopping, the warnings and errors of connections going away are debug, not noise.
    // A server shutting down (57P01) drops every connection at once: one warning, not one per
    // connection, queue and worker.
    logMethod(args, method, level) {
      const err = (args[0] as { err?: unknown } | undefined)?.err;
      if (level >= 40 && isConnectionLoss(err)) {
        const adminShutdown = (err as { code?: unknown }).code === "57P01";
        const now = Date.now();
        if (stopping || (adminShutdown && now - lastShutdownWarning < 10_000)) {
          if (this.isLevelEnabled("debug")) this.debug(...(args as [object, string]));
          return;
        }
        if (adminShutdown) {
          lastShutdownWarning = now;
          // Said a moment later, and only if no stop signal came meanwhile: a Ctrl+C reaches the
          // embedded PostgreSQL too, whose goodbye can arrive before this process sees its signal.
          setTimeout(() => {
            if (!stopping) this.warn("the database server is shutting down: its connections were terminated");
          }, SHUTDOWN_WARNING_DELAY_MS).unref();
          return;
        }
      }
      method.apply(this, args);
    },
  },
});
export type Logger = typeof logger;
