/**
 * `npm run reconcile`: checks every stock invariant and that the levels equal the ledger, on the live database
 * at DATABASE_URL (or the demo database under .data/ when unset). Prints a report; exits 0 when all is well,
 * 1 on drift, 2 when the check itself could not run. Reads only; safe to run against a shop in business.
 *
 * Run with `tsx --conditions=react-server` (the npm script does): lib/inventory.ts is marked "server-only".
 */
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import { DATA_DIR } from "./bootstrap";
import { scriptClientOptions } from "./connection-settings";
import { startEmbeddedPostgres } from "./embedded";
import * as schema from "./schema";

interface Finding {
  check: string;
  subject: string;
  problem: string;
}

/**
 * Record-level checks that complement lib/inventory reconcileStock (which compares each product's levels
 * with its ledger and its holds). Each query returns the rows that break one rule.
 */
const recordChecks: { check: string; query: string }[] = [
  {
    check: "every product has stock levels",
    query: `select p.id as subject, 'product has no stock_levels row' as problem
            from products p left join stock_levels s on s.product_id = p.id where s.product_id is null`,
  },
  {
    check: "active holds belong to live checkouts",
    query: `select r.id as subject, 'active hold on a checkout that is ' || c.status as problem
            from reservations r join checkouts c on c.id = r.checkout_id
            where r.status = 'active' and c.status not in ('active', 'paying')`,
  },
  {
    check: "a completed checkout has exactly one order, and only it",
    query: `select c.id as subject, 'completed checkout with ' || count(o.id) || ' orders' as problem
            from checkouts c left join orders o on o.checkout_id = c.id
            where c.status = 'completed' group by c.id having count(o.id) <> 1
            union all
            select o.id, 'order of a checkout that is ' || c.status
            from orders o join checkouts c on c.id = o.checkout_id where c.status <> 'completed'`,
  },
  {
    check: "order lines equal the holds they were allocated from",
    query: `with held as (
              select o.id as order_id, r.product_id, r.quantity, r.unit_price_cents
              from orders o join reservations r on r.checkout_id = o.checkout_id and r.status = 'allocated'
            ), sold as (
              select order_id, product_id, quantity, unit_price_cents from order_lines
            )
            select coalesce(h.order_id, s.order_id) as subject,
                   'product ' || coalesce(h.product_id, s.product_id) || ': held ' || coalesce(h.quantity, 0)
                   || ', sold ' || coalesce(s.quantity, 0) as problem
            from held h full join sold s on s.order_id = h.order_id and s.product_id = h.product_id
            where h.quantity is distinct from s.quantity or h.unit_price_cents is distinct from s.unit_price_cents`,
  },
  {
    check: "allocated holds belong to paid orders",
    query: `select r.id as subject, 'allocated hold without an order' as problem
            from reservations r left join orders o on o.checkout_id = r.checkout_id
            where r.status = 'allocated' and o.id is null`,
  },
  {
    check: "order totals equal their lines",
    query: `select o.id as subject, 'total ' || o.total_cents || ' but lines sum to ' || coalesce(sum(l.quantity * l.unit_price_cents), 0) as problem
            from orders o left join order_lines l on l.order_id = o.id
            group by o.id having o.total_cents <> coalesce(sum(l.quantity * l.unit_price_cents), 0)`,
  },
  {
    check: "every captured payment has its order",
    query: `select p.id as subject, 'captured payment whose order is missing or of another checkout' as problem
            from payments p left join orders o on o.id = p.order_id
            where p.status = 'captured' and (o.id is null or o.checkout_id <> p.checkout_id)`,
  },
  {
    check: "no checkout has two captured payments",
    query: `select checkout_id as subject, count(*) || ' captured payments' as problem
            from payments where status = 'captured' group by checkout_id having count(*) > 1`,
  },
  {
    check: "every order has its captured payment",
    // An order whose payment is authorized is waiting for its capture (the recovery sweep finishes it).
    query: `select o.id as subject, 'order without a captured payment' as problem
            from orders o where not exists (
              select 1 from payments p where p.order_id = o.id and p.status in ('captured', 'authorized'))`,
  },
  {
    check: "every charge matches its checkout",
    query: `select p.id as subject, 'payment of ' || p.amount_cents || ' for a checkout of ' || c.total_cents as problem
            from payments p join checkouts c on c.id = p.checkout_id where p.amount_cents <> c.total_cents`,
  },
  {
    check: "each checkout's ledger equals what it still holds",
    query: `with ledger as (
              select checkout_id, product_id, sum(reserved_delta)::int as reserved
              from stock_movements where checkout_id is not null group by checkout_id, product_id
            ), holds as (
              select checkout_id, product_id, sum(quantity) filter (where status = 'active')::int as reserved
              from reservations group by checkout_id, product_id
            )
            select coalesce(l.checkout_id, h.checkout_id) as subject,
                   'product ' || coalesce(l.product_id, h.product_id) || ': ledger holds ' || coalesce(l.reserved, 0)
                   || ', active holds ' || coalesce(h.reserved, 0) as problem
            from ledger l full join holds h on h.checkout_id = l.checkout_id and h.product_id = l.product_id
            where coalesce(l.reserved, 0) <> coalesce(h.reserved, 0)`,
  },
  {
    check: "each order's ledger equals what it still has allocated",
    query: `with ledger as (
              select order_id, product_id, sum(allocated_delta)::int as allocated
              from stock_movements where order_id is not null group by order_id, product_id
            ), expected as (
              select l.order_id, l.product_id, case when o.status = 'paid' then l.quantity else 0 end as allocated
              from order_lines l join orders o on o.id = l.order_id
            )
            select coalesce(g.order_id, e.order_id) as subject,
                   'product ' || coalesce(g.product_id, e.product_id) || ': ledger allocates ' || coalesce(g.allocated, 0)
                   || ', expected ' || coalesce(e.allocated, 0) as problem
            from ledger g full join expected e on e.order_id = g.order_id and e.product_id = g.product_id
            where coalesce(g.allocated, 0) <> coalesce(e.allocated, 0)`,
  },
];

