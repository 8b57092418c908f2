/**
 * `npm run bench`: the flash-sale benchmark (issue 6). In one run, on one PostgreSQL server, it measures
 *   - the raw-SQL baseline (BEGIN; SELECT … FOR UPDATE; INSERT hold; UPDATE stock; COMMIT) at 1, 8 and 64,
 *   - the engine (`startCheckout` in this process) at 1, 8 and 64 concurrent shoppers,
 *   - the Store API (`POST /api/checkout` on the built app over HTTP) at 64 concurrent shoppers,
 * each on one hot product and over 1,000 products (no contention), with the memory of the app server and of
 * this process; and, for variants (issue 27), pgbench's own run of the bare FOR UPDATE transaction on one hot row
 * at 64 clients, against which the engine on one hot variant and on 3-line carts (three variants of one product
 * in every cart) is measured; and, for stock locations (issue 28), the engine on one hot variant against the
 * engine of the commit before locations (bench/previous.ts, the two taking turns in this run), on one hot variant
 * spread over 3 locations whose first runs out mid-run, and on 3-line carts drawn from 2 locations. It measures
 * that nothing was oversold (per location too), prints the figures, saves bench/results/<start time>.json
 * (one file per run, never overwritten) and latest.json, and rewrites the results table in BENCHMARKS.md.
 *
 * Every request loop is bounded by a count and a time limit, and all load goes to 127.0.0.1.
 */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { ensureBuild } from "../tests/support/build";
import { CookieJar } from "../tests/support/http";
import { createHttpClient, startBenchApp, stopOnceOrOnSignal, type BenchApp } from "./app";
import { checkBaseline, runBaseline } from "./baseline";
import { prepareBenchDatabase, type BenchDatabase } from "./database";
import {
  createBaselineProducts,
  createBaselineTables,
  createProducts,
  createShoppersWithCarts,
  createShoppersWithVariantCarts,
  createVariantProducts,
} from "./fixtures";
import { percentile, residentMiB, round1, runLoad, treeCpuTimeMs, watchProcess, type LoadResult } from "./load";
import { describeMachine, type Machine } from "./machine";
import type { EngineRound } from "./engine-rounds";
import { ensurePreviousTree, PREVIOUS_COMMIT, startEngineSide, type EngineSide } from "./previous";
import { replaceSection, writeBenchmarksTable } from "./report";
import { measureLineCosts, renderLineCostsSection, type LineCostReport } from "./line-costs";

/** Holds attempted per level: fixed counts, so each level does the same work whatever the machine. */
const HOLDS_AT: Record<number, number> = { 1: 300, 8: 1000, 64: 2000 };
const LEVELS = [1, 8, 64];
const HTTP_LEVELS = [64];
const SPREAD_PRODUCTS = 1000;
const WARM_UP_HOLDS = 200;
/** No single measurement runs longer than this, whatever happens. */
const SCENARIO_TIME_LIMIT_MS = 30_000;
/** Filling carts over HTTP is set-up, not a measurement: on a loaded machine it may take longer. */
const SETUP_TIME_LIMIT_MS = 180_000;
/** pgbench's run of the bare hold transaction: clients and seconds. */
const PGBENCH_CLIENTS = 64;
const PGBENCH_SECONDS = 15;
/** The cart scenario: lines per cart (each a variant of the one product), checkout starts at 64 callers. */
const CART_LINES = 3;
const CART_STARTS = 2000;
/** The locations runs: holds (or checkout starts) at 64 callers, and rounds per side of the comparison. */
const LOCATION_STARTS = 2000;
const COMPARISON_ROUNDS = 5;

export type Path = "engine" | "http" | "baseline";
export type Layout = "hot" | "spread";

export interface Measurement {
  path: Path;
  layout: Layout;
  concurrency: number;
  attempted: number;
  holds: number;
  failed: number;
  firstError?: string;
  elapsedMs: number;
  holdsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  ratioToBaseline?: number;
  /** The process doing the app's work: the bench process for the engine, next-server over HTTP. */
  process?: { name: string; peakMiB: number; meanMiB: number; idleMiB?: number; cpuMsPerHold: number };
  /** CPU time of the whole PostgreSQL server per hold (when it runs on this machine). */
  databaseCpuMsPerHold?: number;
  /**
   * Measured after the run: the stock reserved grew by `reservedDelta`, held by `holders` distinct shoppers, and
   * `oversold` products are over on hand. OK when both equal the holds granted and nothing is oversold.
   */
  oversellCheck: { ok: boolean; reservedDelta: number; holders: number; oversold: number };
}

