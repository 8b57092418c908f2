/**
 * `npm run bench:pages`: do the pages that lead to a hold keep up in a drop? wrk (a C load generator, so the client
 * takes little of the shared cores) at 32 connections against the built app (`next start`) on a fresh database
 * with the demo catalogue, 1,000 more products in five sizes each, one of them also in ten colours (50 variants),
 * and some shoppers holding stock throughout (so the pages have holds to show). Routes:
 *   - `GET /api/health` (one `select 1`): the framework's own ceiling on this machine, the yardstick of the targets;
 *   - the home page `/`, a product page (the demo Trail Shirt), the 50-variant product's page, the catalogue's
 *     second page (`/?cursor=…`) and a search (`/?q=…`);
 *   - the product page's poll of a shopper who holds nothing (`GET /api/products/trail-shirt/stock`), which every
 *     open product page sends each second.
 * Each route first has an untimed warm-up run, then ROUNDS rounds take every route in turn for ROUND_SECONDS each,
 * so a change in the shared machine's speed falls on all routes alike. The server's resident memory is sampled
 * throughout (its peak under load is a target). It prints the figures against the targets, saves
 * bench/results/pages-<start time>.json and rewrites the "pages" section of BENCHMARKS.md.
 * Needs `wrk` (Debian: `apt-get install -y wrk`). All load goes to 127.0.0.1, bounded in time.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import postgres from "postgres";
import { seedDemoCatalogue } from "../db/seed";
import { ensureBuild } from "../tests/support/build";
import { startApp } from "../tests/support/app-server";
import { CookieJar } from "../tests/support/http";
import { createHttpClient, findServerPid } from "./app";
import { addProducts, addVariantsToProducts } from "./catalogue";
import { prepareBenchDatabase } from "./database";
import { round1, watchProcess } from "./load";
import { describeMachine } from "./machine";
import { replaceSection, saveResult } from "./report";
import { runWrk, summarize, type WrkRun, type WrkSummary } from "./wrk";

const CONNECTIONS = 32;
const ROUNDS = 3;
const ROUND_SECONDS = 5;
const WARMUP_SECONDS = 5;
const WRK = { connections: CONNECTIONS, threads: 2, openSeconds: 2 };
const EXTRA_PRODUCTS = 1_000;
const HOLDING_SHOPPERS = 10;
const SEARCH = "lamp";
/** The server's resident memory under this load, at most (the figure of the pages before caching). */
const MEMORY_TARGET_MIB = 800;

const log = (line: string) => console.log(line);

function currentCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

/** Shoppers holding one unit of a few variants each (through the Store API), so pages have holds to show. */
async function startHolds(baseUrl: string, variantIds: string[]): Promise<void> {
  const client = createHttpClient(baseUrl, 1);
  try {
    for (const [i, variantId] of variantIds.entries()) {
      const added = await client.post("/api/cart/lines", { variantId, quantity: 1 });
      if (added.status !== 200) throw new Error(`adding to a cart answered ${added.status}`);
      const jar = new CookieJar();
      jar.take(added.setCookies);
      const started = await client.post("/api/checkout", { email: `pages-${i}@example.test` }, jar.header());
      if (started.status !== 201) throw new Error(`starting checkout answered ${started.status}`);
    }
  } finally {
    client.close();
  }
}

interface RouteFigures extends WrkSummary {
  path: string;
  /** This route's rate over the health check's, in the same run. */
  ofHealth: number;
  bytes: number;
}

