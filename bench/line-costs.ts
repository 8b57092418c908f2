/**
 * What kits and pre-orders cost the engine against the lines they stand for, taking turns in one run (this
 * machine is shared and noisy: only ratios within a run mean anything):
 * - a cart of one kit made of 3 variants vs a cart of those 3 variants as 3 lines (the same stock rows, locked
 *   and written alike);
 * - a cart of one pre-order line (the shelf empty, units on their way) vs one line taken from the shelf.
 * Every start is meant to hold: each product has exactly the units the run takes.
 */
import type postgres from "postgres";
import { createShoppersWithVariantCarts, createVariantProducts, type BenchShopper } from "./fixtures";
import { percentile, round1, type LoadResult } from "./load";

const STARTS = 600;
const ROUNDS = 5;
const CONCURRENCY = 64;
const TIME_LIMIT_MS = 30_000;

export type LineCase = "three-lines" | "kit-of-three" | "shelf-line" | "preorder-line";

export interface LineCostRun {
  case: LineCase;
  round: number;
  starts: number;
  failed: number;
  startsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Reserved grew by exactly the units the held carts need, and no row is past on hand + incoming. */
  checked: boolean;
}

export interface LineCostReport {
  concurrency: number;
  startsPerRun: number;
  runs: LineCostRun[];
  /** Medians of each case's rounds (checkout starts/s). */
  medians: Record<LineCase, number>;
  /** Kit carts' starts/s over the 3-line carts' (≥ 1: a kit costs no more than its lines). */
  kitVsLines: number;
  /** Pre-order starts/s over shelf starts/s. */
  preorderVsShelf: number;
}

type Engine = { runEngine(shoppers: readonly BenchShopper[], concurrency: number, timeLimitMs: number): Promise<LoadResult> };

/** A kit product of these variants (one of each), with its one variant; returns the kit variant's id. */
async function makeKit(sql: postgres.Sql, slug: string, componentIds: string[]): Promise<string> {
  const [kit] = await sql<{ variant_id: string }[]>`
    with product as (
      insert into products (slug, kind, name, price_cents) values (${slug}, 'kit', ${`Bench kit ${slug}`}, 3000) returning id
    ), variant as (
      insert into product_variants (product_id, kind, sku, price_cents) select id, 'kit', upper(${slug}), 3000 from product returning id
    ), component as (
      insert into kit_components (kit_variant_id, component_variant_id, component_product_id, quantity, position)
      select variant.id, c.id, c.product_id, 1, c.position from variant, product_variants c where c.id = any(${componentIds}::uuid[])
    )
    select id as variant_id from variant`;
  return kit!.variant_id;
}

/** Marks a variant for pre-order with `units` on their way to the first location (its delivery and ledger row). */
async function onItsWay(sql: postgres.Sql, productId: string, variantId: string, units: number): Promise<void> {
  await sql`
    with place as (select id from locations where active order by priority, id limit 1),
    variant as (update product_variants set preorder = true where id = ${variantId}),
    row as (update stock_levels set preorder = true, incoming = ${units} where variant_id = ${variantId}
              and location_id = (select id from place)),
    delivery as (
      insert into incoming_deliveries (product_id, variant_id, location_id, quantity, expected_on)
      select ${productId}, ${variantId}, id, ${units}, current_date + 30 from place returning id, location_id
    )
    insert into stock_movements (product_id, variant_id, location_id, kind, incoming_delta, delivery_id, reason)
    select ${productId}, ${variantId}, location_id, 'incoming', ${units}, id, 'expected' from delivery`;
}

/** Reserved units of these products' stock rows, and rows past on hand + incoming. */
async function totals(sql: postgres.Sql, productIds: string[]) {
  const [row] = await sql<{ reserved: number; oversold: number }[]>`
    select coalesce(sum(reserved), 0)::int as reserved,
           count(*) filter (where reserved + allocated > on_hand + incoming)::int as oversold
    from stock_levels where product_id = any(${productIds}::uuid[])`;
  return row!;
}

