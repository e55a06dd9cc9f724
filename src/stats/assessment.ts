/**
 * The monthly assessment (三率考核, DESIGN.md "Assessment (三率) and appeals"), defined once.
 * Pure: no database, no clock. The assessment service (assessment.service.ts) reads each
 * ticket's assessed callback from the database, this turns them into figures and rankings.
 *
 * Decisions (README "Metrics" → "Assessment"):
 *  - A ticket is assessed by its latest *valid* callback (one that reached the citizen: not
 *    `unreachable`), in the period that callback falls in, attributed to the ticket's holder
 *    (the department holding it when it closed, or now if it was reopened), as the other
 *    ticket figures are.
 *  - 响应率 = contacted / valid callbacks that recorded `contacted` (a callback that did not ask
 *    counts in neither term); 解决率 = resolved / valid callbacks; 满意率 = (satisfied + w ×
 *    basically satisfied) / valid callbacks.
 *  - score = 100 × (a × 响应率 + b × 解决率 + c × 满意率). A rate whose denominator is 0 is
 *    left out and the other weights are scaled up to sum as before, so a question nobody was
 *    asked neither drags the score to 0 nor lifts it; with no valid callback the score is null.
 *  - An accepted appeal (核减) on one ground removes the ticket from the terms of that ground's
 *    figure only (`rating` → 满意率, `resolved` → 解决率, `contacted` → 响应率, `overdue` → the
 *    overdue count), in the adjusted figures; the raw figures keep it.
 *  - Ranks within a group: by score, highest first; equal scores share a rank (1, 1, 3);
 *    departments without a score are not ranked. rankChange = previous rank − rank (positive =
 *    moved up), null when either rank is missing.
 */

export const APPEAL_GROUNDS = ["rating", "resolved", "contacted", "overdue"] as const;
export type AppealGround = (typeof APPEAL_GROUNDS)[number];

export type ValidRating = "satisfied" | "basically_satisfied" | "dissatisfied";

export interface AssessmentSettings {
  /** Weight of "basically satisfied" in 满意率 (w). */
  basicWeight: number;
  /** a, b, c of the score. */
  weights: { response: number; resolution: number; satisfaction: number };
  /** Day of the month a period starts on (1 = calendar months; 19 = the 19th to the 18th). */
  startDay: number;
  /** Working days after the callback within which its department may appeal. */
  appealWorkingDays: number;
}

export const DEFAULT_ASSESSMENT: AssessmentSettings = {
  basicWeight: 0.9,
  weights: { response: 0.1, resolution: 0.5, satisfaction: 0.4 },
  startDay: 1,
  appealWorkingDays: 3,
};

/** One assessed ticket: its latest valid callback and the department it is attributed to. */
export interface AssessedTicket {
  ticketId: number;
  departmentId: number;
  rating: ValidRating;
  resolved: boolean | null;
  contacted: boolean | null;
  /** The ticket went past its resolution deadline (it had a RESOLVE_OVERDUE). */
  overdue: boolean;
}

export const ASSESSMENT_COUNTERS = [
  "validCallbacks",
  "contactAsked",
  "contacted",
  "resolutionBase",
  "resolved",
  "satisfactionBase",
  "satisfied",
  "basicallySatisfied",
  "overdue",
] as const;
export type AssessmentCounter = (typeof ASSESSMENT_COUNTERS)[number];
export type AssessmentCounters = Record<AssessmentCounter, number>;

export function emptyAssessmentCounters(): AssessmentCounters {
  return Object.fromEntries(ASSESSMENT_COUNTERS.map((k) => [k, 0])) as AssessmentCounters;
}

const b = (v: boolean): number => (v ? 1 : 0);

/** What one ticket adds to its department's counters, without the grounds in `excluded`. */
export function ticketCounters(
  t: Omit<AssessedTicket, "ticketId" | "departmentId">,
  excluded: ReadonlySet<AppealGround> = new Set(),
): AssessmentCounters {
  const asked = t.contacted !== null && !excluded.has("contacted");
  const resolution = !excluded.has("resolved");
  const satisfaction = !excluded.has("rating");
  return {
    validCallbacks: 1,
    contactAsked: b(asked),
    contacted: b(asked && t.contacted === true),
    resolutionBase: b(resolution),
    resolved: b(resolution && t.resolved === true),
    satisfactionBase: b(satisfaction),
    satisfied: b(satisfaction && t.rating === "satisfied"),
    basicallySatisfied: b(satisfaction && t.rating === "basically_satisfied"),
    overdue: b(t.overdue && !excluded.has("overdue")),
  };
}

export function addCounters(into: AssessmentCounters, part: AssessmentCounters): AssessmentCounters {
  for (const k of ASSESSMENT_COUNTERS) into[k] += part[k];
  return into;
}

