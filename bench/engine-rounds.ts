/**
 * One side of the engine's comparison with an earlier commit (bench/previous.ts): run with its working directory
 * in one tree (this commit's, or the earlier commit's, into which this file is copied), so that `./engine`,
 * `./fixtures` and `../db/migrate` are that tree's own. It uses only what both trees have, and does exactly the
 * same work on either side:
 *   - migrates its own database (DATABASE_URL) with that tree's migrations, warms up (200 holds at 8 callers)
 *     and prints `READY`;
 *   - for each line `round` on stdin: a fresh one-variant product with exactly 2,000 units (at its one location),
 *     2,000 guests with a cart of one unit each, `startCheckout` at 64 callers; measures, as run.ts does, that the
 *     units reserved and the distinct holders equal the holds granted and that nothing is over on hand; prints
 *     `RESULT <json>`;
 *   - closes its pool and exits when stdin closes.
 */
import readline from "node:readline";
import postgres from "postgres";
import { runMigrations } from "../db/migrate";
import { createProducts, createShoppersWithCarts } from "./fixtures";
import { percentile, type LoadResult } from "./load";

const HOLDS = 2000;
const CONCURRENCY = 64;
const WARM_UP_HOLDS = 200;
const TIME_LIMIT_MS = 30_000;

export interface EngineRound {
  holds: number;
  failed: number;
  firstError?: string;
  holdsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  checked: boolean;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  await runMigrations(url);
  const engine = await import("./engine");
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const totals = async (productId: string) => {
    const [row] = await sql<{ reserved: number; holders: number; oversold: number }[]>`
      select coalesce(sum(reserved), 0)::int as reserved,
             count(*) filter (where reserved + allocated > on_hand)::int as oversold,
             (select count(distinct shopper_id)::int from reservations where status = 'active' and product_id = ${productId}) as holders
      from stock_levels where product_id = ${productId}`;
    return row!;
  };
  let rounds = 0;
  const round = async (): Promise<EngineRound> => {
    rounds += 1;
    const [productId] = await createProducts(sql, `bench-compare-hot-${rounds}`, 1, HOLDS);
    const shoppers = await createShoppersWithCarts(sql, [productId!], HOLDS);
    const before = await totals(productId!);
    const run: LoadResult = await engine.runEngine(shoppers, CONCURRENCY, TIME_LIMIT_MS);
    const after = await totals(productId!);
    return {
      holds: run.succeeded,
      failed: run.failed,
      ...(run.firstError ? { firstError: run.firstError } : {}),
      holdsPerSecond: Math.round(run.succeeded / (run.elapsedMs / 1000)),
      p50Ms: round1(percentile(run.latencies, 50)),
      p99Ms: round1(percentile(run.latencies, 99)),
      checked:
        after.oversold === 0 && after.reserved - before.reserved === run.succeeded && after.holders - before.holders === run.succeeded,
    };
  };
  try {
    const [warm] = await createProducts(sql, "bench-compare-warm", 1, 100_000);
    await engine.runEngine(await createShoppersWithCarts(sql, [warm!], WARM_UP_HOLDS), 8, TIME_LIMIT_MS);
    console.log("READY");
    for await (const line of readline.createInterface({ input: process.stdin })) {
      if (line.trim() === "round") console.log(`RESULT ${JSON.stringify(await round())}`);
    }
  } finally {
    await sql.end();
    await engine.closeEnginePool();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
