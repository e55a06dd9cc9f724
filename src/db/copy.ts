/**
 * `COPY table (columns) FROM STDIN` through node-postgres, for the bulk import: PostgreSQL's
 * fastest way in (no per-row executor, a simple text format). A minimal query object for
 * `client.query(submittable)` — node-postgres's documented extension point, the one
 * pg-copy-streams builds on — sending the whole batch as CopyData and then CopyDone.
 */
import type pg from "pg";

interface Connection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/** One value in COPY's text format: \N for null, backslash escapes for the rest. */
export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return "\\N";
  const s = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
  // Fast path: nothing to escape (most numbers, times, codes).
  if (!/[\\\t\n\r]/.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) =>
    c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r",
  );
}

class CopyIn {
  rowCount = 0;
  readonly done: Promise<number>;
  private settle!: (err: Error | null) => void;

  constructor(
    readonly text: string,
    private readonly data: Buffer,
  ) {
    this.done = new Promise<number>((resolve, reject) => {
      this.settle = (err) => (err ? reject(err) : resolve(this.rowCount));
    });
  }

  submit(connection: Connection): null {
    connection.query(this.text);
    return null;
  }

  handleCopyInResponse(connection: Connection): void {
    // CopyData messages may be up to 1 GB; a batch is a few MB.
    if (this.data.length > 0) connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text?: string }): void {
    this.rowCount = Number(/COPY (\d+)/.exec(msg.text ?? "")?.[1] ?? 0);
  }

  /** node-postgres drops the query on an error (ReadyForQuery then goes to nobody): settle now. */
  handleError(err: Error): void {
    this.settle(err);
  }

  handleReadyForQuery(): void {
    this.settle(null);
  }

  // Not part of a COPY FROM exchange.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** Copies `rows` (values in `columns` order) into `table`. Returns the number of rows. */
export async function copyRows(
  client: pg.ClientBase,
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
): Promise<number> {
  if (rows.length === 0) return 0;
  let text = "";
  for (const r of rows) text += `${r.map(copyValue).join("\t")}\n`;
  const copy = new CopyIn(`COPY ${table} (${columns.join(", ")}) FROM STDIN`, Buffer.from(text, "utf8"));
  (client as unknown as { query(q: unknown): void }).query(copy);
  return copy.done;
}