/** The database to check, and how to let go of it afterwards. */
async function openTarget(): Promise<{ url: string; describe: string; close(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const shown = new URL(process.env.DATABASE_URL);
    shown.password = shown.password ? "***" : "";
    return { url: process.env.DATABASE_URL, describe: shown.toString(), close: async () => {} };
  }
  const dataDir = path.join(DATA_DIR, "postgres");
  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    throw new Error(`No DATABASE_URL and no demo database under ${dataDir}: nothing to check.`);
  }
  // The demo shop may be running on this data directory right now: then check its server, don't start another.
  const running = runningDemoPort(dataDir);
  if (running) {
    return {
      url: `postgres://postgres:stockhold@127.0.0.1:${running}/stockhold`,
      describe: `the running demo database (port ${running})`,
      close: async () => {},
    };
  }
  const server = await startEmbeddedPostgres({ dataDir });
  return { url: server.urlFor("stockhold"), describe: `the demo database under ${dataDir}`, close: () => server.stop() };
}

function runningDemoPort(dataDir: string): number | null {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return null;
  const [pidLine, , , portLine] = fs.readFileSync(pidFile, "utf8").split("\n");
  const pid = Number.parseInt(pidLine ?? "", 10);
  const port = Number.parseInt(portLine ?? "", 10);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
    return port;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM" ? port : null;
  }
}

async function main(): Promise<number> {
  const target = await openTarget();
  const client = postgres(target.url, { max: 2, connect_timeout: 10, ...scriptClientOptions() });
  try {
    // lib/ reads its configuration at import time; it must see the database being checked.
    process.env.DATABASE_URL = target.url;
    const { reconcileStock } = await import("@/lib/inventory");
    const database = drizzle({ client, schema });

    const findings: Finding[] = [];
    // One snapshot for every check, so a shop in business cannot make them disagree with each other.
    const stock = await database.transaction(
      async (tx) => {
        const levels = await reconcileStock(tx);
        for (const { check, query } of recordChecks) {
          const rows = await tx.execute<{ subject: string; problem: string }>(query);
          for (const row of rows) findings.push({ check, subject: String(row.subject), problem: row.problem });
        }
        return levels;
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
    for (const p of stock.problems) findings.unshift({ check: "levels equal the ledger and the holds", subject: p.productId, problem: p.problem });
    const [counts] = await client<{ movements: number; holds: number; orders: number }[]>`
      select (select count(*)::int from stock_movements) as movements,
             (select count(*)::int from reservations) as holds,
             (select count(*)::int from orders) as orders`;

    console.log(`Reconciling ${target.describe}`);
    console.log(
      `  ${stock.products} products, ${counts?.movements ?? 0} ledger movements, ${counts?.holds ?? 0} holds, ` +
        `${counts?.orders ?? 0} orders; ${recordChecks.length + 1} checks`,
    );
    if (findings.length === 0) {
      console.log("OK: every level equals the ledger and every invariant holds.");
      return 0;
    }
    console.log(`DRIFT: ${findings.length} problem(s) found`);
    for (const f of findings.slice(0, 200)) console.log(`  [${f.check}] ${f.subject}: ${f.problem}`);
    if (findings.length > 200) console.log(`  … and ${findings.length - 200} more`);
    return 1;
  } finally {
    await client.end({ timeout: 5 });
    await target.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`reconcile could not run: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
