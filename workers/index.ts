import type { Services } from "../src/system.ts";

/**
 * Starts every queue processor in this process and returns a function that stops them
 * gracefully. `npm run workers` runs this alone; `npm start` runs it inside the API.
 */
export async function startAllWorkers(_services: Services): Promise<() => Promise<void>> {
  const stops: Array<() => Promise<void>> = [];
  return async () => {
    await Promise.all(stops.map((s) => s()));
  };
}
