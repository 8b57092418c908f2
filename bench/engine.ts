/**
 * The engine in this process: `startCheckout` exactly as a route handler calls it, on this process's own pool.
 * Imported by run.ts only after DATABASE_URL and the rate limits are set, since lib/env reads them on import.
 */
import { pool } from "../db/client";
import { startCheckout } from "../lib/checkout";
import { env } from "../lib/platform/env";
import { createLocation, holdQueueSettings, listLocations, reconcileStock } from "../lib/inventory";
import type { BenchShopper } from "./fixtures";
import { runLoad, type LoadResult } from "./load";

/**
 * Each shopper on an address of its own, as in a sale with many visitors, so each start is counted per address
 * (RATE_LIMIT_…_PER_IP_… at their defaults): the rows it touches are mostly new, the dearest case.
 */
const addressOf = (shopperId: string) =>
  `10.${Number.parseInt(shopperId.slice(0, 2), 16)}.${Number.parseInt(shopperId.slice(2, 4), 16)}.${Number.parseInt(shopperId.slice(4, 6), 16)}`;

export async function runEngine(
  shoppers: readonly BenchShopper[],
  concurrency: number,
  timeLimitMs: number,
): Promise<LoadResult> {
  return runLoad(
    shoppers,
    concurrency,
    async (shopper) => {
      const { created } = await startCheckout(
        { id: shopper.id, kind: "guest", email: null, name: null },
        { email: shopper.email, clientAddress: addressOf(shopper.id) },
      );
      return created;
    },
    timeLimitMs,
  );
}

export { createLocation, holdQueueSettings, listLocations, reconcileStock };
export const poolSize = env.DATABASE_POOL_SIZE;

export async function closeEnginePool(): Promise<void> {
  await pool.end();
}
