import type { Services } from "../src/system.ts";

/** Rollup processors and the periodic rebuild; returns a graceful stop. */
export async function startStatsWorkers(_s: Services): Promise<() => Promise<void>> {
  return async () => {};
}
