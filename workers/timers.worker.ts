import type { Services } from "../src/system.ts";

/** Timer and reconciliation processors; returns a graceful stop. */
export async function startTimerWorkers(_s: Services): Promise<() => Promise<void>> {
  return async () => {};
}
