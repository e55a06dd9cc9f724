/**
 * Bulk import of historical tickets: NDJSON, one ticket per line with its whole event history,
 * validated line by line and written in batches. A rejected line never stops the import; the
 * report lists the first errors with their line numbers.
 *
 * Each line's events are folded through the ticket's decision function (history.ts), so an
 * imported ticket's rows are the ones the live API would have written for the same events at
 * the same times; the writer's batch form (ticket.repository.ts `writeImportedTickets`) streams
 * them in with COPY, and the tickets' stats (facts, rollups) are written in the same
 * transaction (stats/import-facts.ts).
 *
 * Line schema (`ImportLineSchema`): the ticket's intake fields plus `createdAt` and
 * `events: [{type, at, actorRole, payload}]` in time order (the CREATE is implied). Payloads are
 * the API's event payloads (validated with the same schema); departments may be named by
 * `departmentCode`/`coDepartmentCodes` instead of ids; the source system's deadlines ride in the
 * payloads (`DISPATCH`/`APPROVE_RETURN`: `signBy`, `firstResponseBy`, `dueAt`; `APPROVE_REPLY`:
 * `callbackBy`; dissatisfied `CALLBACK` and `REOPEN`: `dueAt`) and are planned with the SLA
 * policies when absent; `ASSIST_REPLY` names its co-handling unit; `MERGE` names `intoTicketId`
 * (an existing ticket) or `intoExternalRef`; timer events and automatic escalations are
 * `actorRole: "system"`. Historical callbacks and extension requests are recorded under the
 * importing user. Open tickets get their timer ledger; timers already due are applied by the
 * timers' reconciliation, as after any outage.
 */
import type pg from "pg";
import { z } from "zod";
import { writeImportedFacts } from "../stats/import-facts.ts";
import { STATS_LOCK_CLASS } from "../stats/rollups.ts";
import type { Services } from "../system.ts";
import { type FoldEnv, foldEnv, foldHistory, HistoryError } from "./history.ts";
import {
  type ImportedTicket,
  resolveImportedMerges,
  ticketStatuses,
  writeImportedTickets,
} from "./ticket.repository.ts";
import { CHANNELS, PhoneSchema, URGENCIES } from "./ticket.schemas.ts";

export const ImportEventSchema = z.object({
  type: z.string().min(1).max(40),
  at: z.string().min(10).max(40),
  actorRole: z.enum(["agent", "reviewer", "handler", "manager", "admin", "system"]),
  payload: z.record(z.string(), z.unknown()).optional(),
});

export const ImportLineSchema = z.object({
  externalRef: z.string().trim().min(1).max(100).optional(),
  number: z.string().trim().min(1).max(40).optional(),
  channel: z.enum(CHANNELS),
  citizenName: z.string().trim().min(1).max(50),
  citizenPhone: PhoneSchema,
  confidential: z.boolean().optional(),
  address: z.string().trim().max(300).nullish(),
  area: z.string().trim().max(50).nullish(),
  lat: z.number().min(-90).max(90).nullish(),
  lng: z.number().min(-180).max(180).nullish(),
  categoryCode: z.string().min(1).max(50),
  urgency: z.enum(URGENCIES),
  title: z.string().trim().min(1).max(200),
  description: z.string().max(5000),
  createdAt: z.string().min(10).max(40),
  events: z.array(ImportEventSchema).max(1000),
});
export type ImportLine = z.infer<typeof ImportLineSchema>;

export interface ImportResult {
  imported: number;
  rejected: number;
  errors: Array<{ line: number; message: string }>;
}

export interface ImportOptions {
  /** The importing user: creator of the tickets, author of historical callbacks and extension requests. */
  userId: number;
  batchSize?: number;
  maxErrors?: number;
}

const MAX_LINE_BYTES = 1_000_000;

/** Splits a byte stream into lines (UTF-8), without holding more than one line in memory. */
export async function* ndjsonLines(body: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const chunk of body) {
    rest += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let nl = rest.indexOf("\n");
    while (nl >= 0) {
      yield rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      nl = rest.indexOf("\n");
    }
  }
  rest += decoder.decode();
  if (rest.length > 0) yield rest;
}

