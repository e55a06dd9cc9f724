import { expect, it } from "vitest";

/**
 * The CI canary: a test that must fail. `.ci/run` runs it through the real vitest configs
 * (HOTLINE_CANARY=1) with the real global setup, and stops if that run exits 0 — proof that
 * a failing test still turns `npm test` red. Outside the normal include pattern on purpose.
 */
it("fails on purpose", () => {
  expect(1).toBe(2);
});
