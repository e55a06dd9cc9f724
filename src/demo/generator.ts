/**
 * A deterministic generator of a realistic hotline history (NDJSON lines for the import),
 * with the TRUE figures of what it generated, tallied from its own model — never from the
 * database — so tests can assert that import → facts → rollups → API reproduce them exactly.
 *
 * The model (a district hotline; the demo organisation of prisma/seed.ts):
 *  - intake peaks on weekdays 9–12 and 14–17, quieter weekends, a summer bump;
 *  - a few hot categories dominate (policy enquiries, property management, noise, water…);
 *  - 40–50 % dispatched, the rest answered on the call; dispatch follows the catalogue and the
 *    caller's district (streets handle local issues, bureaus their trade);
 *  - wrong dispatches come back (退单) and are re-dispatched or answered; some recalls;
 *    co-handling (协办) and sub-dispatch to streets; extensions; late signing and late replies
 *    with the timers' warnings and supervision; replies rejected in review;
 *  - callbacks ~94 % satisfied or basically satisfied, dissatisfied ones redone (重办), some
 *    citizens unreachable three times; a few complaints reopened after closing; duplicates merged;
 *  - events after the cut-off never happen, so the latest tickets are still open.
 */
import { DEMO_DISTRICT_OF, demoDepartments } from "../../prisma/demo-org.ts";
import {
  addInto,
  type Counters,
  DEFAULT_WEIGHTS,
  emptyCounters,
  type Figures,
  figures,
  type SatisfactionWeights,
} from "../stats/metrics.ts";
import { DUE_RUNNING_STATES } from "../tickets/deadline-state.ts";
import type { ImportLine } from "../tickets/import.ts";
import { AssessmentTruth, askContacted, type ValidCallback } from "./assessment-truth.ts";

// ─── Deterministic randomness ────────────────────────────────────────────────

/** sfc32: small, fast, good enough, and the same sequence everywhere for a seed. */
export function rng(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)] as T;
}

