/**
 * A load generator in its own process: `clients` concurrent loops, each driving whole ticket
 * lives over HTTP against a running API, the way desk users load it — create, DISPATCH, SIGN,
 * REPLY, APPROVE_REPLY, CALLBACK dissatisfied, REPLY, APPROVE_REPLY, CALLBACK satisfied (9
 * writes), then GET the ticket.
 *
 *   node --import tsx bench/load-client.ts --url http://127.0.0.1:3000 [--clients 50]
 *     [--seconds 30] [--warmup 5] [--timeout-ms 30000] [--password demo12345]
 *     [--linger DISPATCH:8:10,SIGN:6:10] [--rate 400]
 *
 * `--url` takes several comma-separated URLs (API processes sharing one database): client `i`
 * talks to URL `i mod n`, after logging in on each. `--linger STEP:percent:seconds,…` makes
 * that percentage of lives (chosen by a seeded generator per client, so runs repeat) pause
 * that long after STEP succeeded, as a desk user who leaves a ticket lying would, so SLA
 * timers come due on them; a pause never outlasts the recorded window.
 *
 * `--rate R` paces the clients: together they start R requests per second (each client one every
 * `clients / R` seconds, staggered), the way a room of desk users with think time loads the
 * server, instead of each firing its next request the moment the last one answered. Latency is
 * then measured from when a request was due, not when it was sent, so a client that falls
 * behind a slow server counts the wait (no coordinated omission). Without `--rate` every
 * client runs flat out, which measures capacity: with 50 clients latency is then 50 ÷ throughput
 * by Little's law, whatever the server does.
 *
 * Loops run for `warmup` seconds unrecorded, then `seconds` recorded. A request belongs to the
 * window if it started in it (so slow tails at the end still count); throughput counts the
 * 2xx writes that finished in it. A non-2xx or failed request is an error (the first few are
 * printed) and abandons that life. Prints a summary on stderr and one line of JSON
 * (`LoadResult`) on stdout. Depends on nothing but Node's `http` module with a keep-alive
 * agent (a connection per request in flight, reused): global fetch cost the client about
 * twice the CPU, taken from the same two cores the server and PostgreSQL run on.
 */

import http from "node:http";

export interface Latency {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  url: string;
  /** `--rate`: the requests per second offered (null: every client flat out). */
  offeredRate: number | null;
  /** Every API URL the clients were spread over (client i → urls[i mod n]). */
  urls: string[];
  clients: number;
  warmupSeconds: number;
  /** The recorded window, seconds. */
  seconds: number;
  /** 2xx writes (create + events) finished in the window, per second. */
  eventsPerSecond: number;
  getsPerSecond: number;
  /** Lives whose final GET finished in the window. */
  livesCompleted: number;
  livesPerSecond: number;
  /** Latency in ms of 2xx requests started in the window. */
  event: Latency;
  get: Latency;
  /** Event latency per step (create, DISPATCH, SIGN, …). */
  byStep: Record<string, Latency>;
  /** Writes finished per wall-clock second of the window: how even the throughput was. */
  throughput: {
    minPerSecond: number;
    maxPerSecond: number;
    secondsWithoutWrites: number;
    /** Writes finished in each second of the window. */
    perSecond: number[];
  };
  /** Lives paused by `--linger`, by the step they paused after. */
  lingered: Record<string, number>;
  /** Requests started in the window that failed (non-2xx, network error or timeout). */
  errors: number;
  errorsByStatus: Record<string, number>;
  /** Failures during warm-up, not counted above. */
  warmupErrors: number;
  /** The first failures, as "step status body". */
  errorSamples: Record<string, string>;
  /** CPU the load client itself used, in cores (so a saturated client shows). */
  clientCpuCores: number;
}

const DEMO_PASSWORD = "demo12345";
const MAX_ERROR_SAMPLES = 5;
const PRINTED_BODY_CHARS = 500;

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  if (value !== undefined && !value.startsWith("--")) return value;
  if (fallback === undefined) throw new Error(`--${name} is required`);
  return fallback;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

