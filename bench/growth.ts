/**
 * `npm run bench:growth`: does the merchant's side stay fast as a shop's records grow? Two shops with the same
 * catalogue (5,000 products at scale 1) side by side on one PostgreSQL server, each behind its own built app
 * (`next start`): a fresh one (its first week: 1,000 checkouts, 750 orders) and one with a year of history
 * (bench/growth-seed.ts: 400,000 checkouts and payments, 300,000 orders, 2,000,000 holds, 4.6 million ledger rows
 * at scale 1). Each measurement alternates its requests between the two, one at a time after a warm-up, so
 * whatever else loads the machine falls on both alike and the ratio is fair:
 *   - the dashboard poll, the admin's holds, orders (list and one order), ledger (page, its charts, one product's),
 *   - the home page, the Store API's page, a product page, a checkout start,
 *   - the cron sweep with nothing to do, and with 500 lapsed holds,
 *   - `npm run reconcile`.
 * GROWTH_SCALE sets the year's size (1, the default, is the year above; 0.1 a tenth of it for a quick run).
 * Saves bench/results/growth-<time>.json and rewrites the growth section of BENCHMARKS.md; exits 1 when a target
 * is missed (every path within 1.5× of the fresh shop, reconcile under 10 s on the grown one).
 */
import { spawn } from "node:child_process";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import postgres, { type Sql } from "postgres";
import { createDatabaseIfMissing } from "../db/bootstrap";
import { runMigrations } from "../db/migrate";
import { seedDemoCatalogue, upsertAdmin } from "../db/seed";
import { TEST_ADMIN_TOKEN, TEST_CRON_SECRET } from "../tests/support/app-server";
import { ensureBuild } from "../tests/support/build";
import { CookieJar, sessionCookieOf, signedInClient } from "../tests/support/http";
import { createHttpClient, startBenchApp, stopOnceOrOnSignal, type BenchApp } from "./app";
import { prepareBenchDatabase } from "./database";
import { addLiveHolds, addRecentActivity, freshSize, growHistory, growthSize, type GrowthSize } from "./growth-seed";
import { percentile, round1 } from "./load";
import { describeMachine, type Machine } from "./machine";
import { replaceSection, saveResult } from "./report";

const GROWN_DATABASE = "stockhold_bench_grown";
const WARM_UP = 5;
const SAMPLES = Number(process.env.GROWTH_SAMPLES ?? 30);
/** Rounds of the sweep with 500 lapsed holds, and of reconcile, per shop. */
const LAPSED_ROUNDS = 9;
const RECONCILE_ROUNDS = 3;
const LAPSED_HOLDS = 500;
const LIVE_HOLDS = 500;
const TARGET_RATIO = 1.5;
const RECONCILE_TARGET_S = 10;
const ADMIN = { email: "growth-admin@example.test", password: "growth-admin-password" };

interface Timing {
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  samples: number;
}

interface PathResult {
  name: string;
  fresh: Timing;
  grown: Timing;
  /** grown p50 / fresh p50. */
  ratio: number;
  met: boolean;
}

interface GrowthReport {
  date: string;
  machine: Machine;
  scale: number;
  loadAverage: { atStart: number; atEnd: number };
  database: { version: string; fsync: string; synchronousCommit: string; sharedBuffers: string; embedded: boolean };
  shops: { fresh: ShopCounts; grown: ShopCounts };
  seedSeconds: number;
  settings: { warmUp: number; samples: number; lapsedRounds: number; reconcileRounds: number };
  paths: PathResult[];
  reconcile: { freshSeconds: number; grownSeconds: number; target: string; met: boolean };
  durationSeconds: number;
}

interface ShopCounts {
  products: number;
  shoppers: number;
  checkouts: number;
  payments: number;
  orders: number;
  orderLines: number;
  holds: number;
  liveHolds: number;
  movements: number;
}

const log = (line: string) => console.log(line);

function summarise(times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    p50Ms: round1(percentile(sorted, 50)),
    p95Ms: round1(percentile(sorted, 95)),
    meanMs: round1(sorted.reduce((sum, t) => sum + t, 0) / sorted.length),
    samples: sorted.length,
  };
}

