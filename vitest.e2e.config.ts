import { defineConfig } from "vitest/config";

/** Browser tests: the whole system plus headless Chromium, one file at a time. */
/** HOTLINE_CANARY=1 runs the must-fail browser canary instead (see .ci/run). */
const canary = Boolean(process.env.HOTLINE_CANARY);

export default defineConfig({
  test: {
    include: canary ? ["test/canary/browser.canary.ts"] : ["test/e2e/**/*.e2e.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // The UI answers after a request and a re-render: give polled expectations room.
    expect: { poll: { timeout: 10_000, interval: 100 } },
  },
});
