import { defineConfig } from "vitest/config";

/** HOTLINE_CANARY=1 runs the must-fail canaries instead (see .ci/run). */
const canary = Boolean(process.env.HOTLINE_CANARY);

export default defineConfig({
  test: {
    include: canary
      ? ["test/canary/fails.canary.ts", "test/canary/throws.canary.ts"]
      : ["src/**/*.test.ts", "test/**/*.test.ts", "workers/**/*.test.ts"],
    exclude: ["test/e2e/**", "node_modules/**"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: integration files each start a whole system; keep them from starving each other.
    maxWorkers: 2,
  },
});
