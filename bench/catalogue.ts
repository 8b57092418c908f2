/**
 * `npm run bench:catalogue`: does the catalogue scale? On the built app (`next start`) against a fresh database
 * it measures, with the 12 demo products, with 10,000 products of one variant each, and with 10,000 products of
 * 5 variants each (sizes, the XL dearer; one product in 10 colours × 5 sizes, 50 variants):
 *   - the home page (`GET /`): size and time,
 *   - a search (`GET /api/products?q=…&limit=24`, ten different words and prefixes): p95,
 *   - a search page as a shopper opens it (`GET /?q=…`),
 *   - the Store API's product list (`GET /api/products`, its default page of 100),
 *   - the admin dashboard's poll (`GET /api/admin/stock?limit=50`, a page plus the shop's totals),
 *   - a product page (`GET /products/<slug>`): the Trail Shirt, a one-variant product, the 50-variant product.
 * Some shoppers hold stock throughout (started through the Store API), so availability has holds to subtract.
 * The three shops run side by side (three databases on one PostgreSQL server, three app servers) and each
 * measurement alternates its requests between them, one at a time over keep-alive connections to 127.0.0.1 after a
 * warm-up: whatever else loads the machine falls on all alike, so the growth from 12 to 10,000 products, and from
 * one variant to five, are fair ratios. It saves
 * bench/results/catalogue-<date>T<time>.json (a new file per run) and rewrites the catalogue section of
 * BENCHMARKS.md.
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import postgres, { type Sql } from "postgres";
import { createDatabaseIfMissing } from "../db/bootstrap";
import { runMigrations } from "../db/migrate";
import { seedDemoCatalogue } from "../db/seed";
import { TEST_ADMIN_TOKEN } from "../tests/support/app-server";
import { ensureBuild } from "../tests/support/build";
import { CookieJar } from "../tests/support/http";
import { createHttpClient, startBenchApp, stopOnceOrOnSignal, type BenchApp } from "./app";
import { prepareBenchDatabase } from "./database";
import { percentile, round1 } from "./load";
import { describeMachine, type Machine } from "./machine";
import { replaceSection } from "./report";

const LARGE_CATALOGUE = 10_000;
const LARGE_DATABASE = "stockhold_bench_large";
const VARIANTS_DATABASE = "stockhold_bench_variants";
/** The variants shop: every added product in these sizes (the last dearer), one of them also in these colours. */
const SIZES = ["XS", "S", "M", "L", "XL"];
const COLOURS = ["Black", "White", "Navy", "Sage", "Rust", "Sand", "Slate", "Coral", "Moss", "Ivory"];
const MANY_VARIANTS_SLUG = "bench-1";
/** The product pages measured in each shop: a demo product with sizes, a one-variant product, the 50-variant one. */
const PRODUCT_PAGES = ["/products/trail-shirt", "/products/bench-2", `/products/${MANY_VARIANTS_SLUG}`];
const WARM_UP = 10;
const SAMPLES = 60;
const HOLDING_SHOPPERS = 20;
// The token the shared app launcher gives every app it starts (its environment overrides this process's).
const ADMIN_TOKEN = TEST_ADMIN_TOKEN;
const SEARCHES = ["lantern", "walnut", "lin", "blue mug", "oak board", "cer", "brass lamp", "wool", "kettle", "tea"];

interface Timing {
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  /** Response body size (the last sample's), in bytes. */
  bytes: number;
  samples: number;
}

interface Scale {
  products: number;
  /** Variants of each added product (the demo products keep their own). */
  variantsEach: number;
  variants: number;
  homePage: Timing;
  search: Timing;
  searchPage: Timing;
  /** `GET /api/products?limit=24`: a page the size of the catalogue page's. */
  apiPage: Timing;
  /** `GET /api/products`: the default answer (100 products, or all of a smaller shop). */
  apiDefault: Timing & { productsInAnswer: number };
  dashboardPoll: Timing;
  /** `GET /products/<slug>` of the shop's product with the most variants (the Trail Shirt in the small shop). */
  productPage: Timing & { slug: string; variantsOnPage: number };
}

interface Target {
  name: string;
  value: number;
  target: string;
  met: boolean;
}

