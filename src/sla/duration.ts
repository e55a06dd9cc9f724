/**
 * ISO 8601 durations as SLA policies use them: weeks, days, hours, minutes, seconds.
 *
 * Accepted: `P3D`, `PT4H`, `PT30M`, `PT90S`, `P1W`, `P1DT4H`, `P1W2D`, `PT1H30M`, lower case
 * (`pt4h`), and a decimal fraction on the last time component (`PT1.5H`, `PT0,5H`, `PT1.25S`)
 * as ISO 8601 allows. Rejected with a {@link DurationError}: years and months (their length
 * depends on the calendar, and no hotline SLA is stated in them), negative or signed values,
 * fractional days or weeks (ambiguous on the working clock), an empty `P`/`PT`, and anything
 * longer than {@link MAX_DURATION_DAYS} days.
 */

/** The components of a parsed duration; all finite and >= 0; `weeks` and `days` are integers. */
export interface ParsedDuration {
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/** No SLA runs for ten years; the cap also bounds the calendar search in `calendar.ts`. */
export const MAX_DURATION_DAYS = 3660;

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;

/** A duration string that cannot be used; `code` lets the HTTP layer map it to a 400. */
export class DurationError extends RangeError {
  readonly code = "invalid_duration" as const;
  readonly input: string;

  constructor(input: string, reason: string) {
    super(`Invalid ISO 8601 duration ${JSON.stringify(input)}: ${reason}`);
    this.name = "DurationError";
    this.input = input;
  }
}

const NUMBER = String.raw`(\d+(?:[.,]\d+)?)`;
const DURATION_RE = new RegExp(
  `^P(?:${NUMBER}W)?(?:${NUMBER}D)?(?:T(?:${NUMBER}H)?(?:${NUMBER}M)?(?:${NUMBER}S)?)?$`,
);

const cache = new Map<string, ParsedDuration>();

/**
 * Parses an ISO 8601 duration; throws {@link DurationError} with a reason a person can act on.
 * Results are cached (the timer benchmark parses the same few policy strings 100,000 times)
 * and frozen, so callers must not mutate them.
 */
export function parseDuration(input: string): ParsedDuration {
  const hit = cache.get(input);
  if (hit) return hit;
  const parsed = Object.freeze(parseUncached(input));
  if (cache.size < 1000) cache.set(input, parsed);
  return parsed;
}

function parseUncached(input: string): ParsedDuration {
  if (typeof input !== "string") throw new DurationError(String(input), "expected a string");
  const s = input.trim().toUpperCase();
  if (s.length === 0) throw new DurationError(input, "empty string");
  if (s.startsWith("-") || s.startsWith("+")) {
    throw new DurationError(input, "signed durations are not supported; a deadline lies after its start");
  }
  if (!s.startsWith("P")) throw new DurationError(input, 'must start with "P", e.g. P5D, PT4H, P1DT4H');
  const [datePart = "", timePart] = s.slice(1).split("T", 2);
  if (/Y/.test(datePart)) {
    throw new DurationError(input, "years are not supported; state the SLA in days or weeks (e.g. P365D)");
  }
  if (/M/.test(datePart)) {
    throw new DurationError(
      input,
      "months are not supported (P1M is a month; for minutes write PT1M); state the SLA in days (e.g. P30D)",
    );
  }
  if (s === "P" || s === "PT" || timePart === "") {
    throw new DurationError(input, "no components; write e.g. P5D, PT4H or P1DT4H");
  }
  const m = DURATION_RE.exec(s);
  if (!m) {
    throw new DurationError(
      input,
      "expected P[n]W[n]D[T[n]H[n]M[n]S] with components in that order, e.g. P1W, P5D, PT30M, P1DT4H",
    );
  }
  const raw = m.slice(1, 6);
  const present = raw.map((g) => g !== undefined);
  const values = raw.map((g) => (g === undefined ? 0 : Number(g.replace(",", "."))));
  const lastPresent = present.lastIndexOf(true);
  raw.forEach((g, i) => {
    if (g !== undefined && /[.,]/.test(g)) {
      if (i < 2) throw new DurationError(input, "fractional weeks or days are not supported; use hours");
      if (i !== lastPresent) throw new DurationError(input, "only the last component may have a fraction");
    }
  });
  const [weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0] = values;
  const parsed: ParsedDuration = { weeks, days, hours, minutes, seconds };
  const nominalMs = calendarDurationMs(parsed);
  if (!Number.isFinite(nominalMs) || nominalMs > MAX_DURATION_DAYS * MS_PER_DAY) {
    throw new DurationError(input, `longer than ${MAX_DURATION_DAYS} days`);
  }
  return parsed;
}

/** `null` when valid, else the reason (the message of the {@link DurationError}). */
export function validateDuration(input: string): string | null {
  try {
    parseDuration(input);
    return null;
  } catch (e) {
    if (e instanceof DurationError) return e.message;
    throw e;
  }
}

export function isValidDuration(input: string): boolean {
  return validateDuration(input) === null;
}

/** The day/week component in days (a week is 7 days here; the working clock counts weeks itself). */
export function durationDays(d: ParsedDuration): number {
  return d.weeks * 7 + d.days;
}

/** The hours/minutes/seconds component in milliseconds (rounded to whole ms). */
export function durationTimeMs(d: ParsedDuration): number {
  return Math.round(d.hours * MS_PER_HOUR + d.minutes * MS_PER_MINUTE + d.seconds * MS_PER_SECOND);
}

/** Elapsed milliseconds on the calendar clock, where a day is 24 hours. */
export function calendarDurationMs(d: ParsedDuration): number {
  return durationDays(d) * MS_PER_DAY + durationTimeMs(d);
}

export function isZeroDuration(d: ParsedDuration): boolean {
  return durationDays(d) === 0 && durationTimeMs(d) === 0;
}

/** Canonical string form, e.g. `{days: 1, hours: 4}` → `P1DT4H`; zero → `PT0S`. */
export function formatDuration(d: ParsedDuration): string {
  let date = "";
  if (d.weeks) date += `${d.weeks}W`;
  if (d.days) date += `${d.days}D`;
  let time = "";
  if (d.hours) time += `${d.hours}H`;
  if (d.minutes) time += `${d.minutes}M`;
  if (d.seconds) time += `${d.seconds}S`;
  if (!date && !time) return "PT0S";
  return `P${date}${time ? `T${time}` : ""}`;
}