/** Builds one case's shop and carts, then runs its checkout starts. */
async function runCase(sql: postgres.Sql, engine: Engine, which: LineCase, round: number): Promise<LineCostRun> {
  const tag = `bench-${which}-${round}-${Date.now().toString(36)}`;
  const lines = which === "three-lines" || which === "kit-of-three" ? 3 : 1;
  const [product] = await createVariantProducts(sql, tag, 1, lines, which === "preorder-line" ? 0 : STARTS);
  let cartVariants = product!.variantIds;
  if (which === "kit-of-three") cartVariants = [await makeKit(sql, `${tag}-kit`, product!.variantIds)];
  if (which === "preorder-line") await onItsWay(sql, product!.productId, product!.variantIds[0]!, STARTS);
  const shoppers = await createShoppersWithVariantCarts(sql, cartVariants, STARTS);
  const before = await totals(sql, [product!.productId]);
  const run = await engine.runEngine(shoppers, CONCURRENCY, TIME_LIMIT_MS);
  const after = await totals(sql, [product!.productId]);
  return {
    case: which,
    round,
    starts: run.succeeded,
    failed: run.failed + (run.attempted - run.succeeded - run.failed),
    startsPerSecond: Math.round((run.succeeded / run.elapsedMs) * 1000),
    p50Ms: round1(percentile(run.latencies, 50)),
    p99Ms: round1(percentile(run.latencies, 99)),
    checked: after.oversold === 0 && after.reserved - before.reserved === run.succeeded * lines,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

export async function measureLineCosts(sql: postgres.Sql, engine: Engine, log: (line: string) => void): Promise<LineCostReport> {
  log(`Kits and pre-orders against the lines they stand for: ${STARTS} checkout starts per run at ${CONCURRENCY} shoppers, ${ROUNDS} rounds taking turns`);
  const cases: LineCase[] = ["three-lines", "kit-of-three", "shelf-line", "preorder-line"];
  const runs: LineCostRun[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const which of cases) {
      const run = await runCase(sql, engine, which, round);
      runs.push(run);
      log(
        `  round ${round}  ${which.padEnd(14)} ${String(run.startsPerSecond).padStart(5)} starts/s  p50 ${run.p50Ms} ms  p99 ${run.p99Ms} ms` +
          `${run.failed ? `  ${run.failed} FAILED` : ""}${run.checked ? "" : "  CHECK FAILED"}`,
      );
    }
  }
  const medians = Object.fromEntries(cases.map((c) => [c, median(runs.filter((r) => r.case === c).map((r) => r.startsPerSecond))])) as Record<LineCase, number>;
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
  const report = {
    concurrency: CONCURRENCY,
    startsPerRun: STARTS,
    runs,
    medians,
    kitVsLines: ratio(medians["kit-of-three"], medians["three-lines"]),
    preorderVsShelf: ratio(medians["preorder-line"], medians["shelf-line"]),
  };
  log(`  kit of 3 vs 3 lines: ${report.kitVsLines}×   pre-order line vs shelf line: ${report.preorderVsShelf}×  (medians of ${ROUNDS} rounds)`);
  return report;
}

export function renderLineCostsSection(report: LineCostReport, source: string): string {
  const row = (label: string, c: LineCase) => {
    const of = report.runs.filter((r) => r.case === c);
    return `| ${label} | ${of.map((r) => r.startsPerSecond).join(" / ")} | ${report.medians[c]} | ${median(of.map((r) => r.p50Ms))} | ${median(of.map((r) => r.p99Ms))} | ${of.every((r) => r.checked && r.failed === 0) ? "exact, none oversold" : "**check failed**"} |`;
  };
  return [
    `Checkout starts at ${report.concurrency} shoppers, ${report.startsPerRun} per run, the cases taking turns round by round (\`${source}\`).`,
    "",
    "| cart | starts/s per round | median | p50 ms | p99 ms | levels |",
    "|---|---|---|---|---|---|",
    row("3 lines: 3 variants of one product", "three-lines"),
    row("1 kit made of those 3 variants", "kit-of-three"),
    row("1 line from the shelf", "shelf-line"),
    row("1 pre-order line (shelf empty, units on their way)", "preorder-line"),
    "",
    `A kit costs **${report.kitVsLines}×** the throughput of its 3 lines, a pre-order line **${report.preorderVsShelf}×** a shelf line (target: ≥ 0.9×, the same work within this machine's noise).`,
  ].join("\n");
}