function summarise(samples: number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const round = (n: number) => (Number.isFinite(n) ? Math.round(n * 100) / 100 : Number.NaN);
  return {
    count: s.length,
    mean: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)),
    p50: round(percentile(s, 50)),
    p95: round(percentile(s, 95)),
    p99: round(percentile(s, 99)),
    max: round(s[s.length - 1] ?? Number.NaN),
  };
}

class RequestFailed extends Error {}

interface HttpAnswer {
  status: number;
  text: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

/** GET (no body) or POST a JSON body with a bearer token; the answer's status and text. */
function send(url: string, token: string | undefined, body: string | undefined, timeoutMs: number) {
  return new Promise<HttpAnswer>((resolve, reject) => {
    const headers: Record<string, string | number> = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(body);
    }
    const req = http.request(url, { method: body === undefined ? "GET" : "POST", headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", reject);
    });
    const timer = setTimeout(() => {
      const err = new Error(`no answer within ${timeoutMs} ms`);
      err.name = "TimeoutError";
      req.destroy(err);
    }, timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}

/** `--linger` rule: after `step` succeeded, `percent` of lives pause `seconds`. */
export interface Linger {
  step: string;
  percent: number;
  seconds: number;
}

/** "DISPATCH:8:10,SIGN:6:10" → linger rules. */
export function parseLinger(spec: string): Linger[] {
  if (spec.trim() === "") return [];
  return spec.split(",").map((part) => {
    const [step, percent, seconds] = part.split(":");
    const rule = { step: step?.trim() ?? "", percent: Number(percent), seconds: Number(seconds) };
    if (!rule.step || !(rule.percent >= 0 && rule.percent <= 100) || !(rule.seconds >= 0))
      throw new Error(`--linger: "${part}" is not STEP:percent:seconds`);
    return rule;
  });
}

/** A small seeded generator (mulberry32): the same lives linger on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runLoad(opts: {
  url: string;
  clients: number;
  seconds: number;
  warmupSeconds: number;
  timeoutMs: number;
  password: string;
  /** Pauses of some lives after some steps (`--linger`). */
  linger?: Linger[];
  /** Requests per second offered by all clients together (`--rate`); unset: flat out. */
  rate?: number;
  /** Called when the loops start (the warm-up begins). */
  onStart?: () => void;
}): Promise<LoadResult> {
  const bases = opts.url
    .split(",")
    .map((u) => u.trim().replace(/\/$/, ""))
    .filter(Boolean);
  if (bases.length === 0) throw new Error("--url is empty");
  const base = bases[0] as string;
  const cpu0 = process.cpuUsage();

  const login = async (username: string, base: string): Promise<string> => {
    const res = await send(
      `${base}/api/v1/auth/login`,
      undefined,
      JSON.stringify({ username, password: opts.password }),
      opts.timeoutMs,
    );
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
    return (JSON.parse(res.text) as { token: string }).token;
  };
  // Every process is logged in to, so a client's requests all go to its own process.
  const sessions = await Promise.all(
    bases.map(async (b) => {
      const [agent, reviewer, handler] = (await Promise.all(
        ["agent1", "reviewer1", "handler1"].map((u) => login(u, b)),
      )) as [string, string, string];
      return { base: b, agent, reviewer, handler };
    }),
  );
  const { agent } = sessions[0] as (typeof sessions)[number];
  const depts = await send(`${base}/api/v1/departments`, agent, undefined, opts.timeoutMs);
  if (depts.status !== 200) throw new Error(`GET /api/v1/departments: ${depts.status} ${depts.text}`);
  const dongcheng = (JSON.parse(depts.text) as { items: Array<{ id: number; code: string }> }).items.find(
    (d) => d.code === "dongcheng",
  )?.id;
  if (dongcheng === undefined) throw new Error("no department dongcheng: is the demo organisation loaded?");

  opts.onStart?.();
  const started = performance.now();
  const windowStart = started + opts.warmupSeconds * 1000;
  const windowEnd = windowStart + opts.seconds * 1000;
  const eventMs: number[] = [];
  const getMs: number[] = [];
  const byStep = new Map<string, number[]>();
  const writesPerSecond = new Array<number>(Math.ceil(opts.seconds)).fill(0);
  let writesDone = 0;
  let getsDone = 0;
  let livesCompleted = 0;
  let errors = 0;
  let warmupErrors = 0;
  const errorsByStatus: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  const lingerRules = opts.linger ?? [];
  const lingered: Record<string, number> = {};

  const inWindow = (t: number) => t >= windowStart && t < windowEnd;
  const fail = (t0: number, step: string, status: string, body: string): never => {
    if (inWindow(t0)) {
      errors++;
      errorsByStatus[status] = (errorsByStatus[status] ?? 0) + 1;
    } else if (t0 < windowStart) warmupErrors++;
    const n = Object.keys(errorSamples).length;
    if (n < MAX_ERROR_SAMPLES) {
      const text = `${step} ${status} ${body.slice(0, PRINTED_BODY_CHARS)}`;
      errorSamples[String(n + 1)] = text;
      console.error(`error ${n + 1}: ${text}`);
    }
    throw new RequestFailed(step);
  };

  /**
   * When a client's next request is due: now when running flat out; with `rate`, every
   * `clients / rate` seconds from the client's staggered start (waiting until then).
   */
  const pacer = (client: number): (() => Promise<number>) => {
    const rate = opts.rate;
    if (!rate) return async () => performance.now();
    const interval = (opts.clients / rate) * 1000;
    let due = started + (client / opts.clients) * interval;
    return async () => {
      const at = due;
      due += interval;
      const wait = at - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return at;
    };
  };

  /**
   * One request, due at `t0`; returns the parsed body of a 2xx, records latency (from `t0`) and
   * throughput.
   */
  const request = async (
    t0: number,
    base: string,
    kind: "event" | "get",
    step: string,
    token: string,
    path: string,
    body?: unknown,
  ): Promise<{ id: number; status: string }> => {
    let res: HttpAnswer;
    try {
      res = await send(
        `${base}${path}`,
        token,
        body === undefined ? undefined : JSON.stringify(body),
        opts.timeoutMs,
      );
    } catch (err) {
      const e = err as Error;
      return fail(t0, step, e.name === "TimeoutError" ? "timeout" : "network", e.message);
    }
    const text = res.text;
    const t1 = performance.now();
    if (res.status < 200 || res.status >= 300) return fail(t0, step, String(res.status), text);
    if (inWindow(t0)) {
      const ms = t1 - t0;
      (kind === "event" ? eventMs : getMs).push(ms);
      const steps = byStep.get(step) ?? [];
      steps.push(ms);
      byStep.set(step, steps);
    }
    if (inWindow(t1)) {
      if (kind === "event") {
        writesDone++;
        const second = Math.floor((t1 - windowStart) / 1000);
        writesPerSecond[second] = (writesPerSecond[second] ?? 0) + 1;
      } else getsDone++;
    }
    return JSON.parse(text) as { id: number; status: string };
  };

  const life = async (
    client: number,
    n: number,
    random: () => number,
    due: () => Promise<number>,
  ): Promise<void> => {
    const { base, agent, reviewer, handler } = sessions[
      client % sessions.length
    ] as (typeof sessions)[number];
    const t = await request(await due(), base, "event", "create", agent, "/api/v1/tickets", {
      channel: "phone",
      citizenName: "王先生",
      citizenPhone: "13812345678",
      address: `和平里东街${client}-${n}号`,
      categoryCode: "noise",
      urgency: "normal",
      title: `夜间施工噪声扰民 ${client}-${n}`,
      description: "小区旁工地每晚十一点后仍在施工，影响休息。",
    });
    const steps: Array<[string, string, Record<string, unknown>, string]> = [
      [agent, "DISPATCH", { departmentId: dongcheng }, "dispatched"],
      [handler, "SIGN", {}, "processing"],
      [handler, "REPLY", { result: "已协调施工方停止夜间施工", outcome: "resolved" }, "reviewing"],
      [reviewer, "APPROVE_REPLY", {}, "callback"],
      [agent, "CALLBACK", { rating: "dissatisfied", resolved: false, note: "仍有噪声" }, "processing"],
      [handler, "REPLY", { result: "已再次核查并处罚", outcome: "resolved" }, "reviewing"],
      [reviewer, "APPROVE_REPLY", {}, "callback"],
      [agent, "CALLBACK", { rating: "satisfied", resolved: true }, "closed"],
    ];
    for (const [token, type, payload, expected] of steps) {
      if (performance.now() >= windowEnd) return;
      const t0 = await due();
      const after = await request(t0, base, "event", type, token, `/api/v1/tickets/${t.id}/events`, {
        type,
        ...payload,
      });
      if (after.status !== expected)
        fail(t0, type, "unexpected-status", `${after.status}, expected ${expected}`);
      for (const rule of lingerRules) {
        if (rule.step !== type || random() * 100 >= rule.percent) continue;
        lingered[type] = (lingered[type] ?? 0) + 1;
        const ms = Math.min(rule.seconds * 1000, windowEnd - performance.now());
        if (ms > 0) await new Promise((r) => setTimeout(r, ms));
      }
    }
    if (performance.now() >= windowEnd) return;
    const t0 = await due();
    const final = await request(t0, base, "get", "GET", agent, `/api/v1/tickets/${t.id}`);
    if (final.status !== "closed") fail(t0, "GET", "unexpected-status", `${final.status}, expected closed`);
    if (inWindow(performance.now())) livesCompleted++;
  };

  await Promise.all(
    Array.from({ length: opts.clients }, async (_, client) => {
      const random = seeded(client + 1);
      const due = pacer(client);
      for (let n = 0; performance.now() < windowEnd; n++) {
        try {
          await life(client, n, random, due);
        } catch (err) {
          if (!(err instanceof RequestFailed)) throw err;
        }
      }
    }),
  );

  const cpu = process.cpuUsage(cpu0);
  const elapsedS = (performance.now() - started) / 1000;
  const full = writesPerSecond.slice(0, Math.floor(opts.seconds));
  return {
    url: bases.join(","),
    offeredRate: opts.rate ?? null,
    urls: bases,
    clients: opts.clients,
    warmupSeconds: opts.warmupSeconds,
    seconds: opts.seconds,
    eventsPerSecond: writesDone / opts.seconds,
    getsPerSecond: getsDone / opts.seconds,
    livesCompleted,
    livesPerSecond: livesCompleted / opts.seconds,
    event: summarise(eventMs),
    get: summarise(getMs),
    byStep: Object.fromEntries([...byStep].map(([k, v]) => [k, summarise(v)])),
    throughput: {
      minPerSecond: Math.min(...full),
      maxPerSecond: Math.max(...full),
      secondsWithoutWrites: full.filter((n) => n === 0).length,
      perSecond: full,
    },
    lingered,
    errors,
    errorsByStatus,
    warmupErrors,
    errorSamples,
    clientCpuCores: Math.round(((cpu.user + cpu.system) / 1e6 / elapsedS) * 100) / 100,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runLoad({
    url: arg("url"),
    clients: Number(arg("clients", "50")),
    seconds: Number(arg("seconds", "30")),
    warmupSeconds: Number(arg("warmup", "5")),
    timeoutMs: Number(arg("timeout-ms", "30000")),
    password: arg("password", DEMO_PASSWORD),
    linger: parseLinger(arg("linger", "")),
    rate: process.argv.includes("--rate") ? Number(arg("rate")) : undefined,
    onStart: () => console.error("load: loops started"),
  });
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "n/a");
  console.error(
    [
      `${result.clients} clients${result.offeredRate ? ` offering ${result.offeredRate} requests/s` : ", flat out"}, ${result.seconds} s after ${result.warmupSeconds} s warm-up:`,
      `  writes ${f(result.eventsPerSecond)}/s, lives ${result.livesCompleted} (${f(result.livesPerSecond)}/s)`,
      `  write ms p50 ${f(result.event.p50)} p95 ${f(result.event.p95)} p99 ${f(result.event.p99)} max ${f(result.event.max)}`,
      `  GET ms   p50 ${f(result.get.p50)} p95 ${f(result.get.p95)} p99 ${f(result.get.p99)} max ${f(result.get.max)}`,
      `  errors ${result.errors} (warm-up ${result.warmupErrors}), client CPU ${result.clientCpuCores} cores`,
    ].join("\n"),
  );
  console.log(JSON.stringify(result));
  process.exit(0);
}
