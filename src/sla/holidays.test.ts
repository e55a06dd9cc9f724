import { isWorkday } from "chinese-days";
import { describe, expect, it } from "vitest";
import { defaultCalendar, isWorkingDay } from "./calendar.ts";
import {
  SHIPPED_CALENDAR_DAYS,
  SHIPPED_CALENDAR_MISSING_YEARS,
  SHIPPED_CALENDAR_YEARS,
  type ShippedCalendarDay,
} from "./holidays.ts";

/**
 * The State Council notices (国务院办公厅关于 20xx 年部分节假日安排的通知), transcribed
 * independently of the package: [name, first day, last day] of each holiday period, and the
 * make-up working days (调休上班).
 *   2024: 国办发明电〔2023〕7号   2025: 国办发明电〔2024〕12号   2026: 国办发明电〔2025〕7号
 */
const OFFICIAL: Record<
  number,
  { holidays: Array<[string, string, string]>; workdays: Array<[string, string]> }
> = {
  2024: {
    holidays: [
      ["元旦", "01-01", "01-01"],
      ["春节", "02-10", "02-17"],
      ["清明节", "04-04", "04-06"],
      ["劳动节", "05-01", "05-05"],
      ["端午节", "06-10", "06-10"],
      ["中秋节", "09-15", "09-17"],
      ["国庆节", "10-01", "10-07"],
    ],
    workdays: [
      ["春节", "02-04"],
      ["春节", "02-18"],
      ["清明节", "04-07"],
      ["劳动节", "04-28"],
      ["劳动节", "05-11"],
      ["中秋节", "09-14"],
      ["国庆节", "09-29"],
      ["国庆节", "10-12"],
    ],
  },
  2025: {
    holidays: [
      ["元旦", "01-01", "01-01"],
      ["春节", "01-28", "02-04"],
      ["清明节", "04-04", "04-06"],
      ["劳动节", "05-01", "05-05"],
      ["端午节", "05-31", "06-02"],
      ["国庆节", "10-01", "10-08"], // 国庆节、中秋节 together; Oct 6 is 中秋 itself
    ],
    workdays: [
      ["春节", "01-26"],
      ["春节", "02-08"],
      ["劳动节", "04-27"],
      ["国庆节", "09-28"],
      ["国庆节", "10-11"],
    ],
  },
  2026: {
    holidays: [
      ["元旦", "01-01", "01-03"],
      ["春节", "02-15", "02-23"],
      ["清明节", "04-04", "04-06"],
      ["劳动节", "05-01", "05-05"],
      ["端午节", "06-19", "06-21"],
      ["中秋节", "09-25", "09-27"],
      ["国庆节", "10-01", "10-07"],
    ],
    workdays: [
      ["元旦", "01-04"],
      ["春节", "02-14"],
      ["春节", "02-28"],
      ["劳动节", "05-09"],
      ["国庆节", "09-20"],
      ["国庆节", "10-10"],
    ],
  },
};

function expand(year: number): Map<string, ShippedCalendarDay> {
  const out = new Map<string, ShippedCalendarDay>();
  const spec = OFFICIAL[year];
  if (!spec) throw new Error(`no notice for ${year}`);
  for (const [name, from, to] of spec.holidays) {
    for (
      let t = Date.parse(`${year}-${from}T00:00:00Z`);
      t <= Date.parse(`${year}-${to}T00:00:00Z`);
      t += 86_400_000
    ) {
      const date = new Date(t).toISOString().slice(0, 10);
      out.set(date, { date, kind: "holiday", name });
    }
  }
  for (const [name, md] of spec.workdays)
    out.set(`${year}-${md}`, { date: `${year}-${md}`, kind: "workday", name });
  return out;
}

const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();

describe("shipped holiday data", () => {
  it("covers 2024–2026; 2027 is not in chinese-days yet (admins enter it)", () => {
    expect(SHIPPED_CALENDAR_YEARS).toEqual([2024, 2025, 2026]);
    expect(SHIPPED_CALENDAR_MISSING_YEARS).toEqual([2027]);
    expect(SHIPPED_CALENDAR_DAYS.some((d) => d.date.startsWith("2027-"))).toBe(false);
  });

  it.each([2024, 2025, 2026])("%i matches the State Council notice day for day", (year) => {
    const official = expand(year);
    const shipped = SHIPPED_CALENDAR_DAYS.filter((d) => d.date.startsWith(`${year}-`));
    expect(shipped.map((d) => `${d.date} ${d.kind}`).sort()).toEqual(
      [...official.values()].map((d) => `${d.date} ${d.kind}`).sort(),
    );
    for (const d of shipped) {
      const o = official.get(d.date);
      // 2025-10-06 is 中秋节 inside the combined 国庆节/中秋节 period
      if (d.date === "2025-10-06") expect(d.name).toBe("中秋节");
      else expect(d.name, d.date).toBe(o?.name);
    }
  });

  it("is sorted, has unique dates, and make-up workdays fall on weekends", () => {
    const dates = SHIPPED_CALENDAR_DAYS.map((d) => d.date);
    expect([...dates].sort()).toEqual(dates);
    expect(new Set(dates).size).toBe(dates.length);
    for (const d of SHIPPED_CALENDAR_DAYS) {
      expect(d.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]).toContain(d.name);
      if (d.kind === "workday") expect([0, 6], d.date).toContain(weekday(d.date));
    }
  });

  it("agrees with chinese-days' own isWorkday for every day of 2024–2026", () => {
    const cal = defaultCalendar();
    for (
      let t = Date.parse("2024-01-01T00:00:00Z");
      t < Date.parse("2027-01-01T00:00:00Z");
      t += 86_400_000
    ) {
      const date = new Date(t).toISOString().slice(0, 10);
      expect(isWorkingDay(date, cal), date).toBe(isWorkday(date));
    }
  });
});