interface Prepared {
  line: number;
  ticket: ImportedTicket;
}

interface Context {
  env: FoldEnv;
  categories: Map<string, number>;
}

async function loadContext(s: Services): Promise<Context> {
  const [tree, categories, sla] = await Promise.all([s.org.tree(), s.org.listCategories(), s.sla.snapshot()]);
  return {
    env: foldEnv(tree, sla, s.timers.escalation),
    categories: new Map(categories.map((c) => [c.code, c.id])),
  };
}

function hasNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === "object")
    return Object.entries(value).some(([k, v]) => k.includes("\u0000") || hasNul(v));
  return false;
}

function prepare(text: string, line: number, ctx: Context): Prepared {
  if (text.length > MAX_LINE_BYTES) throw new HistoryError("line too long");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new HistoryError("not valid JSON");
  }
  // PostgreSQL text cannot hold U+0000: such a line is rejected here, alone, with the others imported.
  if (hasNul(raw)) throw new HistoryError("a text contains a NUL character (U+0000)");
  const parsed = ImportLineSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HistoryError(`${issue?.path.join(".") || "line"}: ${issue?.message ?? "invalid"}`);
  }
  const x = parsed.data;
  const categoryId = ctx.categories.get(x.categoryCode);
  if (categoryId === undefined) throw new HistoryError(`categoryCode: unknown category ${x.categoryCode}`);
  const folded = foldHistory(
    {
      createdAt: x.createdAt,
      channel: x.channel,
      categoryCode: x.categoryCode,
      urgency: x.urgency,
      events: x.events.map((e) => ({ ...e, payload: e.payload ?? {} })),
    },
    ctx.env,
  );
  const into = folded.mergeInto;
  if (into && "externalRef" in into && into.externalRef === x.externalRef)
    throw new HistoryError("MERGE: a ticket is not merged into itself");
  return {
    line,
    ticket: {
      externalRef: x.externalRef ?? null,
      number: x.number ?? null,
      channel: x.channel,
      citizenName: x.citizenName,
      citizenPhone: x.citizenPhone,
      confidential: x.confidential ?? false,
      address: x.address ?? null,
      area: x.area ?? null,
      lat: x.lat ?? null,
      lng: x.lng ?? null,
      categoryId,
      urgency: x.urgency,
      title: x.title,
      description: x.description,
      folded,
    },
  };
}

/** Writer connections: PostgreSQL inserts on one while the other commits, and JS parses meanwhile. */
const WRITERS = Number(process.env.HOTLINE_IMPORT_WRITERS ?? 2);

interface BatchResult {
  inserted: Array<{ prepared: Prepared; id: number }>;
  rejected: Array<{ prepared: Prepared; message: string }>;
}

/**
 * Imports NDJSON lines. Each batch (tickets, timelines, assignments, callbacks, extension
 * requests, timer ledgers, facts, rollups) commits as one transaction; batches alternate between
 * two connections and the next one is folded while they are written.
 */
