/**
 * The baseline: the bare hold transaction a first design would write, in raw SQL through postgres.js with one
 * connection per concurrent client —
 *   BEGIN; SELECT … FOR UPDATE; INSERT hold; UPDATE stock; COMMIT
 * The stock row stays locked across four client round trips and the commit.
 */
import postgres from "postgres";
import { runLoad, type LoadResult } from "./load";

export interface BaselineHold {
  shopperId: string;
  productId: string;
}

class Shortage extends Error {}

export async function runBaseline(
  url: string,
  holds: readonly BaselineHold[],
  concurrency: number,
  timeLimitMs: number,
): Promise<LoadResult> {
  const sql = postgres(url, { max: concurrency, onnotice: () => {} });
  try {
    // Open every connection before the clock starts, as the engine's pool is warm too.
    await Promise.all(Array.from({ length: concurrency }, () => sql`select 1`));
    return await runLoad(
      holds,
      concurrency,
      async (hold) => {
        try {
          await sql.begin(async (tx) => {
            const [row] = await tx<{ free: number }[]>`
              select on_hand - reserved - allocated as free from bench_baseline_stock
              where variant_id = ${hold.productId} for update`;
            if (!row || row.free < 1) throw new Shortage();
            await tx`
              insert into bench_baseline_holds (checkout_id, shopper_id, product_id, variant_id, quantity, unit_price_cents, expires_at)
              values (gen_random_uuid(), ${hold.shopperId}, ${hold.productId}, ${hold.productId}, 1, 1000, now() + interval '900 seconds')`;
            await tx`
              update bench_baseline_stock set reserved = reserved + 1, updated_at = now()
              where variant_id = ${hold.productId}`;
          });
          return true;
        } catch (error) {
          if (error instanceof Shortage) return false;
          throw error;
        }
      },
      timeLimitMs,
    );
  } finally {
    await sql.end();
  }
}

/** Baseline's oversell check: per product, reserved equals its hold rows and never passes on hand. */
export async function checkBaseline(url: string): Promise<{ ok: boolean; reserved: number; holds: number }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ reserved: number; holds: number; bad: number }[]>`
      select coalesce(sum(s.reserved), 0)::int as reserved,
             (select count(*)::int from bench_baseline_holds) as holds,
             count(*) filter (where s.reserved > s.on_hand
                                 or s.reserved <> (select count(*) from bench_baseline_holds h
                                                   where h.product_id = s.product_id))::int as bad
      from bench_baseline_stock s`;
    return { ok: row!.bad === 0 && row!.reserved === row!.holds, reserved: row!.reserved, holds: row!.holds };
  } finally {
    await sql.end();
  }
}
