import { type StatsWorkerDeps, startStatsWorkers } from "./stats.worker.ts";
import { startTimerWorkers, type TimerWorkerDeps } from "./timers.worker.ts";

/**
 * Starts every queue processor in this process and returns a function that stops them
 * gracefully. `npm run workers` runs this alone; `npm start` runs it inside the API.
 */
export async function startAllWorkers(
  services: TimerWorkerDeps & StatsWorkerDeps,
): Promise<() => Promise<void>> {
  const stops = [await startTimerWorkers(services), await startStatsWorkers(services)];
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
