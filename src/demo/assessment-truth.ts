/**
 * The generator's assessment (三率) side: what the callback survey answers about contact, the
 * appeals departments file against their assessed callbacks and how they are decided, and the
 * TRUE assessment figures of a period — tallied from the generator's model with the pure
 * definitions of src/stats/assessment.ts, never from the database.
 *
 * Appeals are not part of the NDJSON import (a line is a ticket's lifecycle); they are loaded
 * after it through the appeal service, at their historical times (`loadPlannedAppeals`).
 */
import type { AppealService } from "../appeals/appeal.service.ts";
import type { Principal } from "../auth/principal.ts";
import {
  type AppealGround,
  type AssessedTicket,
  type AssessmentFigures,
  type AssessmentSettings,
  assessmentFigures,
  DEFAULT_ASSESSMENT,
  departmentCounters,
  emptyAssessmentCounters,
  periodOfDay,
  type ValidRating,
} from "../stats/assessment.ts";
import { dayOf } from "../stats/metrics.ts";

const HOUR = 3_600_000;

export interface ValidCallback {
  at: number;
  rating: ValidRating;
  resolved: boolean;
  /** null: the callback did not ask. */
  contacted: boolean | null;
}

/** What the assessment reads of a generated ticket when its story ends. */
export interface AssessedOutcome {
  holder: string;
  merged: boolean;
  /** A RESOLVE_OVERDUE happened. */
  overdue: boolean;
  /** The latest callback that reached the citizen. */
  lastValid: ValidCallback | null;
}

export interface PlannedAppeal {
  ref: string;
  ground: AppealGround;
  reason: string;
  filedAt: number;
  decision: "accept" | "reject";
  decisionReason: string;
  decidedAt: number;
}

/** Whether the unit contacted the citizen, as the callback records it (5 % not asked). */
export function askContacted(r: () => number, rating: ValidRating): boolean | null {
  if (r() < 0.05) return null;
  const p = rating === "satisfied" ? 0.97 : rating === "basically_satisfied" ? 0.9 : 0.6;
  return r() < p;
}

/** Grounds the callback gives cause for (appeal.service.ts, restated for the model). */
function causes(o: AssessedOutcome & { lastValid: ValidCallback }): AppealGround[] {
  const out: AppealGround[] = [];
  if (o.lastValid.rating !== "satisfied") out.push("rating");
  if (!o.lastValid.resolved) out.push("resolved");
  if (o.lastValid.contacted === false) out.push("contacted");
  if (o.overdue) out.push("overdue");
  return out;
}

interface Tallied {
  ref: string;
  holder: string;
  cb: ValidCallback;
  overdue: boolean;
  excluded: Set<AppealGround>;
}

export class AssessmentTruth {
  private readonly tickets: Tallied[] = [];
  readonly appeals: PlannedAppeal[] = [];

  /**
   * Records a finished ticket and plans its appeal (one in eight of those with a cause); an
   * appeal that would be decided at or after `cutoff` (the generator's: nothing happens from
   * then on) is not planned.
   */
  add(ref: string, o: AssessedOutcome, r: () => number, cutoff = Number.POSITIVE_INFINITY): void {
    if (o.merged || !o.lastValid || o.holder === "") return;
    const t: Tallied = { ref, holder: o.holder, cb: o.lastValid, overdue: o.overdue, excluded: new Set() };
    this.tickets.push(t);
    const open = causes({ ...o, lastValid: o.lastValid });
    if (open.length === 0 || r() >= 0.125) return;
    const ground = open[Math.floor(r() * open.length)] as AppealGround;
    const filedAt = o.lastValid.at + HOUR * (1 + r() * 20);
    const accept = r() < 0.6;
    const decidedAt = filedAt + HOUR * (1 + r() * 40);
    if (decidedAt >= cutoff) return;
    this.appeals.push({
      ref,
      ground,
      reason: "市民诉求超出本单位职权，已按政策答复",
      filedAt,
      decision: accept ? "accept" : "reject",
      decisionReason: accept ? "经核实属实，予以核减" : "理由不充分，不予核减",
      decidedAt,
    });
    if (accept) t.excluded.add(ground);
  }

  /**
   * The true figures of a period per department code: raw, adjusted (accepted appeals left
   * out, ground by ground) and the number of grounds adjusted out.
   */
  figures(
    period: string,
    opts: { timeZone?: string; settings?: AssessmentSettings } = {},
  ): Map<string, { raw: AssessmentFigures; adjusted: AssessmentFigures; appealsAccepted: number }> {
    const tz = opts.timeZone ?? "Asia/Shanghai";
    const s = opts.settings ?? DEFAULT_ASSESSMENT;
    const codes = new Map<string, number>();
    const assessed: AssessedTicket[] = [];
    const excluded = new Map<number, Set<AppealGround>>();
    const accepted = new Map<string, number>();
    for (const t of this.tickets) {
      if (periodOfDay(dayOf(new Date(t.cb.at), tz), s.startDay) !== period) continue;
      if (!codes.has(t.holder)) codes.set(t.holder, codes.size + 1);
      const ticketId = assessed.length + 1;
      assessed.push({
        ticketId,
        departmentId: codes.get(t.holder) as number,
        rating: t.cb.rating,
        resolved: t.cb.resolved,
        contacted: t.cb.contacted,
        overdue: t.overdue,
      });
      excluded.set(ticketId, t.excluded);
      if (t.excluded.size) accepted.set(t.holder, (accepted.get(t.holder) ?? 0) + t.excluded.size);
    }
    const raw = departmentCounters(assessed);
    const adjusted = departmentCounters(assessed, excluded);
    const out = new Map<
      string,
      { raw: AssessmentFigures; adjusted: AssessmentFigures; appealsAccepted: number }
    >();
    for (const [code, id] of codes)
      out.set(code, {
        raw: assessmentFigures(raw.get(id) ?? emptyAssessmentCounters(), s),
        adjusted: assessmentFigures(adjusted.get(id) ?? emptyAssessmentCounters(), s),
        appealsAccepted: accepted.get(code) ?? 0,
      });
    return out;
  }
}

/**
 * Files and decides the planned appeals through the appeal service, at their historical times,
 * under `userId` (the importing user: as the import records historical callbacks), acting as a
 * handler of each ticket's department and as the reviewer. Returns how many were loaded.
 */
export async function loadPlannedAppeals(
  s: { appeals: AppealService; pool: import("pg").Pool },
  planned: readonly PlannedAppeal[],
  userId: number,
): Promise<number> {
  if (planned.length === 0) return 0;
  const { rows } = await s.pool.query<{ id: number; external_ref: string; department_id: number }>(
    "SELECT id, external_ref, department_id FROM tickets WHERE external_ref = ANY($1::text[])",
    [planned.map((p) => p.ref)],
  );
  const byRef = new Map(rows.map((r) => [r.external_ref, r]));
  const as = (role: "handler" | "reviewer", departmentId: number | null): Principal => ({
    id: userId,
    username: "import",
    displayName: "import",
    role,
    departmentId,
  });
  let n = 0;
  for (const p of planned) {
    const t = byRef.get(p.ref);
    if (!t) throw new Error(`appeal for ${p.ref}: no such imported ticket`);
    const filed = await s.appeals.file(
      as("handler", t.department_id),
      t.id,
      { ground: p.ground, reason: p.reason },
      new Date(p.filedAt),
    );
    await s.appeals.decide(
      as("reviewer", null),
      filed.id,
      { decision: p.decision, reason: p.decisionReason },
      new Date(p.decidedAt),
    );
    n++;
  }
  return n;
}
