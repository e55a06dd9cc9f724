// @ts-check
/**
 * Period-over-period change of a KPI: against the previous period of the same length (環比).
 * Pure: the caller formats the numbers and picks the words.
 *
 * Which way is good depends on the figure: more on-time, satisfied, resolved is good; more
 * reopened and returned is bad; volumes (received, closed) are neither. Overdue open and
 * warnings are counted as of now, so last period's tickets have had more time to be late:
 * they are not compared.
 */

/** Higher is better. */
const UP_GOOD = new Set([
  "completionRate",
  "onTimeRate",
  "responseRate",
  "satisfactionRate",
  "satisfactionScore",
  "resolutionRate",
]);
/** Lower is better. */
const DOWN_GOOD = new Set(["reopenRate", "returnRate"]);
/** As of now: no comparison. */
const NOT_COMPARED = new Set(["overdueOpen", "warnings"]);

/**
 * [from, to) of the period of the same length just before [from, to) (YYYY-MM-DD, `to` exclusive).
 * @param {string} from
 * @param {string} to
 */
export function previousRange(from, to) {
  const day = (/** @type {string} */ s) => Date.parse(`${s}T00:00:00Z`);
  const len = day(to) - day(from);
  return { from: new Date(day(from) - len).toISOString().slice(0, 10), to: from };
}

/**
 * @typedef {{ direction: "up" | "down" | "flat", sense: "good" | "bad" | "neutral",
 *   delta: number, relative: number | null }} Change
 *   `delta` in the figure's unit (a rate's in 0..1, i.e. ×100 = percentage points);
 *   `relative` (counts only) against the previous value, null when that was 0.
 */

/**
 * @param {string} key the KPI
 * @param {"count" | "rate" | "score"} kind
 * @param {number | null | undefined} current
 * @param {number | null | undefined} previous
 * @returns {Change | null} null when there is nothing to compare
 */
export function kpiChange(key, kind, current, previous) {
  if (NOT_COMPARED.has(key)) return null;
  if (current === null || current === undefined || previous === null || previous === undefined) return null;
  const delta = current - previous;
  // Rates compare to a tenth of a percentage point, scores to a tenth, as the cards show them.
  const shown =
    kind === "rate" ? Math.round(delta * 1000) / 10 : kind === "score" ? Math.round(delta * 10) / 10 : delta;
  const direction = shown > 0 ? "up" : shown < 0 ? "down" : "flat";
  const better = UP_GOOD.has(key) ? 1 : DOWN_GOOD.has(key) ? -1 : 0;
  const signed = direction === "up" ? better : direction === "down" ? -better : 0;
  return {
    direction,
    sense: signed > 0 ? "good" : signed < 0 ? "bad" : "neutral",
    delta,
    relative: kind === "count" && previous !== 0 ? delta / previous : null,
  };
}
