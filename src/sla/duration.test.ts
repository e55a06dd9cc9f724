import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  calendarDurationMs,
  DurationError,
  durationDays,
  durationTimeMs,
  formatDuration,
  isValidDuration,
  parseDuration,
  validateDuration,
} from "./duration.ts";

const H = 3_600_000;

describe("parseDuration", () => {
  it.each([
    ["P5D", { weeks: 0, days: 5, hours: 0, minutes: 0, seconds: 0 }],
    ["PT4H", { weeks: 0, days: 0, hours: 4, minutes: 0, seconds: 0 }],
    ["PT30M", { weeks: 0, days: 0, hours: 0, minutes: 30, seconds: 0 }],
    ["PT90S", { weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 90 }],
    ["P2W", { weeks: 2, days: 0, hours: 0, minutes: 0, seconds: 0 }],
    ["P1DT4H", { weeks: 0, days: 1, hours: 4, minutes: 0, seconds: 0 }],
    ["P1W2DT3H4M5S", { weeks: 1, days: 2, hours: 3, minutes: 4, seconds: 5 }],
    ["PT1.5H", { weeks: 0, days: 0, hours: 1.5, minutes: 0, seconds: 0 }],
    ["PT0,5H", { weeks: 0, days: 0, hours: 0.5, minutes: 0, seconds: 0 }],
    ["PT1H0.25S", { weeks: 0, days: 0, hours: 1, minutes: 0, seconds: 0.25 }],
    ["pt4h", { weeks: 0, days: 0, hours: 4, minutes: 0, seconds: 0 }],
    [" P1D ", { weeks: 0, days: 1, hours: 0, minutes: 0, seconds: 0 }],
    ["PT0S", { weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 }],
    ["P0D", { weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 }],
  ])("%s", (input, expected) => {
    expect(parseDuration(input)).toEqual(expected);
  });

  it.each([
    ["P1Y", /years are not supported/],
    ["P1M", /months are not supported/],
    ["P1Y2M3D", /years/],
    ["P2MT1H", /months/],
    ["", /empty/],
    ["P", /no components/],
    ["PT", /no components/],
    ["P1DT", /no components/],
    ["-P1D", /signed/],
    ["1D", /must start with "P"/],
    ["PT1H2D", /in that order/],
    ["P1D2W", /in that order/],
    ["PT-1H", /in that order/],
    ["P1.5D", /fractional weeks or days/],
    ["P0.5W", /fractional weeks or days/],
    ["PT1.5H30M", /only the last component/],
    ["P4000D", /longer than 3660 days/],
    ["PT999999999H", /longer than/],
    ["P1DT4H ago", /in that order/],
  ])("rejects %j", (input, reason) => {
    expect(() => parseDuration(input)).toThrow(DurationError);
    expect(() => parseDuration(input)).toThrow(reason);
    expect(isValidDuration(input)).toBe(false);
    expect(validateDuration(input)).toMatch(reason);
  });

  it("errors carry a code and the input for the HTTP layer", () => {
    try {
      parseDuration("P1M");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DurationError);
      expect((e as DurationError).code).toBe("invalid_duration");
      expect((e as DurationError).input).toBe("P1M");
      expect((e as Error).message).toContain('"P1M"');
    }
  });

  it("converts components", () => {
    const p = parseDuration("P1W2DT3H30M");
    expect(durationDays(p)).toBe(9);
    expect(durationTimeMs(p)).toBe(3.5 * H);
    expect(calendarDurationMs(p)).toBe(9 * 24 * H + 3.5 * H);
    expect(calendarDurationMs(parseDuration("PT1.5H"))).toBe(1.5 * H);
  });

  it("format ∘ parse round-trips on integer components", () => {
    const n = fc.integer({ min: 0, max: 40 });
    fc.assert(
      fc.property(n, n, n, n, n, (weeks, days, hours, minutes, seconds) => {
        const p = { weeks, days, hours, minutes, seconds };
        const s = formatDuration(p);
        expect(parseDuration(s)).toEqual(p);
        expect(isValidDuration(s)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("never throws anything but a DurationError on arbitrary input", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[PTWDHMSY0-9.,-]{0,12}$/)), (s) => {
        try {
          const p = parseDuration(s);
          expect(calendarDurationMs(p)).toBeGreaterThanOrEqual(0);
        } catch (e) {
          expect(e).toBeInstanceOf(DurationError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
