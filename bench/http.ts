/**
 * `npm run bench:http`: checkout starts over HTTP against PostgreSQL's own limit, in one run on one machine
 * (issue targets are ratios within the run):
 *   - pgbench: the bare hold transaction (BEGIN; SELECT … FOR UPDATE; INSERT hold; UPDATE stock; COMMIT) on one
 *     hot row at 64 clients — what PostgreSQL itself does on this machine;
 *   - the engine alone: `startCheckout` in this process at 64 callers on one hot product, and over 1,000 products;
 *   - wrk (a C load generator, so the client takes little of the two cores) at 64 connections against the built
 *     app with the production defaults (both rate limits on; the per-address one set too high to trigger):
 *     `POST /api/checkout` on one hot product, every request a different shopper (its own guest cookie), and
 *     `GET /api/health` for the framework's own ceiling, and `POST /api/checkout` with a body it refuses (400 at
 *     validation: no hold, no database) for what Next.js's POST handling and the body read cost on their own;
 *   - the same health check against the app as it was before structured logs, request ids and metrics came in
 *     (bench/baseline-app.ts: commit 4f99d14, built once beside this one and kept in a cache), its rounds alternated
 *     with this build's, for what observability costs per request.
 * BENCH_BASELINE=0 leaves the baseline out (a quicker run); BENCH_HTTP_ONLY=health measures only the two health
 * checks, old and new, and saves nothing (for trying a change).
 * It checks nothing was oversold, prints the figures against the targets, saves bench/results/http-<start time>.json
 * and rewrites the "bench:http" section of BENCHMARKS.md. The exit code is 1 if anything was oversold.
 * Needs `wrk` and `pgbench` (Debian: `apt-get install -y wrk postgresql`). All load goes to 127.0.0.1, bounded in time.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { ensureBuild } from "../tests/support/build";
import { cpuSecondsOfTree } from "./process-cpu";
import { startApp } from "../tests/support/app-server";
import { prepareBenchDatabase } from "./database";
import { createBaselineProducts, createBaselineTables, createProducts, createShoppersWithCarts } from "./fixtures";
import { percentile, round1 } from "./load";
import { describeMachine } from "./machine";
import { replaceSection } from "./report";
import { runWrk, summarize, type WrkRun } from "./wrk";
import { BASELINE_COMMIT, ensureBaselineBuild, startBaselineApp, type BaselineApp } from "./baseline-app";

const CONNECTIONS = 64;
const SECONDS = 10;
/**
 * The HTTP figures come from rounds: each round runs the health check, the refused checkout and the checkout
 * one after the other for ROUND_SECONDS each, so a change in this shared machine's speed during the bench falls
 * on all three alike (in one long run per route, a slow minute could land on one route only). Each route first
 * has an untimed WARMUP_SECONDS run, so its code is loaded and compiled before it is measured.
 */
const ROUNDS = 3;
const ROUND_SECONDS = 5;
const WARMUP_SECONDS = 5;
const WRK = { connections: CONNECTIONS, threads: 2, openSeconds: 2 };
/** More shoppers than the checkout runs can take, so every request is a new shopper's first checkout start. */
const SHOPPERS = 40_000;
/**
 * Enough starts for about 3–4 s of the engine at 64 callers: over one second (4,000 starts), one stall of the
 * machine (a collection, a slow fsync) holds all 64 callers' starts at once, more than 1 % of the run, so the p99
 * was that one stall's length whenever one fell in the run and the engine's normal tail otherwise.
 */
const ENGINE_SHOPPERS = 12_000;
const SPREAD_PRODUCTS = 1_000;

const log = (line: string) => console.log(line);

function findTool(name: string, candidates: string[]): string {
  for (const candidate of [name, ...candidates]) {
    const found = spawnSync("sh", ["-c", `command -v ${candidate}`], { encoding: "utf8" }).stdout.trim();
    if (found) return found;
  }
  throw new Error(`${name} is not installed (Debian: apt-get install -y ${name === "pgbench" ? "postgresql" : name})`);
}