/** One request on a keep-alive connection: status and wall time from request to last byte. */
function timed(agent: http.Agent, baseUrl: string, method: string, urlPath: string, headers: Record<string, string>, body?: string) {
  const origin = new URL(baseUrl);
  return new Promise<{ status: number; ms: number; text: string }>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const request = http.request(
      {
        agent,
        host: origin.hostname,
        port: origin.port,
        method,
        path: urlPath,
        headers: { ...headers, ...(body !== undefined ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6, text: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    request.setTimeout(120_000, () => request.destroy(new Error(`${method} ${urlPath} timed out`)));
    request.on("error", reject);
    request.end(body);
  });
}

interface Shop {
  name: "fresh" | "grown";
  url: string;
  app: BenchApp;
  sql: Sql;
  /** Cookie header of a signed-in admin, for the admin pages. */
  adminCookie: string;
  orderIds: string[];
  productSlug: string;
  productId: string;
  /** Variants with free units, for checkout starts. */
  variantIds: string[];
}

/** Warm-up, then SAMPLES requests to each shop, taking the shops in turn; every answer must be `expect`. */
async function measure(shops: Shop[], request: (shop: Shop, i: number) => { method?: string; path: string; headers?: Record<string, string>; body?: string }, expect = 200) {
  const agents = shops.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  try {
    const run = async (n: number, i: number) => {
      const shop = shops[n]!;
      const r = request(shop, i);
      const answer = await timed(agents[n]!, shop.app.baseUrl, r.method ?? "GET", r.path, r.headers ?? {}, r.body);
      if (answer.status !== expect) throw new Error(`${shop.name}: ${r.method ?? "GET"} ${r.path} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
      return answer.ms;
    };
    for (let i = 0; i < WARM_UP; i += 1) for (const n of shops.keys()) await run(n, i);
    const times: number[][] = shops.map(() => []);
    for (let i = 0; i < SAMPLES; i += 1) {
      for (const n of shops.map((_, k) => (k + i) % shops.length)) times[n]!.push(await run(n, WARM_UP + i));
    }
    return times.map(summarise);
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

/** A checkout start as a shopper makes it: a cart line (not timed), then `POST /api/checkout` (timed). */
async function measureCheckoutStarts(shops: Shop[]): Promise<Timing[]> {
  const times: number[][] = shops.map(() => []);
  for (let i = 0; i < WARM_UP + SAMPLES; i += 1) {
    for (const n of shops.map((_, k) => (k + i) % shops.length)) {
      const shop = shops[n]!;
      const client = createHttpClient(shop.app.baseUrl, 1);
      try {
        const variantId = shop.variantIds[i % shop.variantIds.length]!;
        const added = await client.post("/api/cart/lines", { variantId, quantity: 1 });
        if (added.status !== 200) throw new Error(`${shop.name}: adding to a cart answered ${added.status}`);
        const jar = new CookieJar();
        jar.take(added.setCookies);
        const started = performance.now();
        const checkout = await client.post("/api/checkout", { email: `growth-${i}@example.test` }, jar.header());
        const ms = performance.now() - started;
        if (checkout.status !== 201) throw new Error(`${shop.name}: starting a checkout answered ${checkout.status}: ${JSON.stringify(checkout.body).slice(0, 300)}`);
        if (i >= WARM_UP) times[n]!.push(ms);
      } finally {
        client.close();
      }
    }
  }
  return times.map(summarise);
}

const cron = { authorization: `Bearer ${TEST_CRON_SECRET}` };

/** The sweep with `LAPSED_HOLDS` holds whose time is up, `LAPSED_ROUNDS` times per shop, in turn. */
async function measureLapsedSweeps(shops: Shop[]): Promise<Timing[]> {
  const times: number[][] = shops.map(() => []);
  const agents = shops.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  try {
    for (let round = 0; round < LAPSED_ROUNDS; round += 1) {
      for (const n of shops.map((_, k) => (k + round) % shops.length)) {
        const shop = shops[n]!;
        await addLiveHolds(shop.sql, LAPSED_HOLDS, { lapsed: true });
        const answer = await timed(agents[n]!, shop.app.baseUrl, "POST", "/api/cron/expire-reservations", cron);
        const expired = (JSON.parse(answer.text) as { expired?: number }).expired ?? 0;
        if (answer.status !== 200 || expired < LAPSED_HOLDS) throw new Error(`${shop.name}: the sweep answered ${answer.status}, released ${expired} holds`);
        times[n]!.push(answer.ms);
      }
    }
  } finally {
    for (const agent of agents) agent.destroy();
  }
  return times.map(summarise);
}

/** `npm run reconcile`'s wall time on each shop (in turn); it must pass. */
async function measureReconcile(shops: Shop[]): Promise<number[]> {
  const seconds: number[][] = shops.map(() => []);
  for (let round = 0; round < RECONCILE_ROUNDS; round += 1) {
    for (const n of shops.map((_, k) => (k + round) % shops.length)) {
      const shop = shops[n]!;
      const started = performance.now();
      const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [path.join(process.cwd(), "node_modules", "tsx", "dist", "cli.mjs"), "--conditions=react-server", "db/reconcile.ts"],
          { env: { ...process.env, DATABASE_URL: shop.url }, stdio: ["ignore", "pipe", "pipe"] },
        );
        let text = "";
        child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
        child.on("error", reject);
        child.on("exit", (exitCode) => resolve({ code: exitCode ?? -1, output: text }));
      });
      if (code !== 0) throw new Error(`${shop.name}: npm run reconcile exited ${code}:\n${output}`);
      seconds[n]!.push((performance.now() - started) / 1000);
    }
  }
  return seconds.map((s) => Math.round(s.sort((a, b) => a - b)[Math.floor(s.length / 2)]! * 100) / 100);
}

async function countsOf(sql: Sql): Promise<ShopCounts> {
  const [row] = await sql<ShopCounts[]>`
    select (select count(*)::int from products) as products,
           (select count(*)::int from users where kind <> 'admin') as shoppers,
           (select count(*)::int from checkouts) as checkouts,
           (select count(*)::int from payments) as payments,
           (select count(*)::int from orders) as orders,
           (select count(*)::int from order_lines) as "orderLines",
           (select count(*)::int from reservations) as holds,
           (select count(*)::int from reservations where status = 'active') as "liveHolds",
           (select count(*)::int from stock_movements) as movements`;
  return row!;
}

async function openShop(name: Shop["name"], url: string, app: BenchApp): Promise<Shop> {
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const admin = await signedInClient(app.baseUrl, ADMIN);
  const adminCookie = `authjs.session-token=${sessionCookieOf(admin)}`;
  // The newest orders, as the merchant opens them from the list.
  const orders = await sql<{ id: string }[]>`select id from orders order by created_at desc limit 20`;
  // The busiest product of the last hours (addRecentActivity): a full ledger page and chart in either shop.
  const [product] = await sql<{ id: string; slug: string }[]>`select id, slug from products where slug = 'bench-1'`;
  const variants = await sql<{ variant_id: string }[]>`
    select s.variant_id from stock_levels s join products p on p.id = s.product_id
    where p.slug like 'bench-%' and s.on_hand - s.reserved - s.allocated > 0
    order by s.variant_id limit ${WARM_UP + SAMPLES}`;
  return {
    name,
    url,
    app,
    sql,
    adminCookie,
    orderIds: orders.map((o) => o.id),
    productSlug: product!.slug,
    productId: product!.id,
    variantIds: variants.map((v) => v.variant_id),
  };
}

function renderSection(report: GrowthReport, source: string): string {
  const m = report.machine;
  const c = (n: number) => n.toLocaleString("en");
  const shop = (s: ShopCounts) =>
    `${c(s.products)} products, ${c(s.shoppers)} shoppers, ${c(s.checkouts)} checkouts, ${c(s.payments)} payments, ` +
    `${c(s.orders)} orders (${c(s.orderLines)} lines), ${c(s.holds)} holds (${c(s.liveHolds)} live), ${c(s.movements)} ledger rows`;
  return [
    `Run of ${report.date.slice(0, 16).replace("T", " ")} UTC, ${report.durationSeconds} s in all (\`${source}\`), ` +
      `GROWTH_SCALE=${report.scale}${report.scale === 1 ? " (a year)" : ` (${report.scale} of a year)`}, ` +
      `seeded in ${report.seedSeconds} s. Machine: ${m.cpus} CPUs (\`nproc\`), ${m.cpuModel}, ${m.memoryGiB} GiB memory, ${m.os}; ` +
      `Node ${m.node}; PostgreSQL ${report.database.version} (${report.database.embedded ? "embedded, temporary cluster" : "DATABASE_URL"}, ` +
      `fsync ${report.database.fsync}). Load average (1 min) ${report.loadAverage.atStart} at the start, ${report.loadAverage.atEnd} at the end. ` +
      `${report.settings.samples} requests per path and shop, one at a time, shops in turn, after ${report.settings.warmUp} to warm up; ` +
      `the lapsed sweep ${report.settings.lapsedRounds} times and reconcile ${report.settings.reconcileRounds} times per shop (median).`,
    "",
    `- fresh: ${shop(report.shops.fresh)}`,
    `- a year: ${shop(report.shops.grown)}`,
    "",
    "| path | fresh p50 / p95 ms | a year p50 / p95 ms | × (p50) | within 1.5× |",
    "|---|---:|---:|---:|---|",
    ...report.paths.map(
      (p) => `| ${p.name} | ${p.fresh.p50Ms} / ${p.fresh.p95Ms} | ${p.grown.p50Ms} / ${p.grown.p95Ms} | ${p.ratio} | ${p.met ? "yes" : "**no**"} |`,
    ),
    `| \`npm run reconcile\` (s, wall, with tsx start-up) | ${report.reconcile.freshSeconds} s | ${report.reconcile.grownSeconds} s | ` +
      `${round1(report.reconcile.grownSeconds / report.reconcile.freshSeconds)} | ${report.reconcile.met ? "yes" : "**no**"} (target ${report.reconcile.target}) |`,
  ].join("\n");
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const scale = Number(process.env.GROWTH_SCALE ?? 1);
  if (!(scale > 0)) throw new Error("GROWTH_SCALE must be a positive number (1 is a year)");
  const loadAtStart = round1(os.loadavg()[0]!);
  const machine = describeMachine();
  log(`Stockhold growth benchmark, GROWTH_SCALE=${scale} — ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}`);

  ensureBuild(log);
  const database = await prepareBenchDatabase(log);
  const grownUrl = Object.assign(new URL(database.url), { pathname: `/${GROWN_DATABASE}` }).toString();
  const maintenanceUrl = process.env.DATABASE_URL ?? Object.assign(new URL(database.url), { pathname: "/postgres" }).toString();
  const dropGrown = async () => {
    const admin = postgres(maintenanceUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${GROWN_DATABASE} with (force)`).catch(() => {});
    await admin.end();
  };
  const apps: BenchApp[] = [];
  const shops: Shop[] = [];
  const shutdown = stopOnceOrOnSignal(log, "the apps and the database", async () => {
    await Promise.all(shops.map((s) => s.sql.end()));
    await Promise.all(apps.map((app) => app.stop()));
    await dropGrown();
    await database.stop();
  });
  try {
    await dropGrown();
    await createDatabaseIfMissing(maintenanceUrl, GROWN_DATABASE);
    await runMigrations(grownUrl);
    const urls = { fresh: database.url, grown: grownUrl };
    const sizes: Record<Shop["name"], GrowthSize> = { fresh: freshSize(scale), grown: growthSize(scale) };
    const seedStarted = Date.now();
    for (const name of ["fresh", "grown"] as const) {
      log(`Seeding the ${name} shop …`);
      await seedDemoCatalogue(urls[name]);
      await upsertAdmin(urls[name], ADMIN.email, ADMIN.password);
      const sql = postgres(urls[name], { max: 1, onnotice: () => {} });
      try {
        await growHistory(sql, sizes[name], log);
        await addLiveHolds(sql, LIVE_HOLDS);
        // Last, so its products are the ones that moved last: the ledger's small multiples draw them.
        await addRecentActivity(sql);
        await sql`vacuum analyze`;
      } finally {
        await sql.end();
      }
    }
    const seedSeconds = Math.round((Date.now() - seedStarted) / 1000);
    log(`Seeded in ${seedSeconds} s. Starting the built app twice (next start), one per shop …`);
    for (const name of ["fresh", "grown"] as const) {
      const app = await startBenchApp(urls[name]);
      apps.push(app);
      shops.push(await openShop(name, urls[name], app));
    }
    const counts = { fresh: await countsOf(shops[0]!.sql), grown: await countsOf(shops[1]!.sql) };

    const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
    const page = (shop: Shop) => ({ cookie: shop.adminCookie });
    const paths: PathResult[] = [];
    const record = (name: string, [fresh, grown]: Timing[]) => {
      const ratio = Math.round((grown!.p50Ms / fresh!.p50Ms) * 100) / 100;
      const result = { name, fresh: fresh!, grown: grown!, ratio, met: ratio <= TARGET_RATIO };
      paths.push(result);
      log(`  ${name.padEnd(58)} fresh ${String(fresh!.p50Ms).padStart(7)} ms  a year ${String(grown!.p50Ms).padStart(7)} ms  × ${ratio}`);
    };
    log("Measuring (p50, fresh and a year):");
    record("dashboard poll `GET /api/admin/stock?limit=50`", await measure(shops, () => ({ path: "/api/admin/stock?limit=50", headers: bearer })));
    record("admin holds `GET /admin/holds`", await measure(shops, (s) => ({ path: "/admin/holds", headers: page(s) })));
    record("holds API `GET /api/admin/reservations?status=active`", await measure(shops, () => ({ path: "/api/admin/reservations?status=active&limit=50", headers: bearer })));
    record("orders page `GET /admin/orders`", await measure(shops, (s) => ({ path: "/admin/orders", headers: page(s) })));
    record("orders API `GET /api/admin/orders`", await measure(shops, () => ({ path: "/api/admin/orders?limit=50", headers: bearer })));
    record("one order `GET /api/admin/orders/{id}`", await measure(shops, (s, i) => ({ path: `/api/admin/orders/${s.orderIds[i % s.orderIds.length]}`, headers: bearer })));
    record("order page `GET /admin/orders/{id}`", await measure(shops, (s, i) => ({ path: `/admin/orders/${s.orderIds[i % s.orderIds.length]}`, headers: page(s) })));
    record("ledger page with its charts `GET /admin/ledger`", await measure(shops, (s) => ({ path: "/admin/ledger", headers: page(s) })));
    record("one product's ledger and chart `GET /admin/ledger?productId=…`", await measure(shops, (s) => ({ path: `/admin/ledger?productId=${s.productId}`, headers: page(s) })));
    record("ledger API `GET /api/admin/movements`", await measure(shops, () => ({ path: "/api/admin/movements?limit=100", headers: bearer })));
    record("home page `GET /`", await measure(shops, () => ({ path: "/" })));
    record("Store API page `GET /api/products?limit=24`", await measure(shops, () => ({ path: "/api/products?limit=24" })));
    record("product page `GET /products/{slug}`", await measure(shops, (s) => ({ path: `/products/${s.productSlug}` })));
    record("checkout start `POST /api/checkout`", await measureCheckoutStarts(shops));
    record("cron sweep, nothing to do", await measure(shops, () => ({ method: "POST", path: "/api/cron/expire-reservations", headers: cron })));
    record(`cron sweep, ${LAPSED_HOLDS} lapsed holds`, await measureLapsedSweeps(shops));
    log("Running npm run reconcile on each shop …");
    const [freshSeconds, grownSeconds] = (await measureReconcile(shops)) as [number, number];
    log(`  npm run reconcile: fresh ${freshSeconds} s, a year ${grownSeconds} s`);

    const report: GrowthReport = {
      date: new Date().toISOString(),
      machine,
      scale,
      loadAverage: { atStart: loadAtStart, atEnd: round1(os.loadavg()[0]!) },
      database: { ...database.server, embedded: database.embedded },
      shops: counts,
      seedSeconds,
      settings: { warmUp: WARM_UP, samples: SAMPLES, lapsedRounds: LAPSED_ROUNDS, reconcileRounds: RECONCILE_ROUNDS },
      paths,
      reconcile: { freshSeconds, grownSeconds, target: `< ${RECONCILE_TARGET_S} s`, met: grownSeconds < RECONCILE_TARGET_S },
      durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    };
    const file = saveResult("growth", startedAt, report);
    replaceSection(path.join(process.cwd(), "BENCHMARKS.md"), "growth", renderSection(report, file));
    const missed = [...paths.filter((p) => !p.met).map((p) => p.name), ...(report.reconcile.met ? [] : ["npm run reconcile"])];
    log(`Saved ${file}; BENCHMARKS.md updated (${report.durationSeconds} s). ${missed.length === 0 ? "Every target met." : `Missed: ${missed.join("; ")}`}`);
    if (missed.length > 0) process.exitCode = 1;
  } finally {
    await shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});