interface CatalogueReport {
  date: string;
  machine: Machine;
  loadAverage: { atStart: number; atEnd: number };
  database: { version: string; fsync: string; synchronousCommit: string; sharedBuffers: string; embedded: boolean };
  settings: { warmUp: number; samples: number; holdingShoppers: number; searches: string[] };
  scales: Scale[];
  targets: Target[];
  durationSeconds: number;
}

const log = (line: string) => console.log(line);

/** One GET on a keep-alive connection: status, body size and wall time from request to last byte. */
function timedGet(agent: http.Agent, baseUrl: string, urlPath: string, headers: Record<string, string> = {}) {
  const origin = new URL(baseUrl);
  return new Promise<{ status: number; bytes: number; ms: number }>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const request = http.request({ agent, host: origin.hostname, port: origin.port, method: "GET", path: urlPath, headers }, (response) => {
      let bytes = 0;
      response.on("data", (chunk: Buffer) => (bytes += chunk.length));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, bytes, ms: Number(process.hrtime.bigint() - started) / 1e6 }),
      );
      response.on("error", reject);
    });
    request.setTimeout(30_000, () => request.destroy(new Error(`GET ${urlPath} timed out`)));
    request.on("error", reject);
    request.end();
  });
}

function summarise(times: number[], bytes: number): Timing {
  times.sort((a, b) => a - b);
  return {
    p50Ms: round1(percentile(times, 50)),
    p95Ms: round1(percentile(times, 95)),
    meanMs: round1(times.reduce((sum, t) => sum + t, 0) / times.length),
    bytes,
    samples: times.length,
  };
}

/**
 * Warm-up, then `SAMPLES` requests to each shop (cycling through `paths`, or the shop's own paths), taking the
 * shops in turn request by request; every answer must be 200. Answers each shop's timing, in the shops' order.
 */
async function measureShops(
  apps: BenchApp[],
  paths: string[] | ((shop: number) => string[]),
  headers: Record<string, string> = {},
): Promise<Timing[]> {
  const pathsOf = (n: number) => (typeof paths === "function" ? paths(n) : paths);
  const pathAt = (n: number, i: number) => pathsOf(n)[i % pathsOf(n).length]!;
  const agents = apps.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  try {
    for (let i = 0; i < WARM_UP; i += 1) {
      for (const [n, app] of apps.entries()) await timedGet(agents[n]!, app.baseUrl, pathAt(n, i), headers);
    }
    const times: number[][] = apps.map(() => []);
    const bytes = apps.map(() => 0);
    for (let i = 0; i < SAMPLES; i += 1) {
      // Which shop goes first rotates too, so none always follows another's request.
      const order = apps.map((_, k) => (k + i) % apps.length);
      for (const n of order) {
        const urlPath = pathAt(n, i);
        const result = await timedGet(agents[n]!, apps[n]!.baseUrl, urlPath, headers);
        if (result.status !== 200) throw new Error(`GET ${urlPath} answered ${result.status}`);
        times[n]!.push(result.ms);
        bytes[n] = result.bytes;
      }
    }
    return times.map((t, n) => summarise(t, bytes[n]!));
  } finally {
    for (const agent of agents) agent.destroy();
  }
}

const adjectives = [
  "Aurora", "Fjord", "Meridian", "Tidal", "Ridge", "Harbour", "Cedar", "Juniper", "Alder", "Birch", "Copper", "Slate",
  "Linen", "Amber", "Indigo", "Saffron", "Moss", "Ember", "Pebble", "Willow", "Marlow", "Orchard", "Canyon", "Quarry",
  "Heron", "Lark", "Sable", "Thistle", "Rowan", "Hazel", "Blue", "Green", "Rust", "Ivory", "Charcoal", "Sage",
  "Coral", "Dune", "Frost", "Glen",
];
const materials = [
  "walnut", "oak", "ash", "cherry", "brass", "copper", "steel", "ceramic", "stoneware", "porcelain", "linen", "wool",
  "cotton", "leather", "glass", "cork", "bamboo", "marble", "slate", "rattan", "hemp", "felt", "tin", "iron", "clay",
];
const nouns = [
  "lantern", "lamp", "mug", "bowl", "board", "kettle", "apron", "blanket", "basket", "vase", "candle", "tray", "jug",
  "teapot", "bookends", "stool", "hook", "shelf", "clock", "mirror", "planter", "cushion", "throw", "coaster", "dish",
  "spoon", "knife", "box", "tin", "print",
];