export interface AssessmentFigures {
  validCallbacks: number;
  responseRate: number | null;
  resolutionRate: number | null;
  satisfactionRate: number | null;
  /** 0..100; null without any rate. */
  score: number | null;
  overdue: number;
}

const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);

export function assessmentFigures(
  c: AssessmentCounters,
  s: Pick<AssessmentSettings, "basicWeight" | "weights"> = DEFAULT_ASSESSMENT,
): AssessmentFigures {
  const responseRate = ratio(c.contacted, c.contactAsked);
  const resolutionRate = ratio(c.resolved, c.resolutionBase);
  const satisfactionRate = ratio(c.satisfied + s.basicWeight * c.basicallySatisfied, c.satisfactionBase);
  return {
    validCallbacks: c.validCallbacks,
    responseRate,
    resolutionRate,
    satisfactionRate,
    score: score(
      [
        [s.weights.response, responseRate],
        [s.weights.resolution, resolutionRate],
        [s.weights.satisfaction, satisfactionRate],
      ],
      s.weights.response + s.weights.resolution + s.weights.satisfaction,
    ),
    overdue: c.overdue,
  };
}

/** 100 × Σ weight × rate over the rates present, scaled to the full weight sum. */
function score(terms: Array<[number, number | null]>, total: number): number | null {
  let sum = 0;
  let weight = 0;
  for (const [w, r] of terms) {
    if (r === null) continue;
    sum += w * r;
    weight += w;
  }
  if (weight === 0) return null;
  return (100 * sum * total) / weight;
}

/** Figures per department from assessed tickets and the grounds excluded per ticket (核减). */
export function departmentCounters(
  tickets: readonly AssessedTicket[],
  excluded: ReadonlyMap<number, ReadonlySet<AppealGround>> = new Map(),
): Map<number, AssessmentCounters> {
  const out = new Map<number, AssessmentCounters>();
  for (const t of tickets) {
    let c = out.get(t.departmentId);
    if (!c) {
      c = emptyAssessmentCounters();
      out.set(t.departmentId, c);
    }
    addCounters(c, ticketCounters(t, excluded.get(t.ticketId)));
  }
  return out;
}

/** Competition ranks (1, 1, 3) by score, highest first; null scores get no rank. */
export function rankByScore<K>(rows: ReadonlyArray<{ key: K; score: number | null }>): Map<K, number | null> {
  const scored = rows
    .filter((r): r is { key: K; score: number } => r.score !== null)
    .sort((x, y) => y.score - x.score);
  const out = new Map<K, number | null>(rows.map((r) => [r.key, null]));
  scored.forEach((r, i) => {
    const prev = scored[i - 1];
    // Equal within floating-point noise: the same hand-computed score must share a rank.
    const tie = prev !== undefined && Math.abs(prev.score - r.score) < 1e-9;
    out.set(r.key, tie ? (out.get(prev.key) as number) : i + 1);
  });
  return out;
}

export function rankChange(previous: number | null | undefined, current: number | null): number | null {
  return previous == null || current === null ? null : previous - current;
}

// ─── Periods ─────────────────────────────────────────────────────────────────

const PERIOD_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isPeriodKey(v: string): boolean {
  return PERIOD_RE.test(v);
}

function monthShift(key: string, n: number): string {
  const m = PERIOD_RE.exec(key);
  if (!m) throw new RangeError(`Expected a period YYYY-MM, got ${JSON.stringify(key)}`);
  const index = Number(m[1]) * 12 + Number(m[2]) - 1 + n;
  return `${String(Math.floor(index / 12)).padStart(4, "0")}-${String((index % 12) + 1).padStart(2, "0")}`;
}

const dayIn = (key: string, day: number) => `${key}-${String(day).padStart(2, "0")}`;

/**
 * The days [fromDay, toDay) of period `key` (YYYY-MM, centre time). A period is named by the
 * month it ends in: with startDay 1 it is that calendar month; with startDay 19, "2026-11" is
 * 2026-10-19 … 2026-11-18.
 */
export function periodDays(key: string, startDay: number): { fromDay: string; toDay: string } {
  checkStartDay(startDay);
  if (startDay === 1) return { fromDay: dayIn(key, 1), toDay: dayIn(monthShift(key, 1), 1) };
  return { fromDay: dayIn(monthShift(key, -1), startDay), toDay: dayIn(key, startDay) };
}

/** The period a local day (YYYY-MM-DD) falls in. */
export function periodOfDay(day: string, startDay: number): string {
  checkStartDay(startDay);
  const month = day.slice(0, 7);
  if (startDay === 1) return month;
  return Number(day.slice(8, 10)) >= startDay ? monthShift(month, 1) : month;
}

export function previousPeriodKey(key: string): string {
  return monthShift(key, -1);
}

function checkStartDay(d: number): void {
  if (!Number.isInteger(d) || d < 1 || d > 28) throw new RangeError("A period starts on day 1..28");
}