export async function importTickets(
  s: Services,
  lines: AsyncIterable<string>,
  opts: ImportOptions,
): Promise<ImportResult> {
  const batchSize = opts.batchSize ?? 2000;
  const maxErrors = opts.maxErrors ?? 100;
  const ctx = await loadContext(s);
  const result: ImportResult = { imported: 0, rejected: 0, errors: [] };
  const reject = (line: number, message: string) => {
    result.rejected++;
    if (result.errors.length < maxErrors) result.errors.push({ line, message });
  };
  const merges: Array<{ id: number; intoExternalRef: string }> = [];
  const clients = await Promise.all(Array.from({ length: WRITERS }, () => s.pool.connect()));
  const slots: Array<Promise<void>> = clients.map(() => Promise.resolve());
  let next = 0;
  try {
    let batch: Prepared[] = [];
    let lineNo = 0;
    const flush = async () => {
      const rows = batch;
      batch = [];
      const i = next;
      next = (next + 1) % clients.length;
      await slots[i];
      const write = writeBatch(s, clients[i] as pg.PoolClient, rows, opts.userId).then(
        ({ inserted, rejected }) => {
          result.imported += inserted.length;
          for (const r of rejected) reject(r.prepared.line, r.message);
          for (const { prepared, id } of inserted) {
            const into = prepared.ticket.folded.mergeInto;
            if (into && "externalRef" in into) merges.push({ id, intoExternalRef: into.externalRef });
          }
        },
      );
      // A failed write surfaces when its slot is awaited; keep it from being unhandled meanwhile.
      write.catch(() => {});
      slots[i] = write;
    };
    for await (const text of lines) {
      lineNo++;
      if (text.trim() === "") continue;
      try {
        batch.push(prepare(text, lineNo, ctx));
      } catch (err) {
        if (!(err instanceof HistoryError)) throw err;
        reject(lineNo, err.message);
      }
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0) await flush();
    await Promise.all(slots);
    if (merges.length > 0) await resolveImportedMerges(clients[0] as pg.PoolClient, merges);
  } finally {
    await Promise.allSettled(slots);
    for (const c of clients) c.release();
  }
  result.errors.sort((a, b) => a.line - b.line);
  return result;
}

/**
 * One batch in one transaction. MERGEs into a ticket id that does not exist (or is itself
 * merged) are refused as the API refuses them; tickets whose externalRef or number exists are
 * set aside; the rest go in with COPY. Should another import insert one of them meanwhile (a
 * unique violation), the batch is redone with INSERT … ON CONFLICT DO NOTHING.
 */
async function writeBatch(
  s: Services,
  client: pg.PoolClient,
  rows: Prepared[],
  userId: number,
): Promise<BatchResult> {
  if (rows.length === 0) return { inserted: [], rejected: [] };
  const run = (mode: "copy" | "insert") =>
    inTransaction(client, async () => {
      const out: BatchResult = { inserted: [], rejected: [] };
      const targets = await ticketStatuses(
        client,
        rows.flatMap((r) => {
          const into = r.ticket.folded.mergeInto;
          return into && "ticketId" in into ? [into.ticketId] : [];
        }),
      );
      const valid = rows.filter((r) => {
        const into = r.ticket.folded.mergeInto;
        if (!into || !("ticketId" in into)) return true;
        const status = targets.get(into.ticketId);
        if (status !== undefined && status !== "merged") return true;
        out.rejected.push({
          prepared: r,
          message: `MERGE: intoTicketId: merge into another existing ticket that is not itself merged (${into.ticketId})`,
        });
        return false;
      });
      const w = await writeImportedTickets(
        client,
        valid.map((r) => r.ticket),
        { userId, timeZone: s.config.timeZone, mode },
      );
      for (const i of w.duplicates)
        out.rejected.push({
          prepared: valid[i] as Prepared,
          message: "duplicate: a ticket with this externalRef or number exists",
        });
      const stats = w.written.map(({ index, id, assignmentIds }) => {
        const prepared = valid[index] as Prepared;
        out.inserted.push({ prepared, id });
        return { id, assignmentIds, ...prepared.ticket };
      });
      await writeImportedFacts(client, stats, s.config.timeZone);
      return { out, ledger: w.ledger };
    });
  let done: Awaited<ReturnType<typeof run>>;
  try {
    done = await run("copy");
  } catch (err) {
    if ((err as { code?: string }).code !== "23505") throw err;
    done = await run("insert");
  }
  // Like a live write's hook: wake the queue for timers coming due soon. Those already due are
  // history's missed timers; the reconciliation applies them in due order.
  const now = Date.now();
  await s.timers.wake(done.ledger.filter((r) => r.dueAt.getTime() > now));
  return done.out;
}

async function inTransaction<T>(client: pg.PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    // A batch is all or nothing, and the client learns of it only at the end: no need to wait
    // for each commit's WAL flush (a crash loses whole batches, which a re-run imports again).
    await client.query("SET LOCAL synchronous_commit = off");
    await client.query("SELECT pg_advisory_xact_lock_shared($1, 0)", [STATS_LOCK_CLASS]);
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}
