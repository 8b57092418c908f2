/**
 * `npm run bench:pooler`: the engine on one hot product at 64 concurrent shoppers, directly and through PgBouncer
 * in transaction mode (DATABASE_POOLER=transaction: no prepared statements, SET LOCAL per transaction), in
 * alternating rounds on the same PostgreSQL, so both see the same machine load. Prints holds/s and latency per
 * round and checks that every hold granted is in the database, and nothing more. Saves every round, the machine
 * and the median per path as bench/results/pooler-<start time>.json.
 *
 * Each round runs the engine in a child process, since lib/ reads DATABASE_URL and DATABASE_POOLER at import.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { PGBOUNCER_BIN, startPgBouncer } from "../tests/support/pgbouncer";
import { prepareBenchDatabase } from "./database";
import { createProducts, createShoppersWithCarts, type BenchShopper } from "./fixtures";
import { percentile, round1 } from "./load";
import { describeMachine } from "./machine";
import { saveResult } from "./report";

const ROUNDS = 3;
const HOLDS = 2000;
const CONCURRENCY = 64;
const WARM_UP = 200;
const POOL_SIZE = 20;

interface RoundResult {
  holds: number;
  failed: number;
  firstError?: string;
  holdsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

async function child(): Promise<void> {
  const { warm, shoppers } = JSON.parse(fs.readFileSync(process.env.BENCH_SHOPPERS_FILE!, "utf8")) as {
    warm: BenchShopper[];
    shoppers: BenchShopper[];
  };
  const engine = await import("./engine");
  await engine.runEngine(warm, 8, 30_000);
  const result = await engine.runEngine(shoppers, CONCURRENCY, 30_000);
  await engine.closeEnginePool();
  const out: RoundResult = {
    holds: result.succeeded,
    failed: result.failed,
    firstError: result.firstError,
    holdsPerSecond: Math.round(result.succeeded / (result.elapsedMs / 1000)),
    p50Ms: round1(percentile(result.latencies, 50)),
    p99Ms: round1(percentile(result.latencies, 99)),
  };
  console.log(`RESULT ${JSON.stringify(out)}`);
}

function runChild(env: Record<string, string>): Promise<RoundResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [path.join("node_modules", "tsx", "dist", "cli.mjs"), "--conditions=react-server", "bench/pooler.ts", "child"],
      { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] },
    );
    let output = "";
    proc.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    proc.on("error", reject);
    proc.on("exit", (code) => {
      const line = output.split("\n").find((l) => l.startsWith("RESULT "));
      if (code !== 0 || !line) reject(new Error(`round failed (exit ${code}):\n${output}`));
      else resolve(JSON.parse(line.slice("RESULT ".length)) as RoundResult);
    });
  });
}

// Nearest-rank median: with 3 rounds, the middle one.
const median = (values: number[]) => round1(percentile([...values].sort((a, b) => a - b), 50));

async function main(): Promise<number> {
  const started = new Date();
  const machine = describeMachine();
  const loadAtStart = Number((os.loadavg()[0] ?? 0).toFixed(2));
  const database = await prepareBenchDatabase((line) => console.log(line));
  const bouncer = await startPgBouncer(database.url, { poolSize: POOL_SIZE });
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stockhold-bench-pooler-"));
  const rows: string[] = [];
  const rounds: (RoundResult & { round: number; path: "direct" | "pgbouncer"; checked: boolean })[] = [];
  let allChecked = true;
  try {
    console.log(`Load average at start: ${loadAtStart}`);
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const mode of ["direct", "pgbouncer"] as const) {
        const [product] = await createProducts(sql, `pooler-${mode}-${round}`, 1, (HOLDS + WARM_UP) * 2);
        const warm = await createShoppersWithCarts(sql, [product!], WARM_UP);
        const shoppers = await createShoppersWithCarts(sql, [product!], HOLDS);
        const file = path.join(tmp, `${mode}-${round}.json`);
        fs.writeFileSync(file, JSON.stringify({ warm, shoppers }));
        const result = await runChild({
          BENCH_SHOPPERS_FILE: file,
          DATABASE_URL: mode === "direct" ? database.url : bouncer.urlFor(database.url),
          DATABASE_POOLER: mode === "direct" ? "none" : "transaction",
          RATE_LIMIT_CHECKOUTS_PER_MINUTE: "0",
          EXPIRY_SWEEP_SECONDS: "0",
        });
        const [level] = await sql<{ reserved: number }[]>`select reserved from stock_levels where product_id = ${product!}`;
        const checked = level!.reserved === result.holds + WARM_UP && result.failed === 0;
        allChecked &&= checked;
        const row = `| ${round} | ${mode} | ${result.holds} | ${result.holdsPerSecond} | ${result.p50Ms} | ${result.p99Ms} | ${checked ? "yes" : "NO"} |`;
        console.log(row + (result.firstError ? ` first error: ${result.firstError}` : ""));
        rows.push(row);
        rounds.push({ round, path: mode, ...result, checked });
      }
    }
    const loadAtEnd = Number((os.loadavg()[0] ?? 0).toFixed(2));
    const bouncerVersion = /PgBouncer (\S+)/.exec(execFileSync(PGBOUNCER_BIN, ["--version"], { encoding: "utf8" }))?.[1] ?? "unknown";
    const medians = (["direct", "pgbouncer"] as const).map((mode) => {
      const of = rounds.filter((r) => r.path === mode);
      return {
        path: mode,
        rounds: of.length,
        holdsPerSecond: median(of.map((r) => r.holdsPerSecond)),
        p50Ms: median(of.map((r) => r.p50Ms)),
        p99Ms: median(of.map((r) => r.p99Ms)),
      };
    });
    const source = saveResult("pooler", started, {
      startedAt: started.toISOString(),
      machine,
      loadAverage: { atStart: loadAtStart, atEnd: loadAtEnd },
      settings: {
        rounds: ROUNDS,
        holdsPerRound: HOLDS,
        warmUpHolds: WARM_UP,
        concurrency: CONCURRENCY,
        pgbouncer: { version: bouncerVersion, poolMode: "transaction", defaultPoolSize: POOL_SIZE },
        database: database.server,
      },
      rounds,
      medians,
      allChecked,
    });
    console.log(`Load average at end: ${loadAtEnd}`);
    console.log(`\nMachine: ${machine.cpus} CPUs, ${machine.cpuModel}; PostgreSQL ${database.server.version}; PgBouncer ${bouncerVersion} (pool_mode = transaction, default_pool_size ${POOL_SIZE})`);
    console.log("| round | path | holds | holds/s | p50 ms | p99 ms | every hold in the database, nothing more |");
    console.log("|---:|---|---:|---:|---:|---:|---|");
    for (const row of rows) console.log(row);
    for (const m of medians) console.log(`median of ${m.rounds} rounds, ${m.path}: ${m.holdsPerSecond} holds/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms`);
    console.log(`saved ${source}`);
    return allChecked ? 0 : 1;
  } finally {
    await sql.end();
    await bouncer.stop();
    await database.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[2] === "child") {
  child().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