function weighted<T>(r: () => number, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((s, [, w]) => s + w, 0);
  let x = r() * total;
  for (const [v, w] of items) {
    x -= w;
    if (x < 0) return v;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
}

// ─── The organisation (codes of prisma/seed.ts) ──────────────────────────────

const AREAS: ReadonlyArray<readonly [string, number]> = [
  ["dongcheng", 0.4],
  ["xicheng", 0.35],
  ["nanhu", 0.25],
];
const STREETS: Record<string, readonly string[]> = {
  dongcheng: ["dc-hepingli", "dc-jianguo"],
  xicheng: ["xc-jinrong", "xc-yuetan"],
  nanhu: ["nh-hubin", "nh-xinqiao"],
};
const PARENT = DEMO_DISTRICT_OF;
/** Every unit that handles tickets: the demo organisation but the city and the hotline itself. */
const HANDLING_UNITS = demoDepartments()
  .map((d) => d.code)
  .filter((c) => c !== "city" && c !== "hotline");

interface CategoryModel {
  code: string;
  name: string;
  weight: number;
  /** Share answered directly on the call. */
  direct: number;
  /** The handling unit for a caller in `area`. */
  unit(r: () => number, area: string): string;
}

const fixed = (dept: string) => () => dept;
const street = (r: () => number, area: string) => pick(r, STREETS[area] ?? []);

export const CATEGORY_MODEL: readonly CategoryModel[] = [
  // The few consultations not answered on the call go to the bureau (the hotline handles no tickets).
  { code: "policy-consult", name: "政策咨询", weight: 22, direct: 0.91, unit: fixed("hrss") },
  {
    code: "property-mgmt",
    name: "物业管理",
    weight: 11,
    direct: 0.44,
    unit: (r, a) => (r() < 0.6 ? street(r, a) : "housing"),
  },
  { code: "noise", name: "噪声扰民", weight: 9, direct: 0.4, unit: (r, a) => (r() < 0.6 ? "ecology" : a) },
  { code: "water-supply", name: "供水问题", weight: 8, direct: 0.44, unit: fixed("water") },
  { code: "city-mgmt", name: "城市管理", weight: 7, direct: 0.4, unit: street },
  { code: "road-traffic", name: "道路交通", weight: 6, direct: 0.48, unit: fixed("transport") },
  { code: "wage-arrears", name: "劳动欠薪", weight: 5, direct: 0.4, unit: fixed("hrss") },
  { code: "consumer-rights", name: "消费维权", weight: 5, direct: 0.44, unit: fixed("market") },
  {
    code: "sanitation",
    name: "环境卫生",
    weight: 5,
    direct: 0.35,
    unit: (_r, a) => (a === "dongcheng" ? "dc-chengguan" : a),
  },
  { code: "power-supply", name: "供电问题", weight: 4, direct: 0.48, unit: fixed("power") },
  { code: "public-transport", name: "公共交通", weight: 3.5, direct: 0.53, unit: fixed("transport") },
  { code: "social-security", name: "社会保障", weight: 3, direct: 0.66, unit: fixed("hrss") },
  { code: "housing-security", name: "住房保障", weight: 2.5, direct: 0.57, unit: fixed("housing") },
  { code: "healthcare", name: "医疗卫生", weight: 2, direct: 0.57, unit: fixed("health") },
  { code: "education", name: "教育问题", weight: 2, direct: 0.57, unit: fixed("education") },
  {
    code: "illegal-building",
    name: "违章建筑",
    weight: 2,
    direct: 0.31,
    unit: (r, a) => (a === "dongcheng" ? "dc-chengguan" : street(r, a)),
  },
  { code: "gas-supply", name: "燃气问题", weight: 1.5, direct: 0.44, unit: fixed("housing") },
  { code: "food-safety", name: "食品安全", weight: 1, direct: 0.4, unit: fixed("market") },
  { code: "greening", name: "园林绿化", weight: 0.8, direct: 0.44, unit: fixed("housing") },
  { code: "air-pollution", name: "大气污染", weight: 0.7, direct: 0.4, unit: fixed("ecology") },
];

const CHANNEL_MODEL: ReadonlyArray<readonly [ImportLine["channel"], number]> = [
  ["phone", 0.68],
  ["wechat", 0.12],
  ["web", 0.09],
  ["app", 0.08],
  ["sms", 0.02],
  ["email", 0.01],
];
const URGENCY_MODEL: ReadonlyArray<readonly [ImportLine["urgency"], number]> = [
  ["normal", 0.88],
  ["urgent", 0.09],
  ["critical", 0.03],
];

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** The source system's deadlines (calendar approximations of its working-time rules). */
const WINDOWS: Record<
  ImportLine["urgency"],
  { sign: number; first: number; resolve: number; callback: number }
> = {
  normal: { sign: 4 * HOUR, first: DAY, resolve: 7 * DAY, callback: 3 * DAY },
  urgent: { sign: 2 * HOUR, first: 4 * HOUR, resolve: DAY, callback: DAY },
  critical: { sign: 30 * MIN, first: HOUR, resolve: DAY, callback: DAY },
};

/** Hour-of-day intake weights (centre time): peaks 9–12 and 14–17. */
const HOURS = [
  0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.8, 1.3, 2.2, 2.4, 2.1, 1.0, 1.1, 2.0, 2.2, 2.0, 1.4, 0.9, 0.8, 0.7,
  0.5, 0.35, 0.2,
];
const OFFSET_MS = 8 * HOUR; // Asia/Shanghai, no DST
const SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡"];
const ROADS = [
  "和平里东街",
  "建国路",
  "金融大街",
  "月坛南街",
  "湖滨路",
  "新桥大道",
  "人民路",
  "解放路",
  "中山路",
];

// ─── The truth ───────────────────────────────────────────────────────────────

interface Dispatch {
  dept: string;
  signBy: number;
  signedAt: number | null;
  endedAt: number | null;
  outcome: "pending" | "signed" | "returned" | "recalled" | "completed";
}

/** What the model knows of one ticket when its story ends (completed or cut off). */
interface Outcome {
  day: string;
  category: string;
  channel: string;
  merged: boolean;
  status: string;
  holder: string;
  directlyAnswered: boolean;
  /** Set at the first approved reply: within the deadline in force then (DESIGN "Metrics"). */
  firstReplyOnTime: boolean | null;
  dueAt: number | null;
  signBy: number | null;
  callbackBy: number | null;
  reopenCount: number;
  lastRating: "satisfied" | "basically_satisfied" | "dissatisfied" | null;
  lastResolved: boolean | null;
  dispatches: Dispatch[];
  signWarning: boolean;
  resolveWarning: boolean;
  /** A RESOLVE_OVERDUE happened (the assessment's overdue). */
  overdue: boolean;
  /** The latest callback that reached the citizen (the one the assessment reads). */
  lastValid: ValidCallback | null;
}

export interface TruthFilter {
  fromDay: string;
  toDay: string;
  /** Department codes in scope (a subtree); absent = all. */
  departments?: ReadonlySet<string>;
  categoryCode?: string;
  channel?: string;
}

/** The true figures, tallied from the model: counters by (day, department, category, channel). */
export class Truth {
  private readonly tickets = new Map<string, Counters>();
  private readonly dispatches = new Map<string, Counters>();
  private readonly open: Outcome[] = [];
  readonly totals = { tickets: 0, merged: 0, dispatched: 0, direct: 0, open: 0 };
  readonly byCategory = new Map<string, number>();
  /** The assessment (三率) and the planned appeals: assessment-truth.ts. */
  readonly assessment = new AssessmentTruth();

  add(o: Outcome): void {
    this.totals.tickets++;
    if (o.merged) {
      this.totals.merged++;
      return;
    }
    this.byCategory.set(o.category, (this.byCategory.get(o.category) ?? 0) + 1);
    if (o.dispatches.length > 0) this.totals.dispatched++;
    if (o.directlyAnswered) this.totals.direct++;
    const closed = o.status === "closed";
    const onTime = o.directlyAnswered || o.firstReplyOnTime === true;
    const rated = o.lastRating !== null;
    const c = this.cell(this.tickets, o.day, o.holder, o.category, o.channel);
    c.received++;
    if (closed) c.closed++;
    if (closed && onTime) c.onTime++;
    if (closed && o.reopenCount > 0) c.reopened++;
    if (rated) {
      c.rated++;
      if (o.lastRating === "satisfied") c.satisfied++;
      if (o.lastRating === "basically_satisfied") c.basicallySatisfied++;
      if (o.lastRating === "dissatisfied") c.dissatisfied++;
      if (o.lastResolved === true) c.resolved++;
    }
    for (const d of o.dispatches) {
      const dc = this.cell(this.dispatches, o.day, d.dept, o.category, o.channel);
      dc.dispatched++;
      const signed = d.signedAt !== null;
      if (signed || (d.endedAt !== null && d.endedAt > d.signBy)) dc.responseDue++;
      if (signed && (d.signedAt as number) <= d.signBy) dc.signedOnTime++;
      if (d.outcome === "returned") dc.returned++;
    }
    if (!closed) {
      this.totals.open++;
      this.open.push(o);
    }
  }

  private cell(map: Map<string, Counters>, day: string, dept: string, cat: string, ch: string): Counters {
    const key = `${day}\t${dept}\t${cat}\t${ch}`;
    let c = map.get(key);
    if (!c) {
      c = emptyCounters();
      map.set(key, c);
    }
    return c;
  }

  private counters(f: TruthFilter, now: Date, groupByDept: boolean): Map<string, Counters> {
    const out = new Map<string, Counters>();
    const into = (dept: string) => {
      const g = groupByDept ? dept : "";
      let c = out.get(g);
      if (!c) {
        c = emptyCounters();
        out.set(g, c);
      }
      return c;
    };
    const inScope = (day: string, dept: string, cat: string, ch: string) =>
      day >= f.fromDay &&
      day < f.toDay &&
      (!f.departments || f.departments.has(dept)) &&
      (!f.categoryCode || f.categoryCode === cat) &&
      (!f.channel || f.channel === ch);
    for (const [map, which] of [
      [this.tickets, "t"],
      [this.dispatches, "d"],
    ] as const) {
      for (const [key, c] of map) {
        const [day, dept, cat, ch] = key.split("\t") as [string, string, string, string];
        if (!inScope(day, dept, cat, ch)) continue;
        const target = into(dept);
        if (which === "t") {
          addInto(target, {
            received: c.received,
            closed: c.closed,
            onTime: c.onTime,
            reopened: c.reopened,
            rated: c.rated,
            satisfied: c.satisfied,
            basicallySatisfied: c.basicallySatisfied,
            dissatisfied: c.dissatisfied,
            resolved: c.resolved,
          });
        } else {
          addInto(target, {
            dispatched: c.dispatched,
            responseDue: c.responseDue,
            signedOnTime: c.signedOnTime,
            returned: c.returned,
          });
        }
      }
    }
    const t = now.getTime();
    for (const o of this.open) {
      if (!inScope(o.day, o.holder, o.category, o.channel)) continue;
      const target = into(o.holder);
      const pastDue = o.dueAt !== null && o.dueAt < t;
      const overdue = pastDue && DUE_RUNNING_STATES.includes(o.status);
      if (overdue) target.overdueOpen++;
      if (pastDue) target.pastDue++;
      if (pastDue && o.firstReplyOnTime === true) target.overdueOnTime++;
      const current = o.dispatches[o.dispatches.length - 1];
      if (
        (o.status === "dispatched" || o.status === "returnRequested") &&
        current &&
        current.signedAt === null &&
        current.endedAt === null &&
        current.signBy < t
      )
        target.signLatePending++;
      if (!overdue && this.flagged(o, t)) target.warnings++;
    }
    return out;
  }

  private flagged(o: Outcome, t: number): boolean {
    switch (o.status) {
      case "registered":
        return false;
      case "dispatched":
        return o.signBy !== null && (o.signBy <= t || o.signWarning);
      case "callback":
        return o.callbackBy !== null && o.callbackBy <= t;
      default:
        return o.dueAt !== null && (o.dueAt <= t || o.resolveWarning);
    }
  }

  figures(f: TruthFilter, now: Date, weights: SatisfactionWeights = DEFAULT_WEIGHTS): Figures {
    return figures(this.counters(f, now, false).get("") ?? emptyCounters(), weights);
  }

  /** Per holder / dispatched-to department code ("" = no department). */
  departmentFigures(f: TruthFilter, now: Date, weights = DEFAULT_WEIGHTS): Map<string, Figures> {
    const out = new Map<string, Figures>();
    for (const [dept, c] of this.counters(f, now, true)) out.set(dept, figures(c, weights));
    return out;
  }

  /** Received per category code in [fromDay, toDay). */
  receivedByCategory(f: TruthFilter): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, c] of this.tickets) {
      const [day, , cat] = key.split("\t") as [string, string, string];
      if (day >= f.fromDay && day < f.toDay) out.set(cat, (out.get(cat) ?? 0) + c.received);
    }
    return out;
  }
}