/**
 * The large catalogue in one statement (the admin API would take minutes for 10,000): distinct names from word
 * lists, a description each, prices and stock spread out, opening stock in the ledger as the admin API records it:
 * a stock row at every location, the units at the first active one by priority.
 */
export async function addProducts(sql: Sql, count: number): Promise<void> {
  await sql`
    with made as (
      insert into products (slug, name, description, price_cents)
      select
        'bench-' || i,
        (${adjectives}::text[])[1 + i % ${adjectives.length}] || ' ' ||
          initcap((${materials}::text[])[1 + (i * 7) % ${materials.length}]) || ' ' ||
          initcap((${nouns}::text[])[1 + (i * 13) % ${nouns.length}]) ||
          ' No. ' || i,
        'A ' || lower((${adjectives}::text[])[1 + (i * 11) % ${adjectives.length}]) || ' ' ||
          (${nouns}::text[])[1 + (i * 13) % ${nouns.length}] || ' in ' ||
          (${materials}::text[])[1 + (i * 7) % ${materials.length}] || ', made in a small batch.',
        500 + (i * 7919) % 30000
      from generate_series(1, ${count}) as i
      returning id, slug, price_cents, (hashtext(id::text) & 65535) % 40 as on_hand
    ), variant as (
      insert into product_variants (product_id, sku, price_cents) select id, upper(slug), price_cents from made
      returning id, product_id
    ), first_location as (
      select id from locations where active order by priority, id limit 1
    ), stock as (
      insert into stock_levels (product_id, variant_id, location_id, on_hand)
      select made.id, variant.id, l.id, case when l.id = f.id then on_hand else 0 end
      from made join variant on variant.product_id = made.id cross join locations l cross join first_location f
    )
    insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta, reason)
    select made.id, variant.id, f.id, 'receive', on_hand, 'opening stock'
    from made join variant on variant.product_id = made.id cross join first_location f
    where on_hand > 0`;
  await sql`analyze`;
}

/**
 * Adds `variantsEach` variants to every product whose slug starts with "bench-" (one variant each so far): an
 * option Size, the existing variant becoming the first size, the others added beside it (the last size 5.00
 * dearer), each with its stock rows (one per location, the units at the first) and opening stock in the ledger. One product (MANY_VARIANTS_SLUG) also comes
 * in 10 colours: 50 variants. The product's price stays its lowest variant's.
 */
export async function addVariantsToProducts(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`
      insert into product_options (product_id, position, name, values)
      select id, 0, 'Size', ${SIZES}::text[] from products where slug like 'bench-%'
      union all
      select id, 1, 'Colour', ${COLOURS}::text[] from products where slug = ${MANY_VARIANTS_SLUG}`;
    // The existing variant is the first size (the first colour of the many-variant product).
    await tx`
      update product_variants v
      set options = case when p.slug = ${MANY_VARIANTS_SLUG}
                         then jsonb_build_object('Size', ${SIZES[0]!}::text, 'Colour', ${COLOURS[0]!}::text)
                         else jsonb_build_object('Size', ${SIZES[0]!}::text) end,
          sku = upper(p.slug) || '-' || ${SIZES[0]!}::text || case when p.slug = ${MANY_VARIANTS_SLUG} then '-' || upper(${COLOURS[0]!}::text) else '' end
      from products p where p.id = v.product_id and p.slug like 'bench-%'`;
    await tx`
      with combination as (
        select p.id as product_id, p.slug, p.price_cents, s.size, s.n as size_n, c.colour, c.n as colour_n
        from products p
        cross join unnest(${SIZES}::text[]) with ordinality as s(size, n)
        left join lateral (
          select colour, n from unnest(${COLOURS}::text[]) with ordinality as c(colour, n) where p.slug = ${MANY_VARIANTS_SLUG}
        ) c on true
        where p.slug like 'bench-%' and not (s.n = 1 and coalesce(c.n, 1) = 1)
      ), variant as (
        insert into product_variants (product_id, sku, options, price_cents, position)
        select product_id,
               upper(slug) || '-' || size || coalesce('-' || upper(colour), ''),
               case when colour is null then jsonb_build_object('Size', size) else jsonb_build_object('Size', size, 'Colour', colour) end,
               price_cents + case when size = ${SIZES.at(-1)!}::text then 500 else 0 end,
               (coalesce(colour_n, 1) - 1) * ${SIZES.length}::int + size_n - 1
        from combination
        returning id, product_id, (hashtext(id::text) & 65535) % 12 as on_hand
      ), first_location as (
        select id from locations where active order by priority, id limit 1
      ), stock as (
        insert into stock_levels (product_id, variant_id, location_id, on_hand)
        select v.product_id, v.id, l.id, case when l.id = f.id then v.on_hand else 0 end
        from variant v cross join locations l cross join first_location f
      )
      insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta, reason)
      select v.product_id, v.id, f.id, 'receive', v.on_hand, 'opening stock' from variant v cross join first_location f where v.on_hand > 0`;
  });
  await sql`analyze`;
}

