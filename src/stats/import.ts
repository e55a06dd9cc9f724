/**
 * Bulk import of historical tickets (issue 4): NDJSON, one ticket per line with its whole
 * event history, validated line by line and inserted in batches with multi-row SQL
 * (`INSERT … SELECT FROM unnest($arrays)`), facts and rollups updated in the same
 * transaction as each batch. A rejected line never stops the import; the report lists the
 * first errors with their line numbers.
 *
 * Line schema (`ImportLineSchema`): the ticket's intake fields plus `createdAt` and
 * `events: [{type, at, actorRole, payload}]` in time order (the CREATE is implied).
 * Departments may be named by `departmentCode`/`coDepartmentCodes` instead of ids; the
 * source system's deadlines ride in the payloads (`DISPATCH`/`APPROVE_RETURN`:
 * `signBy`, `firstResponseBy`, `dueAt`; `APPROVE_REPLY`: `callbackBy`; dissatisfied
 * `CALLBACK` and `REOPEN`: `dueAt`) and are planned with the SLA policies when absent;
 * `ASSIST_REPLY` names its co-handling unit; `MERGE` names `intoTicketId` or
 * `intoExternalRef`. Historical callbacks and extension requests are recorded under the
 * importing user.
 */
import type pg from "pg";
import { z } from "zod";
import { addDuration } from "../sla/calendar.ts";
import { callbackDeadline, computeDeadlines, type SlaPolicyData } from "../sla/deadlines.ts";
import type { Services } from "../system.ts";
import { CHANNELS, PhoneSchema, URGENCIES } from "../tickets/ticket.schemas.ts";
import { copyRows } from "../db/copy.ts";
import {
  type DeadlinePlanner,
  type FoldedTicket,
  factTicketOf,
  foldHistory,
  HistoryError,
} from "./history.ts";
import {
  DISPATCH_COUNTERS,
  dayOf,
  dispatchFacts,
  type FactAssignment,
  type OpenRow,
  openRow,
  TICKET_COUNTERS,
  ticketFact,
} from "./metrics.ts";
import {
  applyRollupDelta,
  bumpVersion,
  DISPATCH_COUNTER_COLUMNS,
  RollupDelta,
  STATS_LOCK_CLASS,
  TICKET_COUNTER_COLUMNS,
  upsertOpenRows,
} from "./rollups.ts";

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
  input: ImportLine;
  folded: FoldedTicket;
  categoryId: number;
}

interface Context {
  departments: Map<string, number>;
  departmentIds: Set<number>;
  parents: Map<number, number | null>;
  categories: Map<string, number>;
  planners: Map<string, DeadlinePlanner>;
}

async function loadContext(s: Services): Promise<Context> {
  const [tree, categories, cal] = await Promise.all([s.org.tree(), s.org.listCategories(), s.sla.calendar()]);
  const planners = new Map<string, DeadlinePlanner>();
  for (const c of categories) {
    for (const u of URGENCIES) {
      const p: SlaPolicyData = await s.sla.policy(c.code, u);
      planners.set(`${c.code}/${u}`, {
        dispatch: (at) => computeDeadlines(at, p, cal),
        resolve: (at) => addDuration(at, p.resolveWithin, p.clock, cal),
        callback: (at) => callbackDeadline(at, p, cal),
      });
    }
  }
  const all = tree.all();
  return {
    departments: new Map(all.map((d) => [d.code, d.id])),
    departmentIds: new Set(all.map((d) => d.id)),
    parents: new Map(all.map((d) => [d.id, d.parentId])),
    categories: new Map(categories.map((c) => [c.code, c.id])),
    planners,
  };
}

function prepare(text: string, line: number, ctx: Context): Prepared {
  if (text.length > MAX_LINE_BYTES) throw new HistoryError("line too long");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new HistoryError("not valid JSON");
  }
  const parsed = ImportLineSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HistoryError(`${issue?.path.join(".") || "line"}: ${issue?.message ?? "invalid"}`);
  }
  const input = parsed.data;
  const categoryId = ctx.categories.get(input.categoryCode);
  if (categoryId === undefined)
    throw new HistoryError(`categoryCode: unknown category ${input.categoryCode}`);
  const planner = ctx.planners.get(`${input.categoryCode}/${input.urgency}`) as DeadlinePlanner;
  const folded = foldHistory(
    {
      createdAt: input.createdAt,
      channel: input.channel,
      categoryCode: input.categoryCode,
      urgency: input.urgency,
      events: input.events.map((e) => ({ ...e, payload: e.payload ?? {} })),
    },
    {
      department: (ref) =>
        typeof ref === "number"
          ? ctx.departmentIds.has(ref)
            ? ref
            : undefined
          : typeof ref === "string"
            ? ctx.departments.get(ref)
            : undefined,
      isChild: (parent, child) => ctx.parents.get(child) === parent,
      planner,
    },
  );
  return { line, input, folded, categoryId };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Writer connections: PostgreSQL inserts on one while the other commits, and JS parses meanwhile. */