// ─── The generator ───────────────────────────────────────────────────────────

export interface GeneratorOptions {
  tickets: number;
  seed?: number;
  /** Intake window [from, to). */
  from: Date;
  to: Date;
  /** Nothing happens from this instant on (the latest tickets stay open); default `to`. */
  cutoff?: Date;
  /** externalRef prefix; default `gen-<seed>-`. */
  refPrefix?: string;
}

/** Intake from Jan 1 to Dec 31 of `year`, centre time. */
export function yearWindow(year: number): { from: Date; to: Date } {
  return {
    from: new Date(Date.UTC(year, 0, 1) - OFFSET_MS),
    to: new Date(Date.UTC(year + 1, 0, 1) - OFFSET_MS),
  };
}

/** Thrown (one shared instance, no stack to capture) when a ticket's story ends early. */
const STOP = Symbol("stop");

type Ev = ImportLine["events"][number];

/** Sorted intake instants: weighted days (weekday/weekend, summer bump) × weighted hours. */
function arrivals(n: number, from: Date, to: Date, r: () => number): Float64Array {
  const firstDay = Math.floor((from.getTime() + OFFSET_MS) / DAY);
  const lastDay = Math.ceil((to.getTime() + OFFSET_MS) / DAY);
  const dayWeights: Array<readonly [number, number]> = [];
  for (let d = firstDay; d < lastDay; d++) {
    const date = new Date(d * DAY);
    const wd = date.getUTCDay();
    const month = date.getUTCMonth();
    const w = (wd === 0 ? 0.5 : wd === 6 ? 0.55 : 1) * (month === 6 || month === 7 ? 1.2 : 1);
    dayWeights.push([d, w]);
  }
  const cum = new Float64Array(dayWeights.length);
  let total = 0;
  dayWeights.forEach(([, w], i) => {
    total += w;
    cum[i] = total;
  });
  const hourCum = new Float64Array(24);
  let ht = 0;
  HOURS.forEach((w, i) => {
    ht += w;
    hourCum[i] = ht;
  });
  const out = new Float64Array(n);
  const lo = from.getTime();
  const hi = to.getTime();
  for (let i = 0; i < n; i++) {
    let at: number;
    do {
      const x = r() * total;
      let a = 0;
      let b = cum.length - 1;
      while (a < b) {
        const m = (a + b) >> 1;
        if ((cum[m] as number) <= x) a = m + 1;
        else b = m;
      }
      const y = r() * ht;
      let h = 0;
      while ((hourCum[h] as number) <= y) h++;
      const day = (dayWeights[a] as readonly [number, number])[0];
      at = day * DAY - OFFSET_MS + h * HOUR + Math.floor(r() * HOUR);
    } while (at < lo || at >= hi);
    out[i] = at;
  }
  return out.sort();
}

