/** CSV for Excel users: UTF-8 with a BOM, CRLF rows, Chinese headers, rates as percentages. */
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