const WRITERS = Number(process.env.HOTLINE_IMPORT_WRITERS ?? 2);

/**
 * Imports NDJSON lines. Each batch (tickets, timelines, assignments, callbacks, extension
 * requests, facts, rollups) commits as one transaction; batches alternate between two
 * connections and the next one is parsed while they are written.
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
  const clients = await Promise.all(Array.from({ length: WRITERS }, () => s.stats.pool.connect()));
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
      const write = writeBatch(clients[i] as pg.PoolClient, rows, s.stats.timeZone, opts.userId).then(
        ({ inserted, duplicates }) => {
          result.imported += inserted.length;
          for (const p of duplicates)
            reject(p.line, "duplicate: a ticket with this externalRef or number exists");
          for (const { prepared, id } of inserted) {
            const into = prepared.folded.mergeInto;
            if (into?.externalRef) merges.push({ id, intoExternalRef: into.externalRef });
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
    if (merges.length > 0) await resolveMerges(clients[0] as pg.PoolClient, merges);
  } finally {
    await Promise.allSettled(slots);
    for (const c of clients) c.release();
  }
  result.errors.sort((a, b) => a.line - b.line);
  return result;
}

async function resolveMerges(client: pg.PoolClient, merges: Array<{ id: number; intoExternalRef: string }>) {
  await client.query(
    `UPDATE tickets t SET merged_into_id = target.id,
            context = jsonb_set(t.context, '{mergedIntoId}', to_jsonb(target.id))
       FROM json_to_recordset($1::json) AS m(id int, ref text)
       JOIN tickets target ON target.external_ref = m.ref
      WHERE t.id = m.id`,
    [JSON.stringify(merges.map((m) => ({ id: m.id, ref: m.intoExternalRef })))],
  );
}

async function nextIds(client: pg.PoolClient, table: string, n: number): Promise<number[]> {
  if (n === 0) return [];
  const { rows } = await client.query<{ id: number }>(
    `SELECT nextval(pg_get_serial_sequence('${table}', 'id'))::int AS id FROM generate_series(1, $1)`,
    [n],
  );
  return rows.map((r) => r.id);
}

const TICKET_COLUMNS = [
  "id",
  "number",
  "external_ref",
  "channel",
  "status",
  "version",
  "citizen_name",
  "citizen_phone",
  "confidential",
  "address",
  "area",
  "lat",
  "lng",
  "category_id",
  "urgency",
  "title",
  "description",
  "department_id",
  "co_department_ids",
  "sub_department_id",
  "context",
  "reopen_count",
  "supervision_level",
  "dispatch_count",
  "last_rating",
  "last_resolved",
  "directly_answered",
  "merged_into_id",
  "deadline_version",
  "dispatched_at",
  "sign_by",
  "first_response_by",
  "due_at",
  "callback_by",
  "signed_at",
  "first_response_at",
  "first_approved_reply_at",
  "closed_at",
  "created_by_id",
  "created_at",
  "updated_at",
] as const;

/** A ticket row in TICKET_COLUMNS order (COPY text values). */
function ticketRow(r: Prepared, id: number, number: string, userId: number): unknown[] {
  const t = r.folded;
  const x = r.input;
  return [
    id,
    number,
    x.externalRef ?? null,
    x.channel,
    t.status,
    t.version,
    x.citizenName,
    x.citizenPhone,
    x.confidential ?? false,
    x.address ?? null,
    x.area ?? null,
    x.lat ?? null,
    x.lng ?? null,
    r.categoryId,
    x.urgency,
    x.title,
    x.description,
    t.departmentId,
    `{${t.coDepartmentIds.join(",")}}`,
    t.subDepartmentId,
    t.context,
    t.reopenCount,
    t.supervisionLevel,
    t.dispatchCount,
    t.lastRating,
    t.lastResolved,
    t.directlyAnswered,
    t.mergeInto?.ticketId ?? null,
    t.deadlineVersion,
    iso(t.dispatchedAt),
    iso(t.signBy),
    iso(t.firstResponseBy),
    iso(t.dueAt),
    iso(t.callbackBy),
    iso(t.signedAt),
    iso(t.firstResponseAt),
    iso(t.firstApprovedReplyAt),
    iso(t.closedAt),
    userId,
    iso(t.createdAt),
    iso(t.updatedAt),
  ];
}

