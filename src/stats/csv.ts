/** CSV for Excel users: UTF-8 with a BOM, CRLF rows, Chinese headers, rates as percentages. */
import type { AssessmentRow } from "./assessment.service.ts";
import type { DepartmentFigures } from "./stats.service.ts";

const BOM = "\uFEFF";

function cell(value: string | number | null): string {
  if (value === null) return "";
  const s = String(value);
  // Quote when needed; a leading = + - @ would be read as a formula, so neutralise it.
  const safe = /^[=+\-@]/.test(s) && typeof value === "string" ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function toCsv(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | null>>,
): string {
  return `${BOM}${[header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n")}\r\n`;
}

const pct = (r: number | null) => (r === null ? null : `${(r * 100).toFixed(2)}%`);

export function departmentsCsv(items: readonly DepartmentFigures[]): string {
  return toCsv(
    [
      "部门ID",
      "部门",
      "受理量",
      "办结量",
      "办结率",
      "按时办结率",
      "按时签收率",
      "满意率",
      "满意度",
      "解决率",
      "重办率",
      "退单率",
      "超期未办结",
    ],
    items.map((d) => [
      d.departmentId,
      d.departmentName,
      d.received,
      d.closed,
      pct(d.completionRate),
      pct(d.onTimeRate),
      pct(d.responseRate),
      pct(d.satisfactionRate),
      d.satisfactionScore === null ? null : d.satisfactionScore.toFixed(1),
      pct(d.resolutionRate),
      pct(d.reopenRate),
      pct(d.returnRate),
      d.overdueOpen,
    ]),
  );
}

/** The assessment ranking (三率), raw and adjusted (核减后). */
export function assessmentCsv(rows: readonly AssessmentRow[]): string {
  const score = (v: number | null) => (v === null ? null : v.toFixed(2));
  return toCsv(
    [
      "考核组",
      "排名",
      "排名变化",
      "部门ID",
      "部门",
      "有效回访",
      "响应率",
      "解决率",
      "满意率",
      "综合得分",
      "核减数",
      "核减后响应率",
      "核减后解决率",
      "核减后满意率",
      "核减后得分",
      "核减后排名",
    ],
    rows.map((r) => [
      r.groupName,
      r.rank,
      r.rankChange,
      r.departmentId,
      r.name,
      r.validCallbacks,
      pct(r.responseRate),
      pct(r.resolutionRate),
      pct(r.satisfactionRate),
      score(r.score),
      r.appealsAccepted,
      pct(r.adjusted.responseRate),
      pct(r.adjusted.resolutionRate),
      pct(r.adjusted.satisfactionRate),
      score(r.adjusted.score),
      r.adjusted.rank,
    ]),
  );
}