/**
 * Shoppers who hold a unit of some variants in an active checkout, through the Store API: `{ variantId }` on a
 * cart line, or `{ productId }` on a one-variant product when the build does not take `variantId` yet.
 */
async function startHolds(sql: Sql, app: BenchApp, shoppers: number): Promise<void> {
  const client = createHttpClient(app.baseUrl, 1);
  const variants = await sql<{ product_id: string; variant_id: string; one_variant: boolean }[]>`
    select distinct on (p.name) p.id as product_id, s.variant_id,
           (select count(*) from product_variants w where w.product_id = p.id) = 1 as one_variant
    from products p join stock_levels s on s.product_id = p.id
    where s.on_hand - s.reserved - s.allocated > 0
    order by p.name, s.variant_id limit ${shoppers}`;
  // The first line says whether this build takes variantId (200) or asks for a productId (400).
  const probe = await client.post("/api/cart/lines", { variantId: variants[0]!.variant_id, quantity: 1 });
  const takesVariantId = probe.status === 200;
  const lines: Record<string, unknown>[] = takesVariantId
    ? variants.map((v) => ({ variantId: v.variant_id, quantity: 1 }))
    : (
        await sql<{ id: string }[]>`
          select p.id from products p join stock_levels s on s.product_id = p.id
          where s.on_hand - s.reserved - s.allocated > 0
            and (select count(*) from product_variants w where w.product_id = p.id) = 1
          order by p.name limit ${shoppers}`
      ).map((p) => ({ productId: p.id, quantity: 1 }));
  if (!takesVariantId) log("  (this build's POST /api/cart/lines takes no variantId: holds on one-variant products)");
  try {
    for (const [i, line] of lines.entries()) {
      const added = takesVariantId && i === 0 ? probe : await client.post("/api/cart/lines", line);
      if (added.status !== 200) throw new Error(`adding to a cart answered ${added.status}: ${JSON.stringify(added.body).slice(0, 200)}`);
      const jar = new CookieJar();
      jar.take(added.setCookies);
      const started = await client.post("/api/checkout", { email: `bench-${i}@example.test` }, jar.header());
      if (started.status !== 201) throw new Error(`starting checkout answered ${started.status}`);
    }
  } finally {
    client.close();
  }
}

async function productCount(app: BenchApp): Promise<number> {
  const client = createHttpClient(app.baseUrl, 1);
  try {
    return ((await client.get("/api/products")).body as { products: unknown[] }).products.length;
  } finally {
    client.close();
  }
}

interface ShopSpec {
  products: number;
  variantsEach: number;
  variants: number;
  /** The product page measured: the shop's product with the most variants. */
  productPage: string;
}

async function variantsOnPage(app: BenchApp, pagePath: string): Promise<number> {
  const client = createHttpClient(app.baseUrl, 1);
  try {
    const slug = pagePath.split("/").at(-1)!;
    const body = (await client.get(`/api/products/${slug}`)).body as { product?: { variants?: unknown[] } };
    return body.product?.variants?.length ?? 1;
  } finally {
    client.close();
  }
}