type BatchResult = { inserted: Array<{ prepared: Prepared; id: number }>; duplicates: Prepared[] };

/**
 * One batch in one transaction. Tickets whose externalRef or number exists are set aside
 * first, the rest go in with COPY; should another writer insert one of them meanwhile (a
 * unique violation), the batch is redone with INSERT … ON CONFLICT DO NOTHING.
 */
async function writeBatch(
  client: pg.PoolClient,
  rows: Prepared[],
  timeZone: string,
  userId: number,
): Promise<BatchResult> {
  if (rows.length === 0) return { inserted: [], duplicates: [] };
  try {
    return await inTransaction(client, () => copyBatch(client, rows, timeZone, userId));
  } catch (err) {
    if ((err as { code?: string }).code !== "23505") throw err;
    return inTransaction(client, () => insertBatch(client, rows, timeZone, userId));
  }
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

async function copyBatch(
  client: pg.PoolClient,
  rows: Prepared[],
  timeZone: string,
  userId: number,
): Promise<BatchResult> {
  const refs = rows.map((r) => r.input.externalRef).filter((x): x is string => x !== undefined);
  const numbers = rows.map((r) => r.input.number).filter((x): x is string => x !== undefined);
  const { rows: taken } = await client.query<{ k: string }>(
    `SELECT 'r' || external_ref AS k FROM tickets WHERE external_ref = ANY($1::text[])
     UNION ALL SELECT 'n' || number FROM tickets WHERE number = ANY($2::text[])`,
    [refs, numbers],
  );
  const seen = new Set(taken.map((t) => t.k));
  const fresh: Prepared[] = [];
  const duplicates: Prepared[] = [];
  for (const r of rows) {
    const keys = [
      r.input.externalRef && `r${r.input.externalRef}`,
      r.input.number && `n${r.input.number}`,
    ].filter((k): k is string => typeof k === "string");
    if (keys.some((k) => seen.has(k))) duplicates.push(r);
    else {
      for (const k of keys) seen.add(k);
      fresh.push(r);
    }
  }
  if (fresh.length === 0) return { inserted: [], duplicates };
  const { rows: seq } = await client.query<{ id: number; n: string }>(
    `SELECT nextval(pg_get_serial_sequence('tickets', 'id'))::int AS id, nextval('ticket_number_seq')::text AS n
       FROM generate_series(1, $1)`,
    [fresh.length],
  );
  const inserted = fresh.map((prepared, i) => ({ prepared, id: (seq[i] as { id: number }).id }));
  await copyRows(
    client,
    "tickets",
    TICKET_COLUMNS,
    inserted.map(({ prepared, id }, i) => {
      const number =
        prepared.input.number ??
        `${dayOf(prepared.folded.createdAt, timeZone).replaceAll("-", "")}${(seq[i] as { n: string }).n.padStart(8, "0")}`;
      return ticketRow(prepared, id, number, userId);
    }),
  );
  await writeChildren(client, inserted, timeZone, userId);
  return { inserted, duplicates };
}

/** The slow, race-proof path: INSERT … ON CONFLICT DO NOTHING RETURNING id. */
async function insertBatch(
  client: pg.PoolClient,
  rows: Prepared[],
  timeZone: string,
  userId: number,
): Promise<BatchResult> {
  const ids = await nextIds(client, "tickets", rows.length);
  const cols = TICKET_COLUMNS.filter((c) => c !== "number");
  const values = rows.map((r, i) => {
    const row = ticketRow(r, ids[i] as number, r.input.number ?? "", userId);
    row.splice(1, 1);
    return [...row, r.input.number ?? null];
  });
  const ins = await client.query<{ id: number }>(
    `INSERT INTO tickets (${cols.join(", ")}, number)
     SELECT u.*, coalesce(v.number, to_char(u.created_at AT TIME ZONE $2, 'YYYYMMDD')
                || lpad(nextval('ticket_number_seq')::text, 8, '0'))
       FROM json_populate_recordset(NULL::tickets, $1::json) AS v,
            LATERAL (SELECT ${cols.map((c) => `v.${c}`).join(", ")}) AS u
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [
      JSON.stringify(values.map((v) => Object.fromEntries([...cols, "number"].map((c, i) => [c, v[i]])))),
      timeZone,
    ],
  );
  const insertedIds = new Set(ins.rows.map((r) => r.id));
  const inserted: BatchResult["inserted"] = [];
  const duplicates: Prepared[] = [];
  rows.forEach((r, i) => {
    const id = ids[i] as number;
    if (insertedIds.has(id)) inserted.push({ prepared: r, id });
    else duplicates.push(r);
  });
  if (inserted.length > 0) await writeChildren(client, inserted, timeZone, userId);
  return { inserted, duplicates };
}

async function writeChildren(
  client: pg.PoolClient,
  inserted: Array<{ prepared: Prepared; id: number }>,
  timeZone: string,
  userId: number,
): Promise<void> {
  const assignmentIds = await nextIds(
    client,
    "assignments",
    inserted.reduce((n, x) => n + x.prepared.folded.assignments.length, 0),
  );
  const events: unknown[][] = [];
  const assignments: unknown[][] = [];
  const callbacks: unknown[][] = [];
  const extensions: unknown[][] = [];
  const facts = [];
  const dfacts = [];
  const openRows: OpenRow[] = [];
  const delta = new RollupDelta();
  let a = 0;
  for (const { prepared, id } of inserted) {
    const t = prepared.folded;
    for (const e of t.events) {
      events.push([id, e.seq, e.type, e.fromStatus, e.toStatus, e.actorRole, e.payload, e.at.toISOString()]);
    }
    const factAssignments: FactAssignment[] = [];
    for (const x of t.assignments) {
      const aid = assignmentIds[a++] as number;
      assignments.push([
        aid,
        id,
        x.departmentId,
        x.role,
        x.dispatchedAt.toISOString(),
        iso(x.signBy),
        iso(x.signedAt),
        x.outcome,
        iso(x.endedAt),
      ]);
      factAssignments.push({ id: aid, ...x });
    }
    for (const c of t.callbacks)
      callbacks.push([id, userId, c.rating, c.resolved, c.note, c.at.toISOString()]);
    for (const x of t.extensions) {
      extensions.push([
        id,
        userId,
        x.until.toISOString(),
        x.reason,
        x.status,
        x.decidedAt ? userId : null,
        iso(x.decidedAt),
        x.decisionReason,
        x.createdAt.toISOString(),
      ]);
    }
    const factTicket = factTicketOf(id, t, {
      categoryId: prepared.categoryId,
      channel: prepared.input.channel,
    });
    const open = openRow(factTicket, timeZone);
    if (open) openRows.push(open);
    const fact = ticketFact(factTicket, timeZone);
    if (fact) {
      facts.push(fact);
      delta.addTicket(fact, 1);
    }
    for (const d of dispatchFacts(factTicket, factAssignments, timeZone)) {
      dfacts.push(d);
      delta.addDispatch(d, 1);
    }
  }
  // The rows below belong to tickets this transaction just inserted: nothing can conflict, so COPY.
  await copyRows(
    client,
    "ticket_events",
    ["ticket_id", "seq", "type", "from_status", "to_status", "actor_role", "payload", "at"],
    events,
  );
  await copyRows(
    client,
    "assignments",
    [
      "id",
      "ticket_id",
      "department_id",
      "role",
      "dispatched_at",
      "sign_by",
      "signed_at",
      "outcome",
      "ended_at",
    ],
    assignments,
  );
  await copyRows(
    client,
    "callbacks",
    ["ticket_id", "agent_id", "rating", "resolved", "note", "at"],
    callbacks,
  );
  await copyRows(
    client,
    "extension_requests",
    [
      "ticket_id",
      "requested_by_id",
      "until",
      "reason",
      "status",
      "decided_by_id",
      "decided_at",
      "decision_reason",
      "created_at",
    ],
    extensions,
  );
  await copyRows(
    client,
    "ticket_facts",
    [
      "ticket_id",
      "day",
      "department_id",
      "category_id",
      "channel",
      ...TICKET_COUNTERS.map((k) => TICKET_COUNTER_COLUMNS[k]),
    ],
    facts.map((f) => [
      f.ticketId,
      f.day,
      f.departmentId,
      f.categoryId,
      f.channel,
      ...TICKET_COUNTERS.map((k) => f[k]),
    ]),
  );
  await copyRows(
    client,
    "ticket_dispatch_facts",
    [
      "assignment_id",
      "ticket_id",
      "day",
      "department_id",
      "category_id",
      "channel",
      ...DISPATCH_COUNTERS.map((k) => DISPATCH_COUNTER_COLUMNS[k]),
    ],
    dfacts.map((f) => [
      f.assignmentId,
      f.ticketId,
      f.day,
      f.departmentId,
      f.categoryId,
      f.channel,
      ...DISPATCH_COUNTERS.map((k) => f[k]),
    ]),
  );
  await upsertOpenRows(client, openRows);
  await applyRollupDelta(client, delta);
  await bumpVersion(client);
}