async function main() {
  const started = new Date();
  const wrk = "/usr/bin/wrk";
  if (!fs.existsSync(wrk)) throw new Error("wrk is missing: apt-get install -y wrk");
  ensureBuild(log);
  const database = await prepareBenchDatabase(log);
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  const loadAtStart = round1(os.loadavg()[0] ?? 0);
  try {
    await seedDemoCatalogue(database.url);
    await addProducts(sql, EXTRA_PRODUCTS);
    await addVariantsToProducts(sql);
    const app = await startApp({
      DATABASE_URL: database.url,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      LOG_LEVEL: "warn",
      RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE: "100000000",
    });
    try {
      const serverPid = findServerPid(app.process.pid!);
      const holdOn = await sql<{ id: string }[]>`
        select v.id from product_variants v join products p on p.id = v.product_id
        where p.slug in ('trail-shirt', 'bench-1')
          and exists (select 1 from stock_levels s where s.variant_id = v.id and s.on_hand - s.reserved - s.allocated > 0)
        order by v.position limit ${HOLDING_SHOPPERS}`;
      await startHolds(app.baseUrl, holdOn.map((v) => v.id));

      const client = createHttpClient(app.baseUrl, 1);
      const firstPage = (await client.get("/api/products?limit=24")).body as { nextCursor: string | null };
      if (!firstPage.nextCursor) throw new Error("the catalogue has no second page");
      const routes: Record<string, string> = {
        health: "/api/health",
        home: "/",
        product: "/products/trail-shirt",
        product50: "/products/bench-1",
        secondPage: `/?cursor=${encodeURIComponent(firstPage.nextCursor)}`,
        search: `/?q=${SEARCH}`,
        poll: "/api/products/trail-shirt/stock",
      };
      const bytes: Record<string, number> = {};
      for (const [name, urlPath] of Object.entries(routes)) {
        const answer = await client.get(urlPath);
        if (answer.status !== 200) throw new Error(`GET ${urlPath} answered ${answer.status}`);
        bytes[name] = Buffer.byteLength(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
      }
      client.close();

      const lua = (urlPath: string) => `function request() return wrk.format("GET", ${JSON.stringify(urlPath)}) end`;
      log(`Warming up each route for ${WARMUP_SECONDS} s …`);
      for (const urlPath of Object.values(routes)) runWrk({ wrk, ...WRK }, app.baseUrl, lua(urlPath), WARMUP_SECONDS);
      const runs: Record<string, WrkRun[]> = Object.fromEntries(Object.keys(routes).map((name) => [name, []]));
      const memory = watchProcess(serverPid, 100);
      for (let round = 1; round <= ROUNDS; round += 1) {
        log(`Round ${round} of ${ROUNDS} …`);
        // The first route of a round rotates, so none always follows the same one.
        const names = Object.keys(routes);
        const order = names.map((_, i) => names[(i + round - 1) % names.length]!);
        for (const name of order) runs[name]!.push(runWrk({ wrk, ...WRK }, app.baseUrl, lua(routes[name]!), ROUND_SECONDS));
      }
      const server = memory.stop();

      const health = summarize(runs.health!);
      const figures: Record<string, RouteFigures> = {};
      for (const [name, urlPath] of Object.entries(routes)) {
        const summary = summarize(runs[name]!);
        figures[name] = { ...summary, path: urlPath, ofHealth: Math.round((summary.requestsPerSecond / health.requestsPerSecond) * 100) / 100, bytes: bytes[name]! };
      }
      for (const [name, f] of Object.entries(figures)) {
        log(
          `  ${name.padEnd(11)} ${String(f.requestsPerSecond).padStart(7)} req/s (${f.ofHealth.toFixed(2)}× health)  p50 ${f.p50Ms} ms  p99 ${f.p99Ms} ms` +
            `  non-2xx ${f.non2xx}, errors ${f.socketErrors}  per round ${f.perRun.join(" / ")}`,
        );
      }
      log(`  server RSS under load: peak ${server.peakMiB} MiB, mean ${server.meanMiB} MiB`);

      const targets = [
        ...(["home", "product"] as const).flatMap((name) => [
          { name: `${name}: throughput vs health`, value: figures[name]!.ofHealth, target: "≥ 0.5×", met: figures[name]!.ofHealth >= 0.5 },
          { name: `${name}: p99 (ms)`, value: figures[name]!.p99Ms, target: "< 300", met: figures[name]!.p99Ms < 300 },
        ]),
        { name: "server RSS peak under load (MiB)", value: server.peakMiB, target: `≤ ${MEMORY_TARGET_MIB}`, met: server.peakMiB <= MEMORY_TARGET_MIB },
        {
          name: "no error answers",
          value: Object.values(figures).reduce((n, f) => n + f.non2xx + f.socketErrors, 0),
          target: "0",
          met: Object.values(figures).every((f) => f.non2xx === 0 && f.socketErrors === 0),
        },
      ];
      for (const t of targets) log(`  ${t.met ? "met " : "MISS"} ${t.name}: ${t.value} (target ${t.target})`);

      const report = {
        date: started.toISOString(),
        commit: currentCommit(),
        machine: describeMachine(),
        loadAverage: { atStart: loadAtStart, atEnd: round1(os.loadavg()[0] ?? 0) },
        database: database.server,
        settings: { connections: CONNECTIONS, threads: WRK.threads, rounds: ROUNDS, roundSeconds: ROUND_SECONDS, warmUpSeconds: WARMUP_SECONDS, extraProducts: EXTRA_PRODUCTS, holdingShoppers: HOLDING_SHOPPERS },
        routes: figures,
        server: { rssPeakMiB: server.peakMiB, rssMeanMiB: server.meanMiB, cpuMs: server.cpuMs },
        targets,
        durationSeconds: Math.round((Date.now() - started.getTime()) / 1000),
      };
      const saved = saveResult("pages", started, report);
      log(`Saved ${saved}`);
      if (process.env.BENCH_PAGES_REPORT !== "0") {
        const m = report.machine;
        const label: Record<string, string> = {
          health: "`GET /api/health`",
          home: "home page `/`",
          product: "product page (Trail Shirt, 3 variants)",
          product50: "product page with 50 variants",
          secondPage: "catalogue's second page",
          search: `search \`/?q=${SEARCH}\``,
          poll: "product page's poll `GET /api/products/trail-shirt/stock`",
        };
        replaceSection(
          "BENCHMARKS.md",
          "pages",
          [
            `Run of ${report.date.slice(0, 16).replace("T", " ")} UTC at commit ${report.commit}, ${report.durationSeconds} s in all (\`${saved}\`). ` +
              `Machine: ${m.cpus} CPUs (\`nproc\`), ${m.cpuModel}, ${m.memoryGiB} GiB memory, ${m.os}; Node ${m.node}; ` +
              `PostgreSQL ${database.server.version} (fsync ${database.server.fsync}). Load average (1 min) ${report.loadAverage.atStart} at the start, ` +
              `${report.loadAverage.atEnd} at the end. wrk, ${CONNECTIONS} connections, each route warmed ${WARMUP_SECONDS} s, then ${ROUNDS} alternated rounds of ${ROUND_SECONDS} s; ` +
              `${EXTRA_PRODUCTS.toLocaleString("en")} products in 5 sizes besides the demo catalogue, ${HOLDING_SHOPPERS} shoppers holding stock.`,
            "",
            "| route | requests/s | × health | p50 ms | p99 ms | KB | non-2xx |",
            "|---|---:|---:|---:|---:|---:|---:|",
            ...Object.entries(figures).map(
              ([name, f]) => `| ${label[name]} | ${f.requestsPerSecond} | ${f.ofHealth.toFixed(2)}× | ${f.p50Ms} | ${f.p99Ms} | ${(f.bytes / 1024).toFixed(1)} | ${f.non2xx + f.socketErrors} |`,
            ),
            "",
            `Server (next-server) resident memory under this load: peak ${server.peakMiB} MiB, mean ${server.meanMiB} MiB.`,
            "",
            "| target | value | target | met |",
            "|---|---:|---|---|",
            ...targets.map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met ? "yes" : "**no**"} |`),
          ].join("\n"),
        );
        log("Rewrote the pages section of BENCHMARKS.md");
      }
    } finally {
      await app.stop();
    }
  } finally {
    await sql.end();
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