/** Every measurement on every shop, side by side. */
async function measureScales(apps: BenchApp[], shops: ShopSpec[]): Promise<Scale[]> {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const homePage = await measureShops(apps, ["/"]);
  const search = await measureShops(apps, SEARCHES.map((q) => `/api/products?q=${encodeURIComponent(q)}&limit=24`));
  const searchPage = await measureShops(apps, SEARCHES.map((q) => `/?q=${encodeURIComponent(q)}`));
  const apiPage = await measureShops(apps, ["/api/products?limit=24"]);
  const apiDefault = await measureShops(apps, ["/api/products"]);
  const dashboardPoll = await measureShops(apps, ["/api/admin/stock?limit=50"], admin);
  const productPage = await measureShops(apps, (n) => [shops[n]!.productPage]);
  const scales: Scale[] = await Promise.all(
    shops.map(async (shop, n) => ({
      products: shop.products,
      variantsEach: shop.variantsEach,
      variants: shop.variants,
      homePage: homePage[n]!,
      search: search[n]!,
      searchPage: searchPage[n]!,
      apiPage: apiPage[n]!,
      apiDefault: { ...apiDefault[n]!, productsInAnswer: await productCount(apps[n]!) },
      dashboardPoll: dashboardPoll[n]!,
      productPage: {
        ...productPage[n]!,
        slug: shop.productPage.split("/").at(-1)!,
        variantsOnPage: await variantsOnPage(apps[n]!, shop.productPage),
      },
    })),
  );
  const line = (name: string, t: Timing) =>
    log(`  ${name.padEnd(16)} p50 ${String(t.p50Ms).padStart(6)} ms  p95 ${String(t.p95Ms).padStart(6)} ms  ${(t.bytes / 1024).toFixed(1)} KB`);
  for (const scale of scales) {
    log(`${scale.products.toLocaleString("en")} products, ${scale.variants.toLocaleString("en")} variants:`);
    line("home page", scale.homePage);
    line("search (API)", scale.search);
    line("search page", scale.searchPage);
    line("API page (24)", scale.apiPage);
    line("API default", scale.apiDefault);
    line("dashboard poll", scale.dashboardPoll);
    line(`product page (${scale.productPage.variantsOnPage})`, scale.productPage);
  }
  return scales;
}

function targetsOf(small: Scale, large: Scale, withVariants: Scale): Target[] {
  const kb = (bytes: number) => round1(bytes / 1024);
  const targets: Target[] = [
    { name: "home page size at 10,000 products (KB)", value: kb(large.homePage.bytes), target: "< 200", met: large.homePage.bytes < 200 * 1024 },
    { name: "home page p50 at 10,000 products (ms)", value: large.homePage.p50Ms, target: "< 150", met: large.homePage.p50Ms < 150 },
    { name: "search p95 at 10,000 products (ms)", value: large.search.p95Ms, target: "< 50", met: large.search.p95Ms < 50 },
    { name: "dashboard poll p50 at 10,000 products (ms)", value: large.dashboardPoll.p50Ms, target: "< 50", met: large.dashboardPoll.p50Ms < 50 },
  ];
  const growth = (name: string, pick: (s: Scale) => number) => {
    const ratio = Math.round((pick(large) / pick(small)) * 100) / 100;
    targets.push({ name: `${name}, 10,000 vs 12 products`, value: ratio, target: "≤ 2×", met: ratio <= 2 });
  };
  growth("home page size", (s) => s.homePage.bytes);
  growth("home page p50", (s) => s.homePage.p50Ms);
  growth("search p95", (s) => s.search.p95Ms);
  growth("API page p50", (s) => s.apiPage.p50Ms);
  growth("dashboard poll p50", (s) => s.dashboardPoll.p50Ms);
  // Variants (issue 27): 5 variants a product cost the listing little; a product with 50 is still one quick page.
  const homeRatio = Math.round((withVariants.homePage.p50Ms / large.homePage.p50Ms) * 100) / 100;
  targets.push(
    {
      name: "home page size at 10,000 products × 5 variants (KB)",
      value: kb(withVariants.homePage.bytes),
      target: "< 200",
      met: withVariants.homePage.bytes < 200 * 1024,
    },
    {
      name: "home page p50, 10,000 products × 5 variants vs 10,000 × 1",
      value: homeRatio,
      target: "≤ 1.5×",
      met: homeRatio <= 1.5,
    },
    {
      name: `product page with ${withVariants.productPage.variantsOnPage} variants, p50 (ms, from 127.0.0.1)`,
      value: withVariants.productPage.p50Ms,
      target: "< 100",
      met: withVariants.productPage.p50Ms < 100 && withVariants.productPage.variantsOnPage >= 50,
    },
  );
  return targets;
}