/** A figure that is not a hold but explains the others: the cheapest route of the app under the same load. */
export interface Reference {
  name: string;
  concurrency: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** pgbench's transactions/s on the bare FOR UPDATE hold transaction, one hot row, 64 clients (null: not installed). */
export interface PgbenchRun {
  clients: number;
  seconds: number;
  tps: number;
}

/** The engine on carts of several variants of one product: one checkout start holds every line, all or nothing. */
export interface VariantCartRun extends Omit<Measurement, "path" | "layout"> {
  linesPerCart: number;
  /** Checkout starts per second over pgbench's transactions per second. */
  ratioToPgbench?: number;
}

/** The engine of this tree and of the commit before locations, on one hot variant, taking turns in this run. */
export interface EngineComparison {
  previousCommit: string;
  currentCommit: string;
  concurrency: number;
  holdsPerRound: number;
  rounds: ({ side: "previous" | "current" } & EngineRound)[];
  /** Medians of each side's rounds (holds/s). */
  previousHoldsPerSecond: number;
  currentHoldsPerSecond: number;
  ratioToPrevious: number;
}

/** The engine where stock lies at several locations: what each location held, measured after the run. */
export interface LocationRun extends Omit<Measurement, "path" | "layout"> {
  name: string;
  linesPerCart: number;
  locations: { name: string; priority: number; onHand: number; reservedDelta: number }[];
  /** Every location's units reserved equal what the run was meant to take from it. */
  perLocationOk: boolean;
  ratioToPgbench?: number;
}

export interface LocationsReport {
  comparison?: EngineComparison;
  runs: LocationRun[];
}

export interface BenchReport {
  date: string;
  machine: Machine;
  loadAverage: { atStart: number; atEnd: number };
  database: BenchDatabase["server"] & { embedded: boolean };
  settings: Record<string, string | number>;
  results: Measurement[];
  references: Reference[];
  pgbench?: PgbenchRun | null;
  variantCarts?: VariantCartRun[];
  /** Kits and pre-orders against the lines they stand for (bench/line-costs.ts). */
  lineCosts?: LineCostReport;
  locations?: LocationsReport;
  reconcile: { ok: boolean; products: number; problems: number };
  baselineCheck: { ok: boolean; reserved: number; holds: number };
  targets: { name: string; value: number; target: string; met: boolean }[];
  durationSeconds: number;
}

const log = (line: string) => console.log(line);
const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * BENCH_ONLY=baseline,engine runs only those parts, for quick iterations (BENCH_ONLY=pgbench,locations: the
 * locations runs and the pgbench they are measured against); the full run is the default.
 */
const only = new Set((process.env.BENCH_ONLY ?? "baseline,pgbench,engine,variants,kits,http,locations").split(",").map((s) => s.trim()));

function summarise(
  run: LoadResult,
  pathName: Path,
  layout: Layout,
  oversellCheck: Measurement["oversellCheck"],
  watched?: { name: string; peakMiB: number; meanMiB: number; cpuMs: number; idleMiB?: number },
): Measurement {
  return {
    path: pathName,
    layout,
    concurrency: run.concurrency,
    attempted: run.attempted,
    holds: run.succeeded,
    failed: run.failed,
    ...(run.firstError ? { firstError: run.firstError } : {}),
    elapsedMs: Math.round(run.elapsedMs),
    holdsPerSecond: Math.round(run.succeeded / (run.elapsedMs / 1000)),
    p50Ms: round1(percentile(run.latencies, 50)),
    p99Ms: round1(percentile(run.latencies, 99)),
    maxMs: round1(run.latencies.at(-1) ?? Number.NaN),
    ...(watched
      ? {
          process: {
            name: watched.name,
            peakMiB: watched.peakMiB,
            meanMiB: watched.meanMiB,
            ...(watched.idleMiB !== undefined ? { idleMiB: watched.idleMiB } : {}),
            cpuMsPerHold: round2(watched.cpuMs / Math.max(1, run.succeeded)),
          },
        }
      : {}),
    oversellCheck,
  };
}

/** The database's CPU over a measurement includes the two small check queries around it: negligible. */
function withDatabaseCpu(m: Measurement, cpuMs: number | undefined): Measurement {
  return cpuMs === undefined ? m : { ...m, databaseCpuMsPerHold: round2(cpuMs / Math.max(1, m.holds)) };
}

function print(m: Measurement): void {
  const ratio = m.ratioToBaseline !== undefined ? `  ${m.ratioToBaseline.toFixed(2)}× baseline` : "";
  const memory = m.process
    ? `  ${m.process.name}: RSS peak ${m.process.peakMiB} MiB, ${m.process.cpuMsPerHold} ms CPU per hold`
    : "";
  const database = m.databaseCpuMsPerHold !== undefined ? `; PostgreSQL ${m.databaseCpuMsPerHold} ms CPU per hold` : "";
  const failed = m.failed ? `  ${m.failed} FAILED (${m.firstError ?? "refused"})` : "";
  const check = m.oversellCheck.ok ? "" : "  OVERSELL CHECK FAILED";
  log(
    `  ${m.path.padEnd(8)} ${m.layout.padEnd(6)} c=${String(m.concurrency).padStart(2)}  ` +
      `${String(m.holdsPerSecond).padStart(5)} holds/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms${ratio}${memory}${database}${failed}${check}`,
  );
}

interface HoldTotals {
  reserved: number;
  holders: number;
  oversold: number;
}

/** Units reserved on these products, how many shoppers hold them, and rows over on hand. */
async function holdTotals(sql: postgres.Sql, productIds: string[]): Promise<HoldTotals> {
  const [row] = await sql<{ reserved: number; holders: number; oversold: number }[]>`
    select coalesce(sum(reserved), 0)::int as reserved,
           count(*) filter (where reserved + allocated > on_hand + incoming)::int as oversold,
           (select count(distinct shopper_id)::int from reservations
             where status = 'active' and product_id = any(${productIds}::uuid[])) as holders
    from stock_levels where product_id = any(${productIds}::uuid[])`;
  return row!;
}

/** The same for the baseline's own tables: its stock copies and its hold rows. */
async function baselineHoldTotals(sql: postgres.Sql, productIds: string[]): Promise<HoldTotals> {
  const [row] = await sql<HoldTotals[]>`
    select coalesce(sum(reserved), 0)::int as reserved,
           count(*) filter (where reserved + allocated > on_hand)::int as oversold,
           (select count(distinct shopper_id)::int from bench_baseline_holds
             where product_id = any(${productIds}::uuid[])) as holders
    from bench_baseline_stock where product_id = any(${productIds}::uuid[])`;
  return row!;
}

/**
 * Runs `measure` (one unit per shopper) and measures what it did to the stock: units reserved, distinct holders,
 * products over on hand. OK when the stock reserved and the holders both equal the holds granted, and nothing
 * is over on hand.
 */
async function measureChecked(
  totals: (productIds: string[]) => Promise<HoldTotals>,
  productIds: string[],
  measure: () => Promise<LoadResult>,
  unitsPerHold = 1,
): Promise<{ run: LoadResult; check: Measurement["oversellCheck"] }> {
  const before = await totals(productIds);
  const run = await measure();
  const after = await totals(productIds);
  const reservedDelta = after.reserved - before.reserved;
  const holders = after.holders - before.holders;
  const ok = after.oversold === 0 && reservedDelta === run.succeeded * unitsPerHold && holders === run.succeeded;
  return { run, check: { ok, reservedDelta, holders, oversold: after.oversold } };
}

interface Context {
  url: string;
  /** Measures the PostgreSQL server's CPU time over `work` (undefined when the server is not local). */
  databaseCpu<T>(work: () => Promise<T>): Promise<{ result: T; cpuMs?: number }>;
  sql: postgres.Sql;
  app: BenchApp;
  engine: typeof import("./engine");
  /** Keeps a measurement, with its ratio to the baseline measured earlier in this run, and prints it. */
  record(m: Measurement): void;
  references: Reference[];
  /** pgbench's run, once measured (null when pgbench is not installed). */
  pgbench?: PgbenchRun | null;
  variantCarts: VariantCartRun[];
  locations: LocationsReport;
}

function findPgbench(): string | null {
  const versions = fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql") : [];
  for (const candidate of ["pgbench", ...versions.map((v) => `/usr/lib/postgresql/${v}/bin/pgbench`)]) {
    const found = spawnSync("sh", ["-c", `command -v ${candidate}`], { encoding: "utf8" }).stdout.trim();
    if (found) return found;
  }
  return null;
}

/**
 * pgbench itself (C, no client round trips of Node's) on the bare hold transaction on one hot row of the
 * baseline's tables: the most a one-row-lock design gets from this PostgreSQL on this machine.
 */
async function measurePgbench({ url, sql }: Context): Promise<PgbenchRun | null> {
  const pgbench = findPgbench();
  if (!pgbench) {
    log("pgbench: not installed (Debian: apt-get install -y postgresql): skipped, its ratios are not measured.");
    return null;
  }
  await createBaselineTables(sql);
  const [row] = await createBaselineProducts(sql, 1, 100_000_000);
  const script = path.join(os.tmpdir(), `stockhold-pgbench-run-${process.pid}.sql`);
  fs.writeFileSync(
    script,
    `BEGIN;
SELECT on_hand - reserved - allocated FROM bench_baseline_stock WHERE variant_id = '${row!}' FOR UPDATE;
INSERT INTO bench_baseline_holds (checkout_id, shopper_id, product_id, variant_id, quantity, unit_price_cents, expires_at)
  VALUES (gen_random_uuid(), gen_random_uuid(), '${row!}', '${row!}', 1, 1000, now() + interval '900 seconds');
UPDATE bench_baseline_stock SET reserved = reserved + 1, updated_at = now() WHERE variant_id = '${row!}';
COMMIT;
`,
  );
  log(`pgbench: the bare FOR UPDATE hold transaction on one hot row, ${PGBENCH_CLIENTS} clients, ${PGBENCH_SECONDS} s …`);
  try {
    const out = execFileSync(pgbench, ["-n", "-c", String(PGBENCH_CLIENTS), "-j", "2", "-T", String(PGBENCH_SECONDS), "-f", script, url], {
      encoding: "utf8",
      timeout: (PGBENCH_SECONDS + 30) * 1000,
    });
    const tps = round1(Number(/tps = ([\d.]+)/.exec(out)?.[1]));
    log(`  pgbench   hot    c=${PGBENCH_CLIENTS}  ${tps} transactions/s`);
    return { clients: PGBENCH_CLIENTS, seconds: PGBENCH_SECONDS, tps };
  } finally {
    fs.rmSync(script, { force: true });
  }
}

/**
 * The engine on carts of 3 lines, each a different variant of one product (a shirt in S, M and L): every start
 * locks the product's 3 stock rows, and every cart wants all 3. Each variant has exactly the units the run tries
 * to take.
 */
async function measureVariantCarts({ sql, engine, databaseCpu, pgbench, variantCarts }: Context): Promise<void> {
  log(`Engine on variants: ${CART_LINES}-line carts, ${CART_LINES} variants of one product, 64 shoppers`);
  const [product] = await createVariantProducts(sql, "bench-variants", 1, CART_LINES, CART_STARTS);
  const shoppers = await createShoppersWithVariantCarts(sql, product!.variantIds, CART_STARTS);
  const watched = watchProcess("self");
  const { result, cpuMs } = await databaseCpu(() =>
    measureChecked(
      (ids) => holdTotals(sql, ids),
      [product!.productId],
      () => engine.runEngine(shoppers, 64, SCENARIO_TIME_LIMIT_MS),
      CART_LINES,
    ),
  );
  const { path: _path, layout: _layout, ...m } = withDatabaseCpu(
    summarise(result.run, "engine", "hot", result.check, { name: "bench process", ...watched.stop() }),
    cpuMs,
  );
  const run: VariantCartRun = {
    ...m,
    linesPerCart: CART_LINES,
    ...(pgbench ? { ratioToPgbench: round2(m.holdsPerSecond / pgbench.tps) } : {}),
  };
  variantCarts.push(run);
  const ratio = run.ratioToPgbench !== undefined ? `  ${run.ratioToPgbench.toFixed(2)}× pgbench` : "";
  const failed = run.failed ? `  ${run.failed} FAILED (${run.firstError ?? "refused"})` : "";
  log(
    `  engine   ${CART_LINES}-line c=64  ${String(run.holdsPerSecond).padStart(5)} checkout starts/s  p50 ${run.p50Ms} ms  p99 ${run.p99Ms} ms${ratio}` +
      `${failed}${run.oversellCheck.ok ? "" : "  OVERSELL CHECK FAILED"}`,
  );
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
};

/**
 * The engine of this tree against the engine of the commit before locations, one hot variant stocked at the one
 * location a shop starts with: each side a process of its own on a fresh database of this server (bench/previous.ts),
 * taking turns round by round, the earlier commit first.
 */
async function compareWithPrevious({ url, locations }: Context): Promise<void> {
  const previous = ensurePreviousTree(log);
  const current = execFileSync("git", ["describe", "--always", "--dirty", "--abbrev=7"], { encoding: "utf8" }).trim();
  log(
    `Engine beside ${previous.commit.slice(0, 7)} (the commit before locations): one hot variant at one location, ` +
      `${LOCATION_STARTS} holds at 64 callers a round, ${COMPARISON_ROUNDS} rounds each, taking turns`,
  );
  const sides: EngineSide[] = [];
  try {
    sides.push(await startEngineSide("previous", previous.dir, url, "stockhold_bench_engine_previous"));
    sides.push(await startEngineSide("current", process.cwd(), url, "stockhold_bench_engine_current"));
    const rounds: EngineComparison["rounds"] = [];
    for (let i = 0; i < COMPARISON_ROUNDS; i++) {
      for (const side of sides) {
        const round = await side.round();
        rounds.push({ side: side.name as "previous" | "current", ...round });
        log(
          `  ${side.name.padEnd(8)} round ${i + 1}  ${String(round.holdsPerSecond).padStart(5)} holds/s  p50 ${round.p50Ms} ms  p99 ${round.p99Ms} ms` +
            `${round.failed ? `  ${round.failed} FAILED (${round.firstError ?? "refused"})` : ""}${round.checked ? "" : "  OVERSELL CHECK FAILED"}`,
        );
      }
    }
    const of = (side: "previous" | "current") => median(rounds.filter((r) => r.side === side).map((r) => r.holdsPerSecond));
    const comparison: EngineComparison = {
      previousCommit: previous.commit.slice(0, 7),
      currentCommit: current,
      concurrency: 64,
      holdsPerRound: LOCATION_STARTS,
      rounds,
      previousHoldsPerSecond: of("previous"),
      currentHoldsPerSecond: of("current"),
      ratioToPrevious: round2(of("current") / of("previous")),
    };
    locations.comparison = comparison;
    log(`  medians: ${comparison.currentHoldsPerSecond} holds/s against ${comparison.previousHoldsPerSecond}: ${comparison.ratioToPrevious}× the commit before`);
  } finally {
    await Promise.all(sides.map((s) => s.stop()));
  }
}

/**
 * One locations run at 64 callers: `shoppers` each take `linesPerCart` units (one per line); `expected` is what
 * each location should have reserved when every start is held (all the stock of the product, by construction).
 */
async function measureAtLocations(
  { sql, engine, databaseCpu, pgbench, locations }: Context,
  name: string,
  productId: string,
  shoppers: Awaited<ReturnType<typeof createShoppersWithCarts>>,
  linesPerCart: number,
): Promise<void> {
  const perLocation = async () =>
    sql<{ name: string; priority: number; on_hand: number; reserved: number }[]>`
      select l.name, l.priority, coalesce(sum(s.on_hand), 0)::int as on_hand, coalesce(sum(s.reserved), 0)::int as reserved
      from locations l join stock_levels s on s.location_id = l.id and s.product_id = ${productId}
      group by l.id order by l.priority, l.id`;
  const before = await perLocation();
  const watched = watchProcess("self");
  const { result, cpuMs } = await databaseCpu(() =>
    measureChecked((ids) => holdTotals(sql, ids), [productId], () => engine.runEngine(shoppers, 64, SCENARIO_TIME_LIMIT_MS), linesPerCart),
  );
  const after = await perLocation();
  const { path: _path, layout: _layout, ...m } = withDatabaseCpu(
    summarise(result.run, "engine", "hot", result.check, { name: "bench process", ...watched.stop() }),
    cpuMs,
  );
  const at = after.map((a) => ({
    name: a.name,
    priority: a.priority,
    onHand: a.on_hand,
    reservedDelta: a.reserved - (before.find((b) => b.name === a.name)?.reserved ?? 0),
  }));
  const run: LocationRun = {
    ...m,
    name,
    linesPerCart,
    locations: at,
    // The stock is exactly what the starts take: every location ends with all its units held, and no more.
    perLocationOk: after.every((a) => a.reserved === a.on_hand),
    ...(pgbench ? { ratioToPgbench: round2(m.holdsPerSecond / pgbench.tps) } : {}),
  };
  locations.runs.push(run);
  const ratio = run.ratioToPgbench !== undefined ? `  ${run.ratioToPgbench.toFixed(2)}× pgbench` : "";
  log(
    `  engine   ${name}: ${String(run.holdsPerSecond).padStart(5)} ${linesPerCart > 1 ? "checkout starts" : "holds"}/s  p50 ${run.p50Ms} ms  p99 ${run.p99Ms} ms${ratio}` +
      `  held per location ${at.map((l) => `${l.name} ${l.reservedDelta}/${l.onHand}`).join(", ")}` +
      `${run.failed ? `  ${run.failed} FAILED (${run.firstError ?? "refused"})` : ""}` +
      `${run.oversellCheck.ok && run.perLocationOk ? "" : "  CHECK FAILED"}`,
  );
}

/**
 * Stock locations (issue 28). After the comparison the shop gets a second location, "Bench back room"
 * (priority 1): 3-line carts whose first size is all at Main, second half at Main and half in the back room (it
 * moves from one to the other mid-run), third all in the back room, so every start holds at both. Then a third,
 * "Bench far store" (priority 2): one hot variant with 1,000 units at Main, 600 in the back room and 400 at the
 * far store, so the first location runs out half way and the rest is held further down the list. Each product has
 * exactly the units the run tries to take. Run last: other products made after it would have stock rows at three
 * locations.
 */
async function measureLocations(context: Context): Promise<void> {
  const { sql, engine } = context;
  await compareWithPrevious(context);
  log(`Engine on locations: 64 shoppers, ${LOCATION_STARTS} starts each`);
  const [main] = await engine.listLocations();
  const back = await engine.createLocation({ name: "Bench back room", priority: 1 });
  const half = LOCATION_STARTS / 2;
  const [cartProduct] = await createVariantProducts(sql, "bench-locations-cart", 1, CART_LINES, {
    perVariant: [
      [{ locationId: main!.id, onHand: LOCATION_STARTS }],
      [
        { locationId: main!.id, onHand: half },
        { locationId: back.id, onHand: half },
      ],
      [{ locationId: back.id, onHand: LOCATION_STARTS }],
    ],
  });
  const cartShoppers = await createShoppersWithVariantCarts(sql, cartProduct!.variantIds, LOCATION_STARTS);
  await measureAtLocations(context, `${CART_LINES}-line carts over 2 locations`, cartProduct!.productId, cartShoppers, CART_LINES);

  const far = await engine.createLocation({ name: "Bench far store", priority: 2 });
  const [hot] = await createProducts(sql, "bench-locations-hot", 1, [
    { locationId: main!.id, onHand: half },
    { locationId: back.id, onHand: LOCATION_STARTS * 0.3 },
    { locationId: far.id, onHand: LOCATION_STARTS * 0.2 },
  ]);
  const hotShoppers = await createShoppersWithCarts(sql, [hot!], LOCATION_STARTS);
  await measureAtLocations(context, "one hot variant over 3 locations, the first running out half way", hot!, hotShoppers, 1);
}

async function measureBaseline({ url, sql, record, databaseCpu }: Context): Promise<void> {
  log("Baseline: BEGIN; SELECT … FOR UPDATE; INSERT hold; UPDATE stock; COMMIT (postgres.js, one connection per client)");
  await createBaselineTables(sql);
  const [warm] = await createBaselineProducts(sql, 1, 100_000);
  const warmUp = Array.from({ length: WARM_UP_HOLDS }, () => ({ shopperId: crypto.randomUUID(), productId: warm! }));
  await runBaseline(url, warmUp, 8, SCENARIO_TIME_LIMIT_MS);
  const spread = await createBaselineProducts(sql, SPREAD_PRODUCTS, 1_000);

  for (const layout of ["hot", "spread"] as const) {
    for (const concurrency of LEVELS) {
      const count = HOLDS_AT[concurrency]!;
      // The hot product has exactly the units the run tries to take: one more hold would be an oversell.
      const products = layout === "hot" ? await createBaselineProducts(sql, 1, count) : spread;
      const holds = Array.from({ length: count }, (_, i) => ({
        shopperId: crypto.randomUUID(),
        productId: products[i % products.length]!,
      }));
      const watched = watchProcess("self");
      const { result, cpuMs } = await databaseCpu(() =>
        measureChecked((ids) => baselineHoldTotals(sql, ids), products, () => runBaseline(url, holds, concurrency, SCENARIO_TIME_LIMIT_MS)),
      );
      const client = watched.stop();
      const check = await checkBaseline(url);
      const oversellCheck = { ...result.check, ok: result.check.ok && check.ok };
      record(withDatabaseCpu(summarise(result.run, "baseline", layout, oversellCheck, { name: "bench process", ...client }), cpuMs));
    }
  }
}

async function measureEngine({ sql, engine, record, databaseCpu }: Context): Promise<void> {
  log("Engine: startCheckout in this process (its own pool, holds batched by HoldQueue)");
  const warm = await createProducts(sql, "bench-warm", 1, 100_000);
  await engine.runEngine(await createShoppersWithCarts(sql, warm, WARM_UP_HOLDS), 8, SCENARIO_TIME_LIMIT_MS);
  const spread = await createProducts(sql, "bench-spread", SPREAD_PRODUCTS, 1_000);

  for (const layout of ["hot", "spread"] as const) {
    for (const concurrency of LEVELS) {
      const count = HOLDS_AT[concurrency]!;
      // The hot product has exactly the units the run tries to take: one more hold would be an oversell.
      const products = layout === "hot" ? await createProducts(sql, `bench-hot-${concurrency}`, 1, count) : spread;
      const shoppers = await createShoppersWithCarts(sql, products, count);
      const watched = watchProcess("self");
      const { result, cpuMs } = await databaseCpu(() =>
        measureChecked((ids) => holdTotals(sql, ids), products, () => engine.runEngine(shoppers, concurrency, SCENARIO_TIME_LIMIT_MS)),
      );
      const m = summarise(result.run, "engine", layout, result.check, { name: "bench process", ...watched.stop() });
      record(withDatabaseCpu(m, cpuMs));
    }
  }
}

async function measureHttp({ sql, app, record, references, databaseCpu }: Context): Promise<void> {
  const client = createHttpClient(app.baseUrl, Math.max(...HTTP_LEVELS));
  try {
    const probe = await client.post("/api/checkout", {});
    if (probe.status === 404 || probe.status === 405) {
      log("Store API: POST /api/checkout is not in this build: skipped.");
      return;
    }
    log(`Store API: POST /api/checkout over HTTP (${app.baseUrl}), each shopper with its own cookie and cart`);

    // A new client's first cart write creates its guest identity and sets the signed cookie.
    const shoppersWithCarts = async (productIds: string[], count: number) => {
      const made: { cookie: string; email: string }[] = [];
      const setup = await runLoad(
        Array.from({ length: count }, (_, i) => productIds[i % productIds.length]!),
        16,
        async (productId) => {
          const response = await client.post("/api/cart/lines", { productId, quantity: 1 });
          if (response.status !== 200) {
            throw new Error(`POST /api/cart/lines answered ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`);
          }
          const jar = new CookieJar();
          jar.take(response.setCookies);
          made.push({ cookie: jar.header() ?? "", email: `http-${made.length}@example.test` });
          return true;
        },
        SETUP_TIME_LIMIT_MS,
      );
      if (setup.failed > 0 || made.length < count) {
        throw new Error(`could not fill carts over HTTP: ${setup.firstError ?? `${made.length} of ${count} in ${Math.round(setup.elapsedMs / 1000)} s`}`);
      }
      return made;
    };
    const startCheckout = async (shopper: { cookie: string; email: string }) => {
      const response = await client.post("/api/checkout", { email: shopper.email }, shopper.cookie);
      if (response.status === 201) return true;
      throw new Error(`POST /api/checkout answered ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`);
    };

    const warm = await createProducts(sql, "bench-http-warm", 1, 100_000);
    await runLoad(await shoppersWithCarts(warm, WARM_UP_HOLDS), 8, startCheckout, SCENARIO_TIME_LIMIT_MS);
    const spread = await createProducts(sql, "bench-http-spread", SPREAD_PRODUCTS, 1_000);
    const idleMiB = residentMiB(app.serverPid);

    for (const layout of ["hot", "spread"] as const) {
      for (const concurrency of HTTP_LEVELS) {
        const count = HOLDS_AT[concurrency]!;
        const products = layout === "hot" ? await createProducts(sql, `bench-http-hot-${concurrency}`, 1, count) : spread;
        const shoppers = await shoppersWithCarts(products, count);
        const watched = watchProcess(app.serverPid);
        const { result, cpuMs } = await databaseCpu(() =>
          measureChecked((ids) => holdTotals(sql, ids), products, () => runLoad(shoppers, concurrency, startCheckout, SCENARIO_TIME_LIMIT_MS)),
        );
        const m = summarise(result.run, "http", layout, result.check, {
          name: "next-server",
          ...watched.stop(),
          ...(idleMiB !== undefined ? { idleMiB: round1(idleMiB) } : {}),
        });
        record(withDatabaseCpu(m, cpuMs));
      }
    }

    // What one app process can serve at all on this machine: the cheapest route (one `select 1`), same load.
    const concurrency = Math.max(...HTTP_LEVELS);
    const health = await runLoad(
      Array.from({ length: HOLDS_AT[concurrency]! }, (_, i) => i),
      concurrency,
      async () => (await client.get("/api/health")).status === 200,
      SCENARIO_TIME_LIMIT_MS,
    );
    const reference: Reference = {
      name: "GET /api/health over HTTP (the app's cheapest route: one `select 1`)",
      concurrency,
      requestsPerSecond: Math.round(health.succeeded / (health.elapsedMs / 1000)),
      p50Ms: round1(percentile(health.latencies, 50)),
      p99Ms: round1(percentile(health.latencies, 99)),
    };
    references.push(reference);
    log(`  reference: ${reference.name}, c=${concurrency}: ${reference.requestsPerSecond} requests/s, p50 ${reference.p50Ms} ms, p99 ${reference.p99Ms} ms`);
  } finally {
    client.close();
  }
}

function targetsOf(
  results: Measurement[],
  pgbench: PgbenchRun | null | undefined,
  carts: VariantCartRun[],
  locations: LocationsReport,
): BenchReport["targets"] {
  const find = (p: Path) => results.find((r) => r.path === p && r.layout === "hot" && r.concurrency === 64);
  const http = find("http");
  const engine = find("engine");
  // The hot product is a one-variant product: its one variant is the hot variant.
  const engineVsPgbench = engine && pgbench ? round2(engine.holdsPerSecond / pgbench.tps) : 0;
  const cartVsPgbench = carts[0]?.ratioToPgbench ?? 0;
  // Only the targets of the parts that ran (BENCH_ONLY): a part left out is not a target missed.
  const ran = { engine: engine !== undefined, http: http !== undefined, carts: carts.length > 0 };
  const tagged: [boolean, BenchReport["targets"][number]][] = [
    [
      ran.engine,
      {
        name: "Engine, one hot variant, 64 shoppers: holds/s vs pgbench's FOR UPDATE transaction",
        value: engineVsPgbench,
        target: "≥ 5×",
        met: engineVsPgbench >= 5,
      },
    ],
    [
      ran.carts,
      {
        name: `Engine, ${CART_LINES}-line carts of ${CART_LINES} variants of one product, 64 shoppers: checkout starts/s vs pgbench`,
        value: cartVsPgbench,
        target: "≥ 2×",
        met: cartVsPgbench >= 2,
      },
    ],
    [
      ran.http,
      {
        name: "Store API over HTTP, hot product, 64 shoppers: holds/s vs baseline",
        value: http?.ratioToBaseline ?? 0,
        target: "≥ 1.0× (aim 2×)",
        met: (http?.ratioToBaseline ?? 0) >= 1,
      },
    ],
    [
      ran.engine,
      {
        name: "Engine, hot product, 64 shoppers: holds/s vs baseline",
        value: engine?.ratioToBaseline ?? 0,
        target: "≥ 1.5×",
        met: (engine?.ratioToBaseline ?? 0) >= 1.5,
      },
    ],
    [
      ran.http,
      {
        name: "p99 of a checkout start over HTTP, hot product, 64 shoppers (ms)",
        value: http?.p99Ms ?? Number.NaN,
        target: "< 250 ms",
        met: (http?.p99Ms ?? Infinity) < 250,
      },
    ],
    [
      ran.engine,
      {
        name: "p99 of a checkout start in the engine, hot product, 64 shoppers (ms)",
        value: engine?.p99Ms ?? Number.NaN,
        target: "< 250 ms",
        met: (engine?.p99Ms ?? Infinity) < 250,
      },
    ],
  ];
  return [...tagged.filter(([partRan]) => partRan).map(([, target]) => target), ...locationTargets(locations)];
}

/** Issue 28's targets, when the locations runs ran. */
function locationTargets({ comparison, runs }: LocationsReport): BenchReport["targets"] {
  if (!comparison && runs.length === 0) return [];
  const spread = runs.find((r) => r.linesPerCart === 1)?.ratioToPgbench ?? 0;
  const cart = runs.find((r) => r.linesPerCart > 1)?.ratioToPgbench ?? 0;
  const previous = comparison?.ratioToPrevious ?? 0;
  return [
    {
      name: `Engine, one hot variant at one location, 64 shoppers: holds/s vs the commit before locations (${comparison?.previousCommit ?? PREVIOUS_COMMIT}), same run`,
      value: previous,
      // Rounds of one side differ by more than 5 % on this machine: a figure within that is "no slower".
      target: "≥ 0.95× (no slower, within the rounds' noise)",
      met: previous >= 0.95,
    },
    {
      name: "Engine, one hot variant over 3 locations (the first runs out half way), 64 shoppers: holds/s vs pgbench",
      value: spread,
      target: "≥ 3×",
      met: spread >= 3,
    },
    {
      name: `Engine, ${CART_LINES}-line carts over 2 locations, 64 shoppers: checkout starts/s vs pgbench`,
      value: cart,
      target: "≥ 2×",
      met: cart >= 2,
    },
  ];
}

/** The variants section of BENCHMARKS.md: pgbench, the hot variant and the 3-line carts, from one run. */
function renderVariantsSection(report: BenchReport, source: string): string {
  const pg = report.pgbench;
  const hot = report.results.find((r) => r.path === "engine" && r.layout === "hot" && r.concurrency === 64);
  const ratio = (perSecond: number) => (pg ? `${(perSecond / pg.tps).toFixed(2)}×` : "–");
  const rows = [
    pg ? `| pgbench: BEGIN; SELECT … FOR UPDATE; INSERT hold; UPDATE stock; COMMIT, one hot row | ${pg.clients} | ${pg.tps} transactions/s | – | – | 1× | – |` : "| pgbench | – | not installed | – | – | – | – |",
    ...(hot
      ? [`| engine, one hot variant (a one-variant product), 1 line per cart | 64 | ${hot.holdsPerSecond} holds/s | ${hot.p50Ms} | ${hot.p99Ms} | ${ratio(hot.holdsPerSecond)} | ${hot.oversellCheck.reservedDelta} / ${hot.oversellCheck.holders}, ${hot.oversellCheck.oversold === 0 ? "none oversold" : "**oversold**"} |`]
      : []),
    ...(report.variantCarts ?? []).map(
      (c) =>
        `| engine, ${c.linesPerCart}-line carts: ${c.linesPerCart} variants of one product | ${c.concurrency} | ${c.holdsPerSecond} checkout starts/s (${c.holdsPerSecond * c.linesPerCart} lines/s) | ${c.p50Ms} | ${c.p99Ms} | ${ratio(c.holdsPerSecond)} | ${c.oversellCheck.reservedDelta} / ${c.oversellCheck.holders}, ${c.oversellCheck.oversold === 0 ? "none oversold" : "**oversold**"}${c.failed ? `, **${c.failed} failed**` : ""} |`,
    ),
  ];
  return [
    `Run of ${report.date.slice(0, 16).replace("T", " ")} UTC (\`${source}\`), the same run as the table above: same machine, ` +
      `same PostgreSQL; load average (1 min) ${report.loadAverage.atStart} at the start, ${report.loadAverage.atEnd} at the end.`,
    "",
    "| what | concurrent clients | per second | p50 ms | p99 ms | vs pgbench | units reserved / holders (measured) |",
    "|---|---:|---:|---:|---:|---:|---|",
    ...rows,
    "",
    "| target | this run | goal | met |",
    "|---|---:|---|---|",
    ...report.targets.filter((t) => t.name.includes("pgbench") && !t.name.includes("location")).map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met ? "yes" : "**no**"} |`),
  ].join("\n");
}

/** The locations section of BENCHMARKS.md: the comparison with the commit before locations, and the two runs. */
function renderLocationsSection(report: BenchReport, source: string): string {
  const pg = report.pgbench;
  const { comparison, runs } = report.locations ?? { runs: [] };
  const held = (r: LocationRun) => r.locations.map((l) => `${l.name} ${l.reservedDelta} of ${l.onHand}`).join(", ");
  const unit = (r: LocationRun) => (r.linesPerCart > 1 ? "checkout starts/s" : "holds/s");
  return [
    `Run of ${report.date.slice(0, 16).replace("T", " ")} UTC (\`${source}\`): pgbench, both engines and the runs below in one run, ` +
      `on one machine and one PostgreSQL; load average (1 min) ${report.loadAverage.atStart} at the start, ${report.loadAverage.atEnd} at the end.`,
    "",
    ...(comparison
      ? [
          `One hot variant at one location, ${comparison.holdsPerRound} holds at ${comparison.concurrency} callers a round, this tree ` +
            `(\`${comparison.currentCommit}\`) and the commit before locations (\`${comparison.previousCommit}\`) taking turns:`,
          "",
          "| round | commit before locations: holds/s (p50 / p99 ms) | this tree: holds/s (p50 / p99 ms) |",
          "|---:|---:|---:|",
          ...Array.from({ length: comparison.rounds.length / 2 }, (_, i) => {
            const [p, c] = [comparison.rounds[2 * i]!, comparison.rounds[2 * i + 1]!];
            const cell = (r: EngineRound) => `${r.holdsPerSecond} (${r.p50Ms} / ${r.p99Ms})${r.checked && !r.failed ? "" : " **check failed**"}`;
            return `| ${i + 1} | ${cell(p)} | ${cell(c)} |`;
          }),
          `| median | ${comparison.previousHoldsPerSecond} | ${comparison.currentHoldsPerSecond} (${comparison.ratioToPrevious.toFixed(2)}×) |`,
          "",
        ]
      : []),
    "| what | concurrent clients | per second | p50 ms | p99 ms | vs pgbench | units held per location (measured) / on hand |",
    "|---|---:|---:|---:|---:|---:|---|",
    pg ? `| pgbench, the FOR UPDATE hold transaction, one hot row (the run's own) | ${pg.clients} | ${pg.tps} transactions/s | – | – | 1× | – |` : "| pgbench | – | not installed | – | – | – | – |",
    ...runs.map(
      (r) =>
        `| engine, ${r.name} | ${r.concurrency} | ${r.holdsPerSecond} ${unit(r)} | ${r.p50Ms} | ${r.p99Ms} | ${r.ratioToPgbench !== undefined ? `${r.ratioToPgbench.toFixed(2)}×` : "–"} | ` +
        `${held(r)}; ${r.oversellCheck.reservedDelta} units / ${r.oversellCheck.holders} holders, ${r.oversellCheck.oversold === 0 && r.perLocationOk ? "none oversold" : "**check failed**"}${r.failed ? `, **${r.failed} failed**` : ""} |`,
    ),
    "",
    "| target | this run | goal | met |",
    "|---|---:|---|---|",
    ...report.targets.filter((t) => t.name.includes("location")).map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met ? "yes" : "**no**"} |`),
  ].join("\n");
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const loadAtStart = round2(os.loadavg()[0]!);
  const machine = describeMachine();
  log(`Stockhold flash-sale benchmark — ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}`);
  if (loadAtStart > 1) log(`Note: load average ${loadAtStart} at start; other work on this machine lowers every figure.`);

  ensureBuild(log);
  const database = await prepareBenchDatabase(log);
  log(`PostgreSQL ${database.server.version} (fsync ${database.server.fsync}, synchronous_commit ${database.server.synchronousCommit})`);
  // lib/env reads these when the engine is imported below: this process is one more app server.
  process.env.DATABASE_URL = database.url;
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  process.env.RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE = "0";
  process.env.EXPIRY_SWEEP_SECONDS = "0";
  // The engine in this process logs as the app does; a line per hold batch would drown the figures.
  process.env.LOG_LEVEL ??= "warn";

  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  let app: BenchApp | undefined;
  let engine: Context["engine"] | undefined;
  const shutdown = stopOnceOrOnSignal(log, "the app and the database", async () => {
    await app?.stop();
    await engine?.closeEnginePool().catch(() => {});
    await sql.end();
    await database.stop();
  });
  try {
    engine = await import("./engine");
    log("Starting the built app (next start) …");
    app = await startBenchApp(database.url);
    const results: Measurement[] = [];
    const record = (m: Measurement) => {
      const base = results.find((b) => b.path === "baseline" && b.layout === m.layout && b.concurrency === m.concurrency);
      if (m.path !== "baseline" && base) m.ratioToBaseline = round2(m.holdsPerSecond / base.holdsPerSecond);
      results.push(m);
      print(m);
    };
    const references: Reference[] = [];
    const postmaster = database.postmasterPid;
    const databaseCpu = async <T>(work: () => Promise<T>) => {
      const before = postmaster ? treeCpuTimeMs(postmaster) : undefined;
      const result = await work();
      const after = postmaster ? treeCpuTimeMs(postmaster) : undefined;
      return { result, cpuMs: before !== undefined && after !== undefined ? after - before : undefined };
    };
    const context: Context = {
      url: database.url,
      databaseCpu,
      sql,
      app,
      engine,
      record,
      references,
      variantCarts: [],
      locations: { runs: [] },
    };
    // The baseline first: the other paths are compared with it as they finish.
    if (only.has("baseline")) await measureBaseline(context);
    if (only.has("pgbench")) context.pgbench = await measurePgbench(context);
    if (only.has("engine")) await measureEngine(context);
    if (only.has("variants")) await measureVariantCarts(context);
    const lineCosts = only.has("kits") ? await measureLineCosts(sql, engine, log) : undefined;
    if (only.has("http")) await measureHttp(context);
    if (only.has("locations")) await measureLocations(context);

    const reconcile = await engine.reconcileStock();
    // The baseline's tables exist only when it ran (BENCH_ONLY may leave it out).
    const baselineCheck = only.has("baseline") ? await checkBaseline(database.url) : { ok: true, reserved: 0, holds: 0 };
    log(`Reconcile (levels = ledger = active holds): ${reconcile.ok ? "ok" : "FAILED"} over ${reconcile.products} products`);
    log(`Baseline check (reserved = hold rows): ${baselineCheck.ok ? "ok" : "FAILED"}`);
    const targets = targetsOf(results, context.pgbench, context.variantCarts, context.locations);
    for (const t of targets) log(`  ${t.met ? "met   " : "MISSED"}  ${t.name}: ${t.value} (target ${t.target})`);

    const report: BenchReport = {
      date: new Date(startedAt).toISOString(),
      machine,
      loadAverage: { atStart: loadAtStart, atEnd: round2(os.loadavg()[0]!) },
      database: { ...database.server, embedded: database.embedded },
      settings: {
        appPoolSize: engine.poolSize,
        holdBatch: engine.holdQueueSettings.maxBatch,
        holdBatchesInFlight: engine.holdQueueSettings.maxInFlight,
        holdsPerLevel: JSON.stringify(HOLDS_AT),
        spreadProducts: SPREAD_PRODUCTS,
        warmUpHolds: WARM_UP_HOLDS,
      },
      results,
      references,
      ...(context.pgbench !== undefined ? { pgbench: context.pgbench } : {}),
      variantCarts: context.variantCarts,
      ...(lineCosts ? { lineCosts } : {}),
      locations: context.locations,
      reconcile: { ok: reconcile.ok, products: reconcile.products, problems: reconcile.problems.length },
      baselineCheck,
      targets,
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    };
    const dir = path.join(process.cwd(), "bench", "results");
    fs.mkdirSync(dir, { recursive: true });
    // One file per run, named by its start to the second, never overwritten: every run stays on record.
    const file = path.join(dir, `${report.date.slice(0, 19).replace(/:/g, "-")}Z.json`);
    fs.writeFileSync(file, JSON.stringify(report, null, 2) + "\n", { flag: "wx" });
    fs.writeFileSync(path.join(dir, "latest.json"), JSON.stringify(report, null, 2) + "\n");
    // A part left out by BENCH_ONLY leaves its section of the page as it was.
    const page = path.join(process.cwd(), "BENCHMARKS.md");
    const source = path.relative(process.cwd(), file);
    if (results.length > 0) writeBenchmarksTable(page, report, source);
    if (only.has("variants")) replaceSection(page, "variants", renderVariantsSection(report, source));
    if (lineCosts) replaceSection(page, "line-costs", renderLineCostsSection(lineCosts, source));
    if (only.has("locations")) replaceSection(page, "locations", renderLocationsSection(report, source));
    log(`Saved ${path.relative(process.cwd(), file)} and bench/results/latest.json; BENCHMARKS.md updated (${report.durationSeconds} s).`);
    // Every hold was meant to succeed: a refusal or an error is as much a failure as an oversell.
    if (
      !reconcile.ok ||
      !baselineCheck.ok ||
      [...results, ...context.variantCarts, ...context.locations.runs].some((r) => !r.oversellCheck.ok || r.failed > 0) ||
      (lineCosts?.runs ?? []).some((r) => !r.checked || r.failed > 0) ||
      context.locations.runs.some((r) => !r.perLocationOk) ||
      (context.locations.comparison?.rounds ?? []).some((r) => !r.checked || r.failed > 0)
    ) {
      process.exitCode = 1;
    }
  } finally {
    await shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
