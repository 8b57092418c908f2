/**
 * `npm run bench:line`: the line for contended stock, on the built app over HTTP, in one run on one machine.
 *
 * 1. Five flash sales, one after another: 200 shoppers start checkout at once for 10 units; the 190 refused join
 *    the line. Every holder, and every shopper offered a unit from the line, acts within a second: of each 10, in
 *    the order they came to hold, 7 pay, 2 cancel and 1 walks away and lets the hold lapse (idle holds on a variant
 *    others wait for last RESERVATION_TTL_CONTENDED_SECONDS, 4 s here, and offers QUEUE_OFFER_SECONDS, 4 s),
 *    until all 10 are sold.
 *    Measured from the database: for every unit freed (a hold cancelled, declined or lapsed) the time until it was
 *    offered to a waiting shopper (a cancel's offer is in the cancel's own transaction; a lapse's, when an app
 *    server's line sweep found it), and whether the offers went strictly in join order. Target: p99 ≤ 1 s, in order.
 * 2. Throughput (wrk, a C load generator, 64 connections): `GET /api/health`, `POST /api/checkout` on a hot product
 *    with no one waiting anywhere, and the same while 1,000 shoppers wait in the line for a sold-out product, in
 *    alternating rounds. Targets: checkout ≥ 0.95× health with no one waiting, ≥ 0.8× while 1,000 wait.
 * Prints the figures, saves bench/results/line-<start time>.json and rewrites the "bench:line" section of
 * BENCHMARKS.md. Needs `wrk` (Debian: `apt-get install -y wrk`).
 */
import { spawnSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { ensureBuild } from "../tests/support/build";
import { startApp } from "../tests/support/app-server";
import { prepareBenchDatabase } from "./database";
import { createProducts, createShoppersWithCarts, type BenchShopper } from "./fixtures";
import { percentile, round1 } from "./load";
import { describeMachine } from "./machine";
import { replaceSection, saveResult } from "./report";
import { runWrk, summarize, type WrkRun } from "./wrk";

const SHOPPERS = 200;
/** Sales run one after another, for enough units freed to read a p99 from. */
const SALES = 5;
const UNITS = 10;
const WAITING = 1_000;
const CONTENDED_SECONDS = 4;
const WRK = { connections: 64, threads: 2, openSeconds: 2 };
const ROUNDS = 3;
const ROUND_SECONDS = 5;
const WARMUP_SECONDS = 3;
const HTTP_SHOPPERS = 40_000;

const log = (line: string) => console.log(line);
let appLogs: string[] = [];

const guestCookie = (secret: string, id: string) => `stockhold_guest=${id}.${createHmac("sha256", secret).update(`guest:${id}`).digest("base64url")}`;

/** A seeded draw (mulberry32), so every run acts out the same sale. */
function seeded(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function flashSale(baseUrl: string, sql: postgres.Sql, secret: string, sale: number) {
  const [productId] = await createProducts(sql, `line-sale-${sale}`, 1, UNITS);
  const shoppers = await createShoppersWithCarts(sql, [productId!], SHOPPERS);
  const call = async (shopper: BenchShopper, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}${urlPath}`, {
      method,
      headers: { cookie: guestCookie(secret, shopper.id), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const started = await Promise.all(shoppers.map((s) => call(s, "POST", "/api/checkout", { email: s.email })));
  const holders = started.flatMap((a, i) => (a.status === 201 ? [{ shopper: shoppers[i]!, checkoutId: a.body.checkout.id as string }] : []));
  const refused = shoppers.filter((_, i) => started[i]!.status === 409);
  const draw = seeded(7 + sale);
  const acts = { paid: 0, cancelled: 0, lapsed: 0 };
  // Exactly 3 holders in 10, in the order they came to hold, cancel (2) or walk away (1); the rest pay.
  let holderNumber = 0;
  const act = async (holder: { shopper: BenchShopper; checkoutId: string }) => {
    const n = holderNumber++ % 10;
    const roll = n === 2 || n === 5 ? 0.8 : n === 8 ? 0.9 : 0;
    await new Promise((resolve) => setTimeout(resolve, Math.floor(draw() * 1000)));
    if (roll < 0.7) {
      const paid = await call(holder.shopper, "POST", `/api/checkout/${holder.checkoutId}/pay`, { cardNumber: "4242424242424242" }, { "Idempotency-Key": holder.checkoutId });
      if (paid.status === 200) acts.paid += 1;
    } else if (roll < 0.85) {
      await call(holder.shopper, "POST", `/api/checkout/${holder.checkoutId}/cancel`);
      acts.cancelled += 1;
    } else acts.lapsed += 1;
  };
  // The holders act while the refused join the line, one after another (their order is the line's); a shopper told
  // the cart can be held now (a unit came back before anyone waited) starts checkout instead.
  const acting: Promise<void>[] = holders.map(act);
  log(`  ${holders.length} held, ${refused.length} refused; the refused join the line`);
  let joinsDone = false;
  const joining = (async () => {
    for (const s of refused) {
      const joined = await call(s, "POST", "/api/queue", { email: s.email });
      if (joined.status === 409 && joined.body.error?.code === "in_stock") {
        const again = await call(s, "POST", "/api/checkout", { email: s.email });
        if (again.status === 201) acting.push(act({ shopper: s, checkoutId: again.body.checkout.id }));
      } else if (joined.status !== 201 && joined.status !== 200) throw new Error(`join answered ${joined.status}: ${JSON.stringify(joined.body)}`);
    }
    joinsDone = true;
  })();
  const seen = new Set<string>();
  const deadline = Date.now() + 180_000;
  // The shoppers offered a unit act in turn (read from the database, so no poller loads the app).
  while (Date.now() < deadline) {
    const [sold] = await sql<{ allocated: number }[]>`select allocated from stock_levels where product_id = ${productId!} and on_hand > 0`;
    if (sold!.allocated >= UNITS && joinsDone) break;
    const offers = await sql<{ shopper_id: string; checkout_id: string }[]>`
      select t.shopper_id, t.checkout_id from queue_tickets t join queue_ticket_lines l on l.ticket_id = t.id
      where l.product_id = ${productId!} and t.status = 'offered'`;
    for (const o of offers.filter((o) => !seen.has(o.shopper_id))) {
      seen.add(o.shopper_id);
      acting.push(act({ shopper: shoppers.find((s) => s.id === o.shopper_id)!, checkoutId: o.checkout_id }));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await joining;
  await Promise.all(acting);

  // Each offer with the unit it handed on: the freeing ledger row written in the same transaction (the same clock
  // reading as the offer's own hold), else the latest earlier one not yet paired (a hand-on that had to wait for a
  // sweep). The unit was free from that release's commit, or from the lapsed hold's expiry time.
  const freedUnits = await sql<{ kind: string; tx: string; freedAt: string }[]>`
    select m.kind, to_json(m.created_at) #>> '{}' as tx,
      to_json(case when m.kind = 'expire' then r.expires_at else m.created_at end) #>> '{}' as "freedAt"
    from stock_movements m join reservations r on r.checkout_id = m.checkout_id and r.variant_id = m.variant_id
    where m.product_id = ${productId!} and m.kind in ('release', 'expire') order by m.id`;
  const offerRows = await sql<{ tx: string; offeredAt: string }[]>`
    select to_json(m.created_at) #>> '{}' as tx, to_json(t.offered_at) #>> '{}' as "offeredAt"
    from queue_tickets t join stock_movements m on m.checkout_id = t.checkout_id and m.kind = 'reserve'
    where m.product_id = ${productId!} order by t.offered_at`;
  const unpaired = [...freedUnits];
  const freed = offerRows.map((o) => {
    let i = unpaired.findIndex((f) => f.tx === o.tx);
    if (i < 0) i = unpaired.map((f) => Date.parse(f.freedAt) <= Date.parse(o.offeredAt)).lastIndexOf(true);
    const [unit] = i < 0 ? [undefined] : unpaired.splice(i, 1);
    return { kind: unit?.kind ?? "none", waited_ms: unit ? Math.max(0, Date.parse(o.offeredAt) - Date.parse(unit.freedAt)) : 0 };
  });
  const [counts] = await sql<{ freed: number; offers: number; allocated: number; reserved: number }[]>`
    select (select count(*)::int from stock_movements where product_id = ${productId!} and kind in ('release', 'expire')) as freed,
           (select count(*)::int from queue_tickets t join queue_ticket_lines l on l.ticket_id = t.id where l.product_id = ${productId!} and t.offered_at is not null) as offers,
           (select allocated from stock_levels where product_id = ${productId!} and on_hand > 0) as allocated,
           (select reserved from stock_levels where product_id = ${productId!} and on_hand > 0) as reserved`;
  const offered = await sql<{ seq: number; offered_at: Date }[]>`
    select t.seq, t.offered_at from queue_tickets t join queue_ticket_lines l on l.ticket_id = t.id
    where l.product_id = ${productId!} and t.offered_at is not null order by t.offered_at, t.seq`;
  const waitingSeqs = await sql<{ seq: number }[]>`
    select t.seq from queue_tickets t join queue_ticket_lines l on l.ticket_id = t.id where l.product_id = ${productId!} and t.status = 'waiting' order by t.seq`;
  const inOrder =
    offered.every((o, i) => i === 0 || o.seq > offered[i - 1]!.seq) && (waitingSeqs.length === 0 || offered.every((o) => o.seq < waitingSeqs[0]!.seq));
  const waits = freed.map((f) => f.waited_ms).sort((a, b) => a - b);
  const lapses = freed.filter((f) => f.kind === "expire").map((f) => f.waited_ms).sort((a, b) => a - b);
  return {
    acts,
    freedWhileWaiting: freed.filter((f) => f.kind !== "none").length,
    freedInAll: counts!.freed,
    offers: counts!.offers,
    soldOut: counts!.allocated === UNITS,
    reservedAtEnd: counts!.reserved,
    waits,
    lapseWaits: lapses,
    handOnP50Ms: round1(percentile(waits, 50)),
    handOnP99Ms: round1(percentile(waits, 99)),
    lapseP99Ms: lapses.length ? round1(percentile(lapses, 99)) : null,
    lapses: lapses.length,
    inJoinOrder: inOrder,
  };
}

async function main(): Promise<void> {
  const started = new Date();
  const wrk = spawnSync("sh", ["-c", "command -v wrk"], { encoding: "utf8" }).stdout.trim();
  if (!wrk) throw new Error("wrk is not installed (Debian: apt-get install -y wrk)");
  ensureBuild(log);
  const database = await prepareBenchDatabase(log);
  const sql = postgres(database.url, { max: 4, onnotice: () => {} });
  const secret = randomBytes(32).toString("base64url");
  const load = Number((os.loadavg()[0] ?? 0).toFixed(2));
  const appEnv = {
    DATABASE_URL: database.url,
    AUTH_SECRET: secret,
    LOG_LEVEL: "warn",
    RATE_LIMIT_CHECKOUTS_PER_MINUTE: "10",
    RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE: "100000000",
    RATE_LIMIT_CHECKOUTS_PER_IP_PER_HOUR: "0",
    RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR: "0",
    RESERVATION_TTL_CONTENDED_SECONDS: String(CONTENDED_SECONDS),
    QUEUE_OFFER_SECONDS: String(CONTENDED_SECONDS),
  };
  const app = await startApp(appEnv);
  appLogs = app.logs;
  const cookies = path.join(os.tmpdir(), `stockhold-line-wrk-${process.pid}.txt`);
  try {
    log(`${SALES} flash sales, each ${SHOPPERS} shoppers for ${UNITS} units; of each 10 holders, 7 pay, 2 cancel and 1 lets the hold lapse`);
    const sales = [];
    for (let n = 1; n <= SALES; n++) sales.push(await flashSale(app.baseUrl, sql, secret, n));
    const waits = sales.flatMap((one) => one.waits).sort((a, b) => a - b);
    const lapseWaits = sales.flatMap((one) => one.lapseWaits).sort((a, b) => a - b);
    const sale = {
      sales: SALES,
      acts: { paid: sales.reduce((n, one) => n + one.acts.paid, 0), cancelled: sales.reduce((n, one) => n + one.acts.cancelled, 0), lapsed: sales.reduce((n, one) => n + one.acts.lapsed, 0) },
      freedWhileWaiting: sales.reduce((n, one) => n + one.freedWhileWaiting, 0),
      offers: sales.reduce((n, one) => n + one.offers, 0),
      lapses: lapseWaits.length,
      handOnP50Ms: round1(percentile(waits, 50)),
      handOnP99Ms: round1(percentile(waits, 99)),
      lapseP99Ms: lapseWaits.length ? round1(percentile(lapseWaits, 99)) : null,
      inJoinOrder: sales.every((one) => one.inJoinOrder),
      soldOut: sales.every((one) => one.soldOut),
      perSale: sales.map(({ waits: _w, lapseWaits: _l, ...one }) => one),
    };
    log(
      `  ${sale.freedWhileWaiting} units freed while shoppers waited (${sale.lapses} by lapse), ${sale.offers} offers; ` +
        `hand-on p50 ${sale.handOnP50Ms} ms, p99 ${sale.handOnP99Ms} ms (lapses p99 ${sale.lapseP99Ms} ms); in join order: ${sale.inJoinOrder}; sold out: ${sale.soldOut}`,
    );

    // Throughput: a hot product with no one waiting, and another while 1,000 wait for a sold-out one.
    const [hotAlone, hotBeside, soldOut] = await Promise.all([
      createProducts(sql, "line-hot-alone", 1, HTTP_SHOPPERS),
      createProducts(sql, "line-hot-beside", 1, HTTP_SHOPPERS),
      createProducts(sql, "line-sold-out", 1, 0),
    ]);
    const alone = await createShoppersWithCarts(sql, hotAlone, HTTP_SHOPPERS);
    const beside = await createShoppersWithCarts(sql, hotBeside, HTTP_SHOPPERS);
    const waiters = await createShoppersWithCarts(sql, soldOut, WAITING);
    fs.writeFileSync(cookies, [...alone, ...beside].map((s) => guestCookie(secret, s.id)).join("\n") + "\n");
    const checkoutLua = (offset: number) => `local cookies = {}
for line in io.lines("${cookies}") do cookies[#cookies + 1] = line end
local threads = 0
function setup(thread) thread:set("t", threads); threads = threads + 1 end
function init(args) n = tonumber(args[1]) + t end
function request()
  n = n + ${WRK.threads}
  return wrk.format("POST", "/api/checkout", { ["Content-Type"] = "application/json", ["Cookie"] = cookies[${offset} + (n % ${HTTP_SHOPPERS}) + 1] }, '{"email":"bench@example.test"}')
end
`;
    const routes = { health: `function request() return wrk.format("GET", "/api/health") end`, checkout: checkoutLua(0), checkoutWhileWaiting: checkoutLua(HTTP_SHOPPERS) };
    type Route = keyof typeof routes;
    const next: Record<Route, number> = { health: 0, checkout: 0, checkoutWhileWaiting: 0 };
    const run = (route: Route, seconds: number): WrkRun => {
      const result = runWrk({ wrk, ...WRK }, app.baseUrl, routes[route], seconds, [String(next[route])]);
      next[route] += result.requests + 2 * WRK.threads;
      return result;
    };
    const rounds: Record<Route, WrkRun[]> = { health: [], checkout: [], checkoutWhileWaiting: [] };
    for (const route of ["health", "checkout"] as Route[]) run(route, WARMUP_SECONDS);
    // The 1,000 join the line for the sold-out product through the app, as shoppers would. For the rounds with no
    // one waiting, their ticket lines are set aside (not waiting) and then put back: the same rows, alternated.
    const joinAll = async () => {
      const join = async (w: BenchShopper, attempt = 1): Promise<void> => {
        try {
          await fetch(`${app.baseUrl}/api/queue`, {
            method: "POST",
            headers: { cookie: guestCookie(secret, w.id), "content-type": "application/json" },
            body: JSON.stringify({ email: w.email }),
          }).then((r) => r.arrayBuffer());
        } catch (error) {
          // A connection refused while the server still sheds wrk's: try again.
          if (attempt >= 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
          return join(w, attempt + 1);
        }
      };
      for (let i = 0; i < waiters.length; i += 10) await Promise.all(waiters.slice(i, i + 10).map((w) => join(w)));
    };
    log(`wrk, ${WRK.connections} connections: health, checkout with no one waiting, checkout while ${WAITING} wait`);
    await joinAll();
    const [waitingRow] = await sql<{ n: number }[]>`select count(*)::int as n from queue_tickets where status = 'waiting'`;
    const waitingNow = waitingRow!.n;
    for (let round = 1; round <= ROUNDS; round++) {
      // No one waits: the sold-out product's line is set aside for these runs (its tickets kept, not waiting).
      await sql`update queue_ticket_lines set waiting = false where ticket_id in (select id from queue_tickets where status = 'waiting')`;
      rounds.health.push(run("health", ROUND_SECONDS));
      rounds.checkout.push(run("checkout", ROUND_SECONDS));
      await sql`update queue_ticket_lines set waiting = true where ticket_id in (select id from queue_tickets where status = 'waiting')`;
      rounds.checkoutWhileWaiting.push(run("checkoutWhileWaiting", ROUND_SECONDS));
      const rate = (r: Route) => round1(rounds[r].at(-1)!.requests / rounds[r].at(-1)!.seconds);
      log(`  round ${round}: health ${rate("health")}/s, checkout ${rate("checkout")}/s, checkout while ${waitingNow} wait ${rate("checkoutWhileWaiting")}/s`);
    }
    const health = summarize(rounds.health);
    const checkout = summarize(rounds.checkout);
    const whileWaiting = summarize(rounds.checkoutWhileWaiting);
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const targets = [
      { name: "every freed unit offered to a waiting shopper, p99 (ms)", value: sale.handOnP99Ms, target: "≤ 1000", met: sale.handOnP99Ms <= 1000 },
      { name: "offers strictly in join order", value: sale.inJoinOrder ? "yes" : "no", target: "yes", met: sale.inJoinOrder },
      { name: "checkout over HTTP vs health, no one waiting", value: ratio(checkout.requestsPerSecond, health.requestsPerSecond), target: "≥ 0.95×", met: checkout.requestsPerSecond >= 0.95 * health.requestsPerSecond },
      { name: `checkout over HTTP vs health, ${waitingNow} waiting`, value: ratio(whileWaiting.requestsPerSecond, health.requestsPerSecond), target: "≥ 0.8×", met: whileWaiting.requestsPerSecond >= 0.8 * health.requestsPerSecond },
    ];
    const report = {
      startedAt: started.toISOString(),
      machine: describeMachine(),
      loadAverage: { atStart: load, atEnd: Number((os.loadavg()[0] ?? 0).toFixed(2)) },
      settings: { shoppers: SHOPPERS, units: UNITS, contendedSeconds: CONTENDED_SECONDS, waiting: waitingNow, wrk: WRK, rounds: ROUNDS, roundSeconds: ROUND_SECONDS, database: database.server },
      sale,
      health,
      checkout: { ...checkout, ratioToHealth: ratio(checkout.requestsPerSecond, health.requestsPerSecond) },
      checkoutWhileWaiting: { ...whileWaiting, ratioToHealth: ratio(whileWaiting.requestsPerSecond, health.requestsPerSecond) },
      targets,
    };
    const source = saveResult("line", started, report);
    const m = report.machine;
    replaceSection(
      path.join(process.cwd(), "BENCHMARKS.md"),
      "line",
      [
        `Run of ${report.startedAt.slice(0, 16).replace("T", " ")} UTC (\`${source}\`). Machine: ${m.cpus} CPUs, ${m.cpuModel}, ${m.memoryGiB} GiB, ${m.os}; ` +
          `Node ${m.node}; PostgreSQL ${database.server.version}. Load average (1 min) ${report.loadAverage.atStart} at the start, ${report.loadAverage.atEnd} at the end.`,
        "",
        `${SALES} flash sales one after another, each ${SHOPPERS} shoppers for ${UNITS} units on one app server; of every 10 holders (the first ones and those offered a unit) 7 pay, 2 cancel, 1 walks away: in all they paid ${sale.acts.paid}, cancelled ` +
          `${sale.acts.cancelled}, let ${sale.acts.lapsed} holds lapse (idle holds on the contended variant and offers lasting ${CONTENDED_SECONDS} s). ` +
          `${sale.freedWhileWaiting} units were freed while shoppers waited (${sale.lapses} by lapse) and ${sale.offers} offers made; ` +
          `hand-on p50 ${sale.handOnP50Ms} ms, p99 ${sale.handOnP99Ms} ms (a cancel's offer is in its own transaction: 0 ms; lapses p99 ${sale.lapseP99Ms} ms, ` +
          `from the moment the hold's time was up to the sweep's offer); sold out: ${sale.soldOut ? "yes" : "no"}.`,
        "",
        "| wrk, 64 connections | requests/s | p99 ms | per round |",
        "|---|---:|---:|---|",
        `| \`GET /api/health\` | ${health.requestsPerSecond} | ${health.p99Ms} | ${health.perRun.join(", ")} |`,
        `| \`POST /api/checkout\`, hot product, no one waiting | ${checkout.requestsPerSecond} | ${checkout.p99Ms} | ${checkout.perRun.join(", ")} |`,
        `| \`POST /api/checkout\`, hot product, ${waitingNow} shoppers waiting for a sold-out one | ${whileWaiting.requestsPerSecond} | ${whileWaiting.p99Ms} | ${whileWaiting.perRun.join(", ")} |`,
        "",
        "| target | this run | goal | met |",
        "|---|---:|---|---|",
        ...targets.map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met ? "yes" : "**no**"} |`),
      ].join("\n"),
    );
    log(["", ...targets.map((t) => `${t.met ? "met    " : "NOT MET"}  ${t.name}: ${t.value} (${t.target})`), `saved ${source}; BENCHMARKS.md updated`].join("\n"));
  } finally {
    await app.stop();
    fs.rmSync(cookies, { force: true });
    await sql.end();
    await database.stop();
  }
}

process.on("exit", () => {
  if (process.exitCode && appLogs.length) console.error(`the app's log:\n${appLogs.join("").split("\n").filter((l) => !l.includes('"level":"info"')).slice(-40).join("\n")}`);
});

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