/**
 * Generates the history lazily, oldest first, tallying the truth into `truth` as it goes.
 * Same options and seed → the same lines, byte for byte.
 */
export function* generateHistory(opts: GeneratorOptions, truth: Truth = new Truth()): Generator<ImportLine> {
  const seed = opts.seed ?? 1;
  const prefix = opts.refPrefix ?? `gen-${seed}-`;
  const times = arrivals(opts.tickets, opts.from, opts.to, rng(seed * 7919 + 1));
  const r = rng(seed);
  // The assessment's answers (contacted) and appeals draw from their own stream: the rest of
  // the history is what it was before they existed.
  const ra = rng(seed * 104729 + 3);
  const cutoff = (opts.cutoff ?? opts.to).getTime();
  const categoryWeights = CATEGORY_MODEL.map((c) => [c, c.weight] as const);
  const recentByCategory = new Map<string, string>();

  for (let i = 0; i < opts.tickets; i++) {
    const createdAt = times[i] as number;
    const category = weighted(r, categoryWeights);
    const channel = weighted(r, CHANNEL_MODEL);
    const urgency = weighted(r, URGENCY_MODEL);
    const area = weighted(r, AREAS);
    const ref = `${prefix}${String(i + 1).padStart(7, "0")}`;
    const w = WINDOWS[urgency];
    const events: Ev[] = [];

    // The model's own view of the ticket (independent of src/tickets/history.ts).
    const o: Outcome = {
      day: new Date(createdAt + OFFSET_MS).toISOString().slice(0, 10),
      category: category.code,
      channel,
      merged: false,
      status: "registered",
      holder: "",
      directlyAnswered: false,
      firstReplyOnTime: null,
      dueAt: null,
      signBy: null,
      callbackBy: null,
      reopenCount: 0,
      lastRating: null,
      lastResolved: null,
      dispatches: [],
      signWarning: false,
      resolveWarning: false,
      overdue: false,
      lastValid: null,
    };
    let now = createdAt;
    let co: string[] = [];
    let extensionsApproved = 0;
    const iso = (t: number) => new Date(t).toISOString();
    /** Appends an event at `at` (never before the previous one) unless it falls after the cut-off. */
    const emit = (
      type: string,
      at: number,
      actorRole: Ev["actorRole"],
      payload: Record<string, unknown> = {},
    ) => {
      const t = Math.max(at, now);
      if (t >= cutoff) throw STOP;
      now = t;
      events.push({ type, at: iso(t), actorRole, payload });
      return t;
    };
    const lead = () => o.dispatches[o.dispatches.length - 1] as Dispatch;
    const dispatchTo = (type: "DISPATCH" | "APPROVE_RETURN", dept: string, at: number, withCo: string[]) => {
      const t = Math.max(at, now);
      const payload: Record<string, unknown> = {
        departmentCode: dept,
        signBy: iso(t + w.sign),
        firstResponseBy: iso(t + w.first),
        dueAt: iso(t + w.resolve),
      };
      if (withCo.length > 0) payload.coDepartmentCodes = withCo;
      emit(type, t, "agent", payload);
      if (type === "APPROVE_RETURN") {
        const d = lead();
        d.outcome = "returned";
        d.endedAt = t;
      }
      o.status = "dispatched";
      o.holder = dept;
      co = withCo;
      o.signBy = t + w.sign;
      o.dueAt = t + w.resolve;
      o.callbackBy = null;
      o.signWarning = false;
      o.resolveWarning = false;
      o.dispatches.push({ dept, signBy: t + w.sign, signedAt: null, endedAt: null, outcome: "pending" });
      return t;
    };
    /** Signs on time (95 %) or late, with the timers' sign warning and overdue flags on the way. */
    const sign = () => {
      const d = lead();
      const late = r() < 0.05;
      const at = late ? d.signBy + w.sign * (0.05 + r() * 2) : now + (d.signBy - now) * r() * 0.9;
      const warnAt = now + (d.signBy - now) * 0.75;
      if (at > warnAt) {
        emit("SIGN_WARNING", warnAt, "system");
        o.signWarning = true;
      }
      if (at > d.signBy) emit("SIGN_OVERDUE", d.signBy, "system");
      const t = emit("SIGN", at, "handler");
      d.signedAt = t;
      d.outcome = "signed";
      o.status = "processing";
    };
    /** Replies and gets the reply approved (sometimes after a rejection); returns when approved. */
    const replyRound = (roundStart: number) => {
      const due = o.dueAt as number;
      const window = due - roundStart;
      if (r() < 0.8)
        emit("FIRST_RESPONSE", now + w.first * (0.1 + r() * 0.6), "handler", { note: "已联系市民" });
      if (extensionsApproved < 2 && r() < 0.04) {
        const until = due + (3 + Math.floor(r() * 5)) * DAY;
        emit("REQUEST_EXTENSION", roundStart + window * (0.4 + r() * 0.3), "handler", {
          until: iso(until),
          reason: "需协调多个部门现场处理",
        });
        if (r() < 0.85) {
          emit("APPROVE_EXTENSION", now + HOUR * (1 + r() * 6), "reviewer");
          o.dueAt = until;
          o.resolveWarning = false;
          extensionsApproved++;
        } else {
          emit("REJECT_EXTENSION", now + HOUR * (1 + r() * 6), "reviewer", { reason: "时限内可办结" });
        }
      }
      const dueNow = o.dueAt as number;
      const late = r() < 0.04;
      const replyAt = late
        ? dueNow + (dueNow - roundStart) * (0.02 + r() * 0.6)
        : Math.max(now + 10 * MIN, roundStart + (dueNow - roundStart) * (0.1 + r() * 0.7));
      const warnAt = roundStart + (dueNow - roundStart) * 0.75;
      if (replyAt > warnAt && warnAt >= now) {
        emit("RESOLVE_WARNING", warnAt, "system");
        o.resolveWarning = true;
      }
      if (replyAt > dueNow && dueNow >= now) {
        emit("RESOLVE_OVERDUE", dueNow, "system");
        o.overdue = true;
      }
      if (replyAt > dueNow + 2 * HOUR && dueNow + 2 * HOUR >= now)
        emit("SUPERVISE", dueNow + 2 * HOUR, "manager", { level: 1, note: "超期督办" });
      for (const c of co)
        emit("ASSIST_REPLY", replyAt - 30 * MIN, "handler", { departmentCode: c, note: "协办意见" });
      emit("REPLY", replyAt, "handler", { result: "已现场核实并处理", outcome: "resolved" });
      o.status = "reviewing";
      if (r() < 0.06) {
        emit("REJECT_REPLY", now + HOUR * (1 + r() * 8), "reviewer", { reason: "答复不完整" });
        o.status = "processing";
        emit("REPLY", now + HOUR * (4 + r() * 30), "handler", {
          result: "已补充办理情况",
          outcome: "resolved",
        });
        o.status = "reviewing";
      }
      const approveAt = now + HOUR * (0.5 + r() * 4);
      emit("APPROVE_REPLY", approveAt, "reviewer", { callbackBy: iso(approveAt + w.callback) });
      o.firstReplyOnTime ??= o.dueAt !== null && approveAt <= o.dueAt;
      o.callbackBy = approveAt + w.callback;
      o.status = "callback";
    };
    /** Calls the citizen back until the ticket closes or is redone. Returns true when closed. */
    const callbacks = (round: number): boolean => {
      let unreachable = 0;
      for (;;) {
        const at = now + HOUR * (1 + r() * (unreachable > 0 ? 24 : 40));
        if (r() < 0.06) {
          emit("CALLBACK", at, "agent", { rating: "unreachable" });
          unreachable++;
          if (unreachable >= 3) {
            o.status = "closed";
            lead().outcome = "completed";
            lead().endedAt = now;
            return true;
          }
          continue;
        }
        const rating = weighted(
          r,
          round >= 3
            ? ([
                ["satisfied", 0.85],
                ["basically_satisfied", 0.15],
              ] as const)
            : ([
                ["satisfied", 0.82],
                ["basically_satisfied", 0.12],
                ["dissatisfied", 0.06],
              ] as const),
        );
        const resolved =
          rating === "satisfied" ? r() < 0.97 : rating === "basically_satisfied" ? r() < 0.85 : r() < 0.2;
        const contacted = askContacted(ra, rating);
        const answers = contacted === null ? { rating, resolved } : { rating, resolved, contacted };
        if (rating === "dissatisfied") {
          const t = emit("CALLBACK", at, "agent", {
            ...answers,
            note: "问题未解决",
            dueAt: iso(at + w.resolve),
          });
          o.dueAt = at + w.resolve;
          o.lastValid = { at: t, rating, resolved, contacted };
        } else {
          o.lastValid = { at: emit("CALLBACK", at, "agent", answers), rating, resolved, contacted };
        }
        o.lastRating = rating;
        o.lastResolved = resolved;
        if (rating === "dissatisfied") {
          o.reopenCount++;
          o.status = "processing";
          o.callbackBy = null;
          o.resolveWarning = false;
          return false;
        }
        o.status = "closed";
        lead().outcome = "completed";
        lead().endedAt = now;
        return true;
      }
    };

    try {
      // Duplicates of a recent call about the same thing are merged (合并).
      const dupOf = recentByCategory.get(category.code);
      if (dupOf && r() < 0.01) {
        emit("MERGE", createdAt + MIN * (5 + r() * 55), "agent", { intoExternalRef: dupOf });
        o.merged = true;
        o.status = "merged";
        throw STOP;
      }
      recentByCategory.set(category.code, ref);
      if (r() < category.direct) {
        emit("ANSWER_DIRECTLY", createdAt + MIN * (1 + r() * 14), "agent", { answer: "已当场解答" });
        o.status = "closed";
        o.directlyAnswered = true;
        throw STOP;
      }
      const right = category.unit(r, area);
      const dispatchAt = createdAt + MIN * (5 + r() * 85);
      const withCo =
        r() < 0.05
          ? [
              pick(
                r,
                HANDLING_UNITS.filter((d) => d !== right),
              ),
            ]
          : [];
      const fate = r();
      if (fate < 0.06) {
        // Wrong unit: it asks to give the ticket back (退单) — before or after signing.
        const wrong = pick(
          r,
          HANDLING_UNITS.filter((d) => d !== right),
        );
        dispatchTo("DISPATCH", wrong, dispatchAt, []);
        if (r() < 0.3) sign();
        emit("REQUEST_RETURN", now + HOUR * (0.3 + r() * (o.status === "processing" ? 20 : 3)), "handler", {
          reason: "非本单位职责",
        });
        o.status = "returnRequested";
        if (r() < 0.85) {
          dispatchTo("APPROVE_RETURN", right, now + HOUR * (0.2 + r() * 3), withCo);
        } else {
          const t = emit("APPROVE_RETURN", now + HOUR * (0.2 + r() * 3), "agent");
          const d = lead();
          d.outcome = "returned";
          d.endedAt = t;
          o.status = "registered";
          o.holder = "";
          o.dueAt = null;
          o.signBy = null;
          emit("ANSWER_DIRECTLY", now + MIN * (10 + r() * 50), "agent", { answer: "经核实已向市民解释" });
          o.status = "closed";
          o.directlyAnswered = true;
          throw STOP;
        }
      } else if (fate < 0.07) {
        dispatchTo("DISPATCH", right, dispatchAt, []);
        const t = emit("RECALL", now + MIN * (5 + r() * 25), "agent", { reason: "派单信息有误" });
        const d = lead();
        d.outcome = "recalled";
        d.endedAt = t;
        o.status = "registered";
        o.holder = "";
        o.dueAt = null;
        o.signBy = null;
        dispatchTo("DISPATCH", right, now + MIN * (5 + r() * 25), withCo);
      } else {
        dispatchTo("DISPATCH", right, dispatchAt, withCo);
      }
      sign();
      if (r() < 0.01) {
        emit("REQUEST_RETURN", now + HOUR * (1 + r() * 8), "handler", { reason: "申请退回" });
        o.status = "returnRequested";
        emit("REJECT_RETURN", now + HOUR * (0.5 + r() * 4), "agent", { reason: "属本单位职责" });
        o.status = "processing";
      }
      if (STREETS[right] && r() < 0.5) {
        emit("SUB_DISPATCH", now + HOUR * (0.2 + r() * 3), "handler", {
          departmentCode: pick(
            r,
            (STREETS[right] as readonly string[]).filter((s) => PARENT[s] === right),
          ),
        });
      }
      let roundStart = lead().signBy - w.sign;
      for (let round = 1; ; round++) {
        replyRound(roundStart);
        if (!callbacks(round)) {
          roundStart = now;
          continue;
        }
        // A few citizens complain again after closing (重办 within the window).
        if (o.reopenCount === 0 && r() < 0.01) {
          const at = now + DAY * (1 + r() * 19);
          emit("REOPEN", at, "agent", { reason: "问题再次出现", dueAt: iso(at + w.resolve) });
          o.reopenCount++;
          o.status = "processing";
          o.dueAt = at + w.resolve;
          o.callbackBy = null;
          o.resolveWarning = false;
          roundStart = now;
          continue;
        }
        break;
      }
    } catch (err) {
      if (err !== STOP) throw err;
    }
    truth.add(o);
    truth.assessment.add(ref, o, ra, cutoff);
    const surname = pick(r, SURNAMES);
    yield {
      externalRef: ref,
      channel,
      citizenName: `${surname}${r() < 0.5 ? "先生" : "女士"}`,
      citizenPhone: `13${String(Math.floor(r() * 1e9)).padStart(9, "0")}`,
      address: `${pick(r, ROADS)}${1 + Math.floor(r() * 200)}号`,
      area,
      categoryCode: category.code,
      urgency,
      title: `${category.name}：${area === "dongcheng" ? "东城" : area === "xicheng" ? "西城" : "南湖"}市民来电反映`,
      description: `市民来电反映${category.name}相关问题，请核实处理。`,
      createdAt: iso(createdAt),
      events,
    };
  }
}
