// @ts-check
/** Times in the centre's zone (Asia/Shanghai, UTC+8 all year), remaining time, rates. */
import { getLang, t } from "./i18n.js";

export const TIME_ZONE = "Asia/Shanghai";
/** Shanghai has had no daylight saving since 1991: the offset is fixed. */
const OFFSET = "+08:00";

const dateTimeFmt = new Intl.DateTimeFormat("en-CA", {
  timeZone: TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** @param {Date} d */
function parts(d) {
  /** @type {Record<string, string>} */
  const p = {};
  for (const { type, value } of dateTimeFmt.formatToParts(d)) p[type] = value;
  return p;
}

/**
 * "2026-11-22 11:16" in Shanghai time; "—" for nothing.
 * @param {string | Date | null | undefined} value
 */
export function fmtDateTime(value) {
  if (!value) return t("dash");
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return t("dash");
  const p = parts(d);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** Today's date in Shanghai, YYYY-MM-DD. */
export function todayInShanghai(now = new Date()) {
  const p = parts(now);
  return `${p.year}-${p.month}-${p.day}`;
}

/**
 * Calendar arithmetic on YYYY-MM-DD strings.
 * @param {string} date
 * @param {number} days
 */
export function addDays(date, days) {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * A datetime-local input's value, read as Shanghai time, as an ISO time with offset.
 * @param {string} value e.g. "2026-11-25T18:00"
 */
export function shanghaiInputToIso(value) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return "";
  return `${value.length === 16 ? `${value}:00` : value}${OFFSET}`;
}

/**
 * An ISO time as a datetime-local value in Shanghai time.
 * @param {string | Date} value
 */
export function isoToShanghaiInput(value) {
  const p = parts(value instanceof Date ? value : new Date(value));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/**
 * "2天3小时" / "2d 3h" for a duration; the two largest units.
 * @param {number} ms
 */
export function fmtDuration(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  if (minutes < 1) return t("time.lessThanMinute");
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const units = [];
  if (d) units.push(t("time.days", { n: d }));
  if (h) units.push(t("time.hours", { n: h }));
  if (m && !d) units.push(t("time.minutes", { n: m }));
  return units.slice(0, 2).join(getLang() === "zh" ? "" : " ");
}

/**
 * Remaining time to a deadline: "剩余 2天3小时" or "超期 5小时".
 * @param {string | null | undefined} deadline
 * @param {Date} [now]
 * @returns {{ text: string, overdue: boolean } | null}
 */
export function remaining(deadline, now = new Date()) {
  if (!deadline) return null;
  const ms = new Date(deadline).getTime() - now.getTime();
  if (ms >= 0) return { text: t("time.left", { d: fmtDuration(ms) }), overdue: false };
  return { text: t("time.overdueBy", { d: fmtDuration(ms) }), overdue: true };
}

/**
 * A rate in 0..1 as a percentage with one decimal, "—" for null.
 * @param {number | null | undefined} v
 */
export function fmtRate(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return t("dash");
  return `${(v * 100).toFixed(1)}%`;
}

/**
 * A 0..100 score with one decimal, "—" for null.
 * @param {number | null | undefined} v
 */
export function fmtScore(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return t("dash");
  return v.toFixed(1);
}

/**
 * A count with grouping, "—" for null.
 * @param {number | null | undefined} v
 */
export function fmtCount(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return t("dash");
  return new Intl.NumberFormat("en-US").format(v);
}