/** The guest cookie the app itself would set (lib/accounts/guest-cookie.ts signs `guest:<id>` with AUTH_SECRET). */
const guestCookie = (secret: string, id: string) =>
  `stockhold_guest=${id}.${createHmac("sha256", secret).update(`guest:${id}`).digest("base64url")}`;

function runPgbench(pgbench: string, url: string, productId: string): { tps: number } {
  const script = path.join(os.tmpdir(), `stockhold-pgbench-${process.pid}.sql`);
  fs.writeFileSync(
    script,
    `BEGIN;
SELECT on_hand - reserved - allocated FROM bench_baseline_stock WHERE variant_id = '${productId}' FOR UPDATE;
INSERT INTO bench_baseline_holds (checkout_id, shopper_id, product_id, variant_id, quantity, unit_price_cents, expires_at)
  VALUES (gen_random_uuid(), gen_random_uuid(), '${productId}', '${productId}', 1, 1000, now() + interval '900 seconds');
UPDATE bench_baseline_stock SET reserved = reserved + 1, updated_at = now() WHERE variant_id = '${productId}';
COMMIT;
`,
  );
  try {
    const out = execFileSync(pgbench, ["-n", "-c", String(CONNECTIONS), "-j", "2", "-T", String(SECONDS), "-f", script, url], {
      encoding: "utf8",
      timeout: (SECONDS + 30) * 1000,
    });
    return { tps: round1(Number(/tps = ([\d.]+)/.exec(out)?.[1])) };
  } finally {
    fs.rmSync(script, { force: true });
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return Math.round(value * 100) / 100;
};

/** What the build is made from (tests/support/build.ts), and what it runs with. */
const APP_SOURCES = ["app", "components", "lib", "db", "proxy.ts", "instrumentation.ts", "next.config.mjs", "package.json", "package-lock.json", "patches"];

/**
 * The code this run measures: the last commit that changed the app (not the bench or the docs, so runs of one
 * code group together), marked when the work tree had changes to it.
 */
function currentCommit(): string {
  const last = execFileSync("git", ["log", "-1", "--format=%h", "--", ...APP_SOURCES], { encoding: "utf8" }).trim();
  const dirty = execFileSync("git", ["status", "--porcelain", "--", ...APP_SOURCES], { encoding: "utf8" }).trim();
  return dirty ? `${last}+changes` : last;
}

/** The saved bench:http runs of one commit (with a baseline), oldest first. */
function runsOf(commit: string): { file: string; health: number; healthOld: number; ratio: number; checkoutToHealth: number; engineToPgbench: number }[] {
  const dir = path.join(process.cwd(), "bench", "results");
  return fs
    .readdirSync(dir)
    .filter((f) => /^http-.*\.json$/.test(f))
    .sort()
    .flatMap((f) => {
      const r = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as {
        commit?: string;
        health: { requestsPerSecond: number };
        baseline?: { health: { requestsPerSecond: number }; healthNew: { requestsPerSecond: number }; ratio: number };
        checkout: { ratioToHealth: number };
        engine: { ratioToPgbench: number };
      };
      if (r.commit !== commit || !r.baseline) return [];
      return [{
        file: `bench/results/${f}`,
        health: r.baseline.healthNew.requestsPerSecond,
        healthOld: r.baseline.health.requestsPerSecond,
        ratio: r.baseline.ratio,
        checkoutToHealth: r.checkout.ratioToHealth,
        engineToPgbench: r.engine.ratioToPgbench,
      }];
    });
}

/** Every saved run of this commit with a baseline (this one included), and their medians. */
function medianTable(commit: string, source: string): string[] {
  const runs = runsOf(commit);
  if (runs.length === 0) return [];
  const row = (name: string, r: Omit<(typeof runs)[number], "file">) =>
    `| ${name} | ${r.healthOld} | ${r.health} | ${r.ratio} | ${r.checkoutToHealth} | ${r.engineToPgbench} |`;
  const of = (f: (r: (typeof runs)[number]) => number) => median(runs.map(f));
  return [
    "",
    `All saved runs of this code (the app as of commit ${commit}), and their median:`,
    "",
    "| run | health old (req/s) | health new, same settings (req/s) | new / old (≥ 1.0) | checkout / health (≥ 0.95) | engine / pgbench (≥ 5) |",
    "|---|---:|---:|---:|---:|---:|",
    ...runs.map((r) => row(`\`${r.file}\`${r.file === source ? " (this run)" : ""}`, r)),
    row(`**median of ${runs.length}**`, {
      healthOld: of((r) => r.healthOld),
      health: of((r) => r.health),
      ratio: of((r) => r.ratio),
      checkoutToHealth: of((r) => r.checkoutToHealth),
      engineToPgbench: of((r) => r.engineToPgbench),
    }),
  ];
}

async function main(): Promise<void> {
  const started = new Date();
  const onlyHealth = process.env.BENCH_HTTP_ONLY === "health";
  const withBaseline = onlyHealth || process.env.BENCH_BASELINE !== "0";
  const wrk = findTool("wrk", []);
  const pgbench = findTool("pgbench", fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin/pgbench`) : []);
  const commit = currentCommit();
  ensureBuild(log);
  const baselineBuild = withBaseline ? ensureBaselineBuild(log) : null;
  const database = await prepareBenchDatabase(log);
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  const secret = randomBytes(32).toString("base64url");
  const load = (os.loadavg()[0] ?? 0).toFixed(2);
  try {
    // pgbench on the baseline's own tables: the same columns, checks and indexes as the shop's.
    await createBaselineTables(sql);
    const [baselineProduct] = await createBaselineProducts(sql, 1, 100_000_000);
    let pg = { tps: NaN };
    if (!onlyHealth) {
      log(`pgbench: the bare FOR UPDATE hold transaction on one hot row, ${CONNECTIONS} clients, ${SECONDS} s …`);
      pg = runPgbench(pgbench, database.url, baselineProduct!);
      log(`  ${pg.tps} transactions/s`);
    }

    // The engine alone, in this process (lib/env reads its settings on import), logging as the app does here.
    process.env.DATABASE_URL = database.url;
    process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "10";
    process.env.LOG_LEVEL = "warn";
    const engine = await import("./engine");
    const runEngineOn = async (products: string[], count: number) => {
      const shoppers = await createShoppersWithCarts(sql, products, count);
      await engine.runEngine(shoppers.slice(0, 200), 8, 30_000);
      const run = await engine.runEngine(shoppers.slice(200), CONNECTIONS, 30_000);
      return {
        holdsPerSecond: round1(run.succeeded / (run.elapsedMs / 1000)),
        p99Ms: round1(percentile(run.latencies, 99)),
        failed: run.failed,
      };
    };
    const skipped = { holdsPerSecond: NaN, p99Ms: NaN, failed: 0 };
    const hotEngine = onlyHealth ? skipped : await runEngineOn(await createProducts(sql, "engine", 1, ENGINE_SHOPPERS), ENGINE_SHOPPERS);
    const spreadEngine = onlyHealth ? skipped : await runEngineOn(await createProducts(sql, "spread", SPREAD_PRODUCTS, ENGINE_SHOPPERS), ENGINE_SHOPPERS);
    if (!onlyHealth) {
      log(`engine alone, one hot product: ${hotEngine.holdsPerSecond} holds/s at ${CONNECTIONS} callers, p99 ${hotEngine.p99Ms} ms`);
      log(`engine alone, ${SPREAD_PRODUCTS} products: ${spreadEngine.holdsPerSecond} holds/s, p99 ${spreadEngine.p99Ms} ms`);
    }
    await engine.closeEnginePool();

    // The app with the production defaults; every request a different shopper.
    const [hotProduct] = await createProducts(sql, "hot", 1, SHOPPERS);
    const shoppers = onlyHealth ? [] : await createShoppersWithCarts(sql, [hotProduct!], SHOPPERS);
    const cookies = path.join(os.tmpdir(), `stockhold-wrk-${process.pid}.txt`);
    fs.writeFileSync(cookies, shoppers.map((s) => guestCookie(secret, s.id)).join("\n") + "\n");
    // Each request is the next shopper's checkout start (its own guest cookie): thread t takes shoppers
    // first + t, first + t + threads, … where `first` (args[1]) moves on past every run's shoppers.
    const checkoutLua = `local cookies = {}
for line in io.lines("${cookies}") do cookies[#cookies + 1] = line end
local threads = 0
function setup(thread) thread:set("t", threads); threads = threads + 1 end
function init(args) n = tonumber(args[1]) + t end
function request()
  n = n + ${WRK.threads}
  return wrk.format("POST", "/api/checkout", { ["Content-Type"] = "application/json", ["Cookie"] = cookies[(n % #cookies) + 1] }, '{"email":"bench@example.test"}')
end
`;
    const healthLua = `function request() return wrk.format("GET", "/api/health") end`;
    const routes = {
      healthOld: healthLua,
      healthNew: healthLua,
      health: healthLua,
      refused: `function request() return wrk.format("POST", "/api/checkout", { ["Content-Type"] = "application/json" }, '{"email":"not-an-address"}') end`,
      checkout: checkoutLua,
    };
    type Route = keyof typeof routes;
    const appEnv = {
      AUTH_SECRET: secret,
      LOG_LEVEL: "warn",
      RATE_LIMIT_CHECKOUTS_PER_MINUTE: "10",
      RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE: "100000000",
    };
    const app = await startApp({ DATABASE_URL: database.url, ...appEnv });
    // The old against the new: both with the per-address limit off, since the old one wrote to the database on
    // every request (the new one counts in memory); what differs is then what each request pays besides its query.
    const compareEnv = { ...appEnv, RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE: "0" };
    let baselineApp: BaselineApp | null = null;
    let compareApp: Awaited<ReturnType<typeof startApp>> | null = null;
    try {
      if (baselineBuild) {
        baselineApp = await startBaselineApp(baselineBuild, database.url, compareEnv);
        compareApp = await startApp({ DATABASE_URL: database.url, ...compareEnv });
      }
      let nextShopper = 0;
      // Server CPU per request of the two health checks (their processes' user + system time over each timed run):
      // steadier than the rates on a shared machine, since a neighbour taking a core slows a rate, not a request's CPU.
      const healthCpu = { healthOld: { seconds: 0, requests: 0 }, healthNew: { seconds: 0, requests: 0 } };
      const run = (route: Route, seconds: number, timed = true): WrkRun => {
        const url = route === "healthOld" ? baselineApp!.baseUrl : route === "healthNew" ? compareApp!.baseUrl : app.baseUrl;
        const pid = route === "healthOld" ? baselineApp!.pid : route === "healthNew" ? compareApp!.process.pid! : null;
        const cpuBefore = pid === null ? null : cpuSecondsOfTree(pid);
        const result = runWrk({ wrk, ...WRK }, url, routes[route], seconds, route === "checkout" ? [String(nextShopper)] : []);
        const cpuAfter = pid === null ? null : cpuSecondsOfTree(pid);
        if (timed && (route === "healthOld" || route === "healthNew") && cpuBefore !== null && cpuAfter !== null) {
          healthCpu[route].seconds += cpuAfter - cpuBefore;
          healthCpu[route].requests += result.requests;
        }
        if (route === "checkout") nextShopper += result.requests + 2 * WRK.threads;
        return result;
      };
      const cpuMicros = (route: "healthOld" | "healthNew") =>
        healthCpu[route].requests > 0 ? round1((healthCpu[route].seconds / healthCpu[route].requests) * 1e6) : NaN;
      // The old and the new health check alternate twice a round (old, new, new, old; then new, old, old, new), so
      // a drift of this shared machine's speed during the run falls on both alike.
      const order = (round: number): Route[] => [
        ...((baselineApp ? (round % 2 ? ["healthOld", "healthNew", "healthNew", "healthOld"] : ["healthNew", "healthOld", "healthOld", "healthNew"]) : []) as Route[]),
        ...((onlyHealth ? [] : ["health", "refused", "checkout"]) as Route[]),
      ];
      log(
        `wrk, ${CONNECTIONS} connections: GET /api/health${baselineApp ? ` (and on the baseline ${BASELINE_COMMIT})` : ""}` +
          (onlyHealth ? "" : ", POST /api/checkout refused at validation (400), POST /api/checkout on one hot product"),
      );
      for (const route of new Set(order(1))) run(route, WARMUP_SECONDS, false);
      const rounds: Record<Route, WrkRun[]> = { healthOld: [], healthNew: [], health: [], refused: [], checkout: [] };
      for (let round = 1; round <= ROUNDS; round++) {
        for (const route of order(round)) rounds[route].push(run(route, ROUND_SECONDS));
        const rate = (route: Route, runs = 1) => rounds[route].slice(-runs).map((r) => round1(r.requests / r.seconds)).join(" and ") || "–";
        log(
          `  round ${round} of ${ROUNDS} (${ROUND_SECONDS} s each): ` +
            (baselineApp ? `health old ${rate("healthOld", 2)}/s, new ${rate("healthNew", 2)}/s (limit off)` : "") +
            (onlyHealth ? "" : `${baselineApp ? "; " : ""}health ${rate("health")}/s, refused ${rate("refused")}/s, checkout ${rate("checkout")}/s`),
        );
      }
      if (nextShopper > SHOPPERS) log(`  note: the checkout runs took ${nextShopper} shoppers of ${SHOPPERS}; some were asked twice`);
      const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
      const healthOld = baselineApp ? summarize(rounds.healthOld) : null;
      const healthNew = baselineApp ? summarize(rounds.healthNew) : null;
      if (healthOld && healthNew) {
        log(`  health on the baseline ${BASELINE_COMMIT}: ${healthOld.requestsPerSecond} requests/s, p99 ${healthOld.p99Ms} ms`);
        log(`  health on this build, the same settings: ${healthNew.requestsPerSecond} requests/s, p99 ${healthNew.p99Ms} ms`);
        log(`  health new / old: ${ratio(healthNew.requestsPerSecond, healthOld.requestsPerSecond)} (target ≥ 1.0)`);
        log(
          `  server CPU per health check: ${cpuMicros("healthOld")} µs on the baseline, ${cpuMicros("healthNew")} µs on this build ` +
            `(new / old ${ratio(cpuMicros("healthNew"), cpuMicros("healthOld"))}; lower is better)`,
        );
      }
      if (onlyHealth) return;
      const health = summarize(rounds.health);
      log(`  health ${health.requestsPerSecond} requests/s, p99 ${health.p99Ms} ms`);
      const refused = summarize(rounds.refused);
      const checkout = summarize(rounds.checkout);
      log(`  refused ${refused.requestsPerSecond} requests/s, p99 ${refused.p99Ms} ms, non-2xx ${refused.non2xx} of ${refused.requests}`);
      log(`  checkout ${checkout.requestsPerSecond} starts/s, p99 ${checkout.p99Ms} ms, non-2xx ${checkout.non2xx}`);

      const [check] = await sql<{ reserved: number; on_hand: number; holds: number; holders: number }[]>`
        select s.reserved, s.on_hand,
          (select count(*)::int from reservations r where r.product_id = s.product_id and r.status = 'active') as holds,
          (select count(distinct shopper_id)::int from reservations r where r.product_id = s.product_id) as holders
        from stock_levels s where s.product_id = ${hotProduct!}`;
      const oversellCheck = {
        ...check!,
        ok: check!.reserved === check!.holds && check!.holds === check!.holders && check!.reserved <= check!.on_hand,
      };
      const targets = [
        ...(healthOld && healthNew
          ? [{ name: `GET /api/health vs the baseline ${BASELINE_COMMIT} (before logs and metrics)`, value: ratio(healthNew.requestsPerSecond, healthOld.requestsPerSecond), target: "≥ 1.0×", met: healthNew.requestsPerSecond >= healthOld.requestsPerSecond }]
          : []),
        { name: "checkout over HTTP vs pgbench", value: ratio(checkout.requestsPerSecond, pg.tps), target: "≥ 0.8× (aim 0.9×)", met: checkout.requestsPerSecond >= 0.8 * pg.tps },
        { name: "checkout over HTTP vs GET /api/health", value: ratio(checkout.requestsPerSecond, health.requestsPerSecond), target: "≥ 0.95×", met: checkout.requestsPerSecond >= 0.95 * health.requestsPerSecond },
        { name: "checkout over HTTP, p99 (ms)", value: checkout.p99Ms, target: "< 150", met: checkout.p99Ms < 150 },
        { name: "engine, one hot product, vs pgbench", value: ratio(hotEngine.holdsPerSecond, pg.tps), target: "≥ 5×", met: hotEngine.holdsPerSecond >= 5 * pg.tps },
        { name: "engine, one hot product, p99 (ms)", value: hotEngine.p99Ms, target: "< 50", met: hotEngine.p99Ms < 50 },
        { name: "nothing oversold (checkout over HTTP)", value: check!.holds, target: "holds = reserved = shoppers", met: oversellCheck.ok },
      ];
      const report = {
        startedAt: started.toISOString(),
        commit,
        machine: describeMachine(),
        loadAverage: { atStart: Number(load), atEnd: Number((os.loadavg()[0] ?? 0).toFixed(2)) },
        settings: {
          connections: CONNECTIONS,
          seconds: SECONDS,
          httpRounds: ROUNDS,
          httpRoundSeconds: ROUND_SECONDS,
          httpWarmupSeconds: WARMUP_SECONDS,
          wrk: WRK,
          spreadProducts: SPREAD_PRODUCTS,
          database: database.server,
        },
        pgbench: pg,
        engine: { ...hotEngine, ratioToPgbench: ratio(hotEngine.holdsPerSecond, pg.tps) },
        engineSpread: spreadEngine,
        health,
        ...(healthOld && healthNew
          ? {
              baseline: {
                commit: baselineBuild!.commit,
                settings: "both with RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE=0, otherwise as the health row",
                health: healthOld,
                healthNew,
                ratio: ratio(healthNew.requestsPerSecond, healthOld.requestsPerSecond),
                cpuMicrosPerRequest: { baseline: cpuMicros("healthOld"), thisBuild: cpuMicros("healthNew"), ratio: ratio(cpuMicros("healthNew"), cpuMicros("healthOld")) },
              },
            }
          : {}),
        refused,
        checkout: {
          ...checkout,
          ratioToPgbench: ratio(checkout.requestsPerSecond, pg.tps),
          ratioToHealth: ratio(checkout.requestsPerSecond, health.requestsPerSecond),
          ratioToRefused: ratio(checkout.requestsPerSecond, refused.requestsPerSecond),
        },
        oversellCheck,
        targets,
      };
      const file = path.join(process.cwd(), "bench", "results", `http-${started.toISOString().replace(/[:.]/g, "-")}.json`);
      fs.writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
      const source = path.relative(process.cwd(), file);
      const m = report.machine;
      const fmt = (n: number) => n.toLocaleString("en-US");
      replaceSection(
        path.join(process.cwd(), "BENCHMARKS.md"),
        "http",
        [
          `Run of ${report.startedAt.slice(0, 16).replace("T", " ")} UTC (\`${source}\`). Machine: ${m.cpus} CPUs (\`nproc\`), ${m.cpuModel}, ` +
            `${m.memoryGiB} GiB memory, ${m.os}; Node ${m.node}; PostgreSQL ${database.server.version} (fsync ${database.server.fsync}, ` +
            `synchronous_commit ${database.server.synchronousCommit}). Load average (1 min) ${report.loadAverage.atStart} at the start, ` +
            `${report.loadAverage.atEnd} at the end.`,
          "",
          "| what | per second | p99 ms |",
          "|---|---:|---:|",
          `| pgbench, the bare FOR UPDATE hold transaction on one hot row, ${CONNECTIONS} clients | ${fmt(pg.tps)} | – |`,
          `| engine alone (\`startCheckout\`), one hot product, ${CONNECTIONS} callers | ${fmt(hotEngine.holdsPerSecond)} | ${hotEngine.p99Ms} |`,
          `| engine alone, ${fmt(SPREAD_PRODUCTS)} products, ${CONNECTIONS} callers | ${fmt(spreadEngine.holdsPerSecond)} | ${spreadEngine.p99Ms} |`,
          `| \`GET /api/health\` over HTTP (wrk, ${CONNECTIONS} connections) | ${fmt(health.requestsPerSecond)} | ${health.p99Ms} |`,
          ...(healthOld && healthNew
            ? [
                `| \`GET /api/health\` on the baseline ${BASELINE_COMMIT} (before logs, request ids and metrics), per-address limit off | ${fmt(healthOld.requestsPerSecond)} | ${healthOld.p99Ms} |`,
                `| \`GET /api/health\` on this build, per-address limit off (beside the baseline) | ${fmt(healthNew.requestsPerSecond)} | ${healthNew.p99Ms} |`,
              ]
            : []),
          `| \`POST /api/checkout\` refused at validation (400: no hold, no database), for Next.js's POST handling alone | ${fmt(refused.requestsPerSecond)} | ${refused.p99Ms} |`,
          `| \`POST /api/checkout\` over HTTP, one hot product, every request a new shopper | ${fmt(checkout.requestsPerSecond)} | ${checkout.p99Ms} |`,
          "",
          `The HTTP rows pool ${ROUNDS} rounds of ${ROUND_SECONDS} s per route, taken in turn (health, refused, checkout), after an ` +
            `untimed ${WARMUP_SECONDS} s run of each; every wrk run opened its ${CONNECTIONS} connections ${WRK.openSeconds} s before its first ` +
            `request. Per round: health ${health.perRun.join(", ")}/s; ` +
            (healthOld && healthNew
              ? `health old ${healthOld.perRun.join(", ")}/s and new ${healthNew.perRun.join(", ")}/s (limit off), using ` +
                `${cpuMicros("healthOld")} and ${cpuMicros("healthNew")} µs of server CPU per request (new / old ` +
                `${ratio(cpuMicros("healthNew"), cpuMicros("healthOld"))}); `
              : "") +
            `refused ${refused.perRun.join(", ")}/s; checkout ` +
            `${checkout.perRun.join(", ")}/s. The checkout ran at ${ratio(checkout.requestsPerSecond, refused.requestsPerSecond)}× the refused POST.`,
          ...(healthOld && healthNew
            ? [
                "",
                `The baseline is commit ${BASELINE_COMMIT} (2026-11-25), the last before structured logs (pino), request ids and ` +
                  "Prometheus metrics (prom-client) came in with 6ed8e2a: the same Next.js, React, Drizzle and postgres.js versions, " +
                  "its own locked dependencies, its own build and migrations on a database of its own (`bench/baseline-app.ts`; " +
                  "built once and kept in `~/.cache/stockhold-bench`). Its health check answers the same `select 1` through " +
                  "the same handler, without the request id, log line and metrics. It is compared with a second server of this " +
                  "build, both with the per-address limit off (the old limit wrote a row on every request, which would hide what " +
                  "is measured here), so \"new / old\" is what observability and the rest of the handler cost per request. " +
                  `Their runs alternate twice a round (old, new, new, old, then the other way round): ${2 * ROUNDS} runs of ${ROUND_SECONDS} s each.`,
              ]
            : []),
          "",
          "| target | this run | goal | met |",
          "|---|---:|---|---|",
          ...targets.map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met ? "yes" : "**no**"} |`),
          ...medianTable(commit, source),
        ].join("\n"),
      );
      log(
        [
          "",
          ...targets.map((t) => `${t.met ? "met    " : "NOT MET"}  ${t.name}: ${t.value} (${t.target})`),
          `saved ${source}; BENCHMARKS.md updated`,
        ].join("\n"),
      );
      if (!oversellCheck.ok) process.exitCode = 1;
    } finally {
      await Promise.all([app.stop(), baselineApp?.stop(), compareApp?.stop()]);
      fs.rmSync(cookies, { force: true });
    }
  } finally {
    await sql.end();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