function renderSection(report: CatalogueReport, source: string): string {
  const m = report.machine;
  const kb = (bytes: number) => (bytes / 1024).toFixed(1);
  const row = (name: string, pick: (s: Scale) => Timing) =>
    `| ${name} | ${report.scales.map((s) => `${pick(s).p50Ms} / ${pick(s).p95Ms} | ${kb(pick(s).bytes)}`).join(" | ")} |`;
  const shopName = (s: Scale) =>
    `${s.products.toLocaleString("en")} products${s.variantsEach > 1 ? ` × ${s.variantsEach} variants` : s.products > 12 ? " × 1 variant" : ""}`;
  return [
    `Run of ${report.date.slice(0, 16).replace("T", " ")} UTC, ${report.durationSeconds} s in all (\`${source}\`). Machine: ${m.cpus} CPUs (\`nproc\`), ` +
      `${m.cpuModel}, ${m.memoryGiB} GiB memory, ${m.os}; Node ${m.node}; PostgreSQL ${report.database.version} ` +
      `(${report.database.embedded ? "embedded, temporary cluster" : "DATABASE_URL"}, fsync ${report.database.fsync}). ` +
      `Load average (1 min) ${report.loadAverage.atStart} at the start, ${report.loadAverage.atEnd} at the end. ` +
      `${report.settings.samples} requests each, one at a time, after ${report.settings.warmUp} to warm up; ` +
      `${report.settings.holdingShoppers} shoppers hold stock throughout.`,
    "",
    `Shops: ${report.scales.map((s) => `${shopName(s)} (${s.variants.toLocaleString("en")} variants in all)`).join("; ")}.`,
    "",
    `| request | ${report.scales.map((s) => `${shopName(s)}: p50 / p95 ms | KB`).join(" | ")} |`,
    `|---|${report.scales.map(() => "---:|---:").join("|")}|`,
    row("home page `GET /`", (s) => s.homePage),
    row("search `GET /api/products?q=…&limit=24`", (s) => s.search),
    row("search page `GET /?q=…`", (s) => s.searchPage),
    row("Store API page `GET /api/products?limit=24`", (s) => s.apiPage),
    row(`Store API default \`GET /api/products\` (${report.scales.map((s) => s.apiDefault.productsInAnswer).join(", ")} products)`, (s) => s.apiDefault),
    row("dashboard poll `GET /api/admin/stock?limit=50`", (s) => s.dashboardPoll),
    row(
      `product page \`GET /products/…\`: ${report.scales.map((s) => `${s.productPage.slug} (${s.productPage.variantsOnPage} variant${s.productPage.variantsOnPage === 1 ? "" : "s"})`).join(", ")}`,
      (s) => s.productPage,
    ),
    "",
    "| target | value | target | met |",
    "|---|---:|---|---|",
    ...report.targets.map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met ? "yes" : "**no**"} |`),
  ].join("\n");
}

/** A new file per run: bench/results/catalogue-<date>T<hh-mm-ss>.json, never overwriting an earlier one. */
function resultFile(date: string): string {
  const dir = path.join(process.cwd(), "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const stamp = date.slice(0, 19).replace(/:/g, "-");
  for (let n = 0; ; n += 1) {
    const file = path.join(dir, `catalogue-${stamp}${n ? `-${n}` : ""}.json`);
    if (!fs.existsSync(file)) return file;
  }
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const loadAtStart = Math.round(os.loadavg()[0]! * 100) / 100;
  const machine = describeMachine();
  log(`Stockhold catalogue benchmark — ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Node ${machine.node}`);
  if (loadAtStart > 1) log(`Note: load average ${loadAtStart} at start; other work on this machine slows every figure.`);

  ensureBuild(log);
  const database = await prepareBenchDatabase(log);
  // The large shops' databases, beside the small one on the same server.
  const urlOf = (name: string) => Object.assign(new URL(database.url), { pathname: `/${name}` }).toString();
  const largeUrl = urlOf(LARGE_DATABASE);
  const variantsUrl = urlOf(VARIANTS_DATABASE);
  const maintenanceUrl = process.env.DATABASE_URL ?? Object.assign(new URL(database.url), { pathname: "/postgres" }).toString();
  const dropLarge = async () => {
    const admin = postgres(maintenanceUrl, { max: 1, onnotice: () => {} });
    for (const name of [LARGE_DATABASE, VARIANTS_DATABASE]) {
      await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
    }
    await admin.end();
  };
  const apps: BenchApp[] = [];
  const shutdown = stopOnceOrOnSignal(log, "the apps and the database", async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await dropLarge();
    await database.stop();
  });
  try {
    await dropLarge();
    for (const name of [LARGE_DATABASE, VARIANTS_DATABASE]) await createDatabaseIfMissing(maintenanceUrl, name);
    for (const url of [largeUrl, variantsUrl]) await runMigrations(url);
    const urls = [database.url, largeUrl, variantsUrl];
    for (const url of urls) await seedDemoCatalogue(url);
    const shops: ShopSpec[] = [];
    for (const [n, url] of urls.entries()) {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        if (n > 0) {
          log(`Adding ${(LARGE_CATALOGUE - 12).toLocaleString("en")} products to the ${n === 1 ? "one-variant" : "variants"} shop …`);
          await addProducts(sql, LARGE_CATALOGUE - 12);
          if (n === 2) await addVariantsToProducts(sql);
        }
        const [counts] = await sql<{ products: number; variants: number }[]>`
          select (select count(*)::int from products) as products, (select count(*)::int from product_variants) as variants`;
        const expected = n === 0 ? 12 : LARGE_CATALOGUE;
        if (counts!.products !== expected) throw new Error(`expected ${expected} products, found ${counts!.products}`);
        shops.push({
          products: counts!.products,
          variantsEach: n === 2 ? SIZES.length : 1,
          variants: counts!.variants,
          productPage: PRODUCT_PAGES[n]!,
        });
      } finally {
        await sql.end();
      }
    }
    log(`Starting the built app ${urls.length} times (next start), one per shop …`);
    for (const url of urls) apps.push(await startBenchApp(url));
    for (const [n, url] of urls.entries()) {
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await startHolds(sql, apps[n]!, HOLDING_SHOPPERS);
      } finally {
        await sql.end();
      }
    }
    const scales = await measureScales(apps, shops);
    const [small, large, withVariants] = scales as [Scale, Scale, Scale];

    const targets = targetsOf(small, large, withVariants);
    for (const t of targets) log(`  ${t.met ? "met   " : "MISSED"}  ${t.name}: ${t.value} (target ${t.target})`);
    const report: CatalogueReport = {
      date: new Date().toISOString(),
      machine,
      loadAverage: { atStart: loadAtStart, atEnd: Math.round(os.loadavg()[0]! * 100) / 100 },
      database: { ...database.server, embedded: database.embedded },
      settings: { warmUp: WARM_UP, samples: SAMPLES, holdingShoppers: HOLDING_SHOPPERS, searches: SEARCHES },
      scales,
      targets,
      durationSeconds: Math.round((Date.now() - startedAt) / 1000),
    };
    const file = resultFile(report.date);
    fs.writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
    replaceSection(path.join(process.cwd(), "BENCHMARKS.md"), "catalogue", renderSection(report, path.relative(process.cwd(), file)));
    log(`Saved ${path.relative(process.cwd(), file)}; BENCHMARKS.md updated (${report.durationSeconds} s).`);
    if (targets.some((t) => !t.met)) process.exitCode = 1;
  } finally {
    await shutdown();
  }
}

// Run when started as a script (npm run bench:catalogue), not when imported for its helpers.
if (process.argv[1]?.endsWith("catalogue.ts")) main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
