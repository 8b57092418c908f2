/**
 * `npm run reconcile`: checks every stock invariant and that the levels equal the ledger, on the live database
 * at DATABASE_URL (or the demo database under .data/ when unset). Prints a report; exits 0 when all is well,
 * 1 on drift, 2 when the check itself could not run. Reads only; safe to run against a shop in business.
 *
 * Run with `tsx --conditions=react-server` (the npm script does): lib/inventory is marked "server-only".
 */
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { and, eq, inArray, isNotNull, isNull, ne, notExists, notInArray, or, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { DATA_DIR } from "./bootstrap";
import type { Tx } from "./client";
import { scriptClientOptions } from "./connection-settings";
import { startEmbeddedPostgres } from "./embedded";
import * as schema from "./schema";
import { checkouts, orderAllocations, orderLines, orders, payments, products, productVariants, refunds, reservations, stockLevels, stockMovements, testProviderRefunds } from "./schema";

interface Finding {
  check: string;
  subject: string;
  problem: string;
}

/** A variant as a finding names it: "SKU TRAIL-M of product <id>". */
const variantNamed = (variantId: SQL) =>
  sql`(select 'SKU ' || ${productVariants.sku} || ' of product ' || ${productVariants.productId} from ${productVariants} where ${productVariants.id} = ${variantId})`;

type Check = { check: string; query: (tx: Tx) => Promise<{ subject: string; problem: string }[]> };

/**
 * Record-level checks that complement lib/inventory reconcileStock (which compares each product's levels
 * with its ledger and its holds). Each query returns the rows that break one rule.
 */
const recordChecks: Check[] = [
  {
    // A kit has no stock of its own (its components hold it); the database refuses stock rows for one.
    check: "every stock product has stock levels",
    query: (tx) =>
      tx
        .select({ subject: products.id, problem: sql<string>`'product has no stock_levels row'` })
        .from(products)
        .leftJoin(stockLevels, eq(stockLevels.productId, products.id))
        .where(and(isNull(stockLevels.productId), eq(products.kind, "stock")))
        .unionAll(
          tx
            .select({ subject: productVariants.id, problem: sql<string>`'variant has no stock_levels row'` })
            .from(productVariants)
            .leftJoin(stockLevels, eq(stockLevels.variantId, productVariants.id))
            .where(and(isNull(stockLevels.variantId), eq(productVariants.kind, "stock"))),
        ),
  },
  {
    check: "active holds belong to live checkouts",
    query: (tx) =>
      tx
        .select({ subject: reservations.id, problem: sql<string>`'active hold on a checkout that is ' || ${checkouts.status}` })
        .from(reservations)
        .innerJoin(checkouts, eq(checkouts.id, reservations.checkoutId))
        .where(and(eq(reservations.status, "active"), notInArray(checkouts.status, ["active", "paying"]))),
  },
  {
    check: "a completed checkout has exactly one order, and only it",
    query: (tx) =>
      tx
        .select({ subject: checkouts.id, problem: sql<string>`'completed checkout with ' || count(${orders.id}) || ' orders'` })
        .from(checkouts)
        .leftJoin(orders, eq(orders.checkoutId, checkouts.id))
        .where(eq(checkouts.status, "completed"))
        .groupBy(checkouts.id)
        .having(sql`count(${orders.id}) <> 1`)
        .unionAll(
          tx
            .select({ subject: orders.id, problem: sql<string>`'order of a checkout that is ' || ${checkouts.status}` })
            .from(orders)
            .innerJoin(checkouts, eq(checkouts.id, orders.checkoutId))
            .where(ne(checkouts.status, "completed")),
        ),
  },
  {
    check: "order lines equal the holds they were allocated from",
    query: (tx) => {
      // Per order line: a line held at several locations is several holds (their units add up); a kit's line is one
      // hold per component and location, each carrying the kit's quantity and price.
      const lineVariant = sql<string>`coalesce(${reservations.kitVariantId}, ${reservations.variantId})`;
      const held = tx
        .select({
          orderId: sql<string>`${orders.id}`.as("held_order_id"),
          variantId: lineVariant.as("held_variant_id"),
          quantity: sql<number>`coalesce(max(${reservations.kitQuantity}), sum(${reservations.quantity}))::int`.as("held_quantity"),
          unitPriceCents: sql<number>`max(${reservations.unitPriceCents})`.as("held_unit_price_cents"),
        })
        .from(orders)
        .innerJoin(reservations, and(eq(reservations.checkoutId, orders.checkoutId), eq(reservations.status, "allocated")))
        .groupBy(orders.id, lineVariant)
        .as("h");
      const sold = orderLines;
      return tx
        .select({
          subject: sql<string>`coalesce(${held.orderId}, ${sold.orderId})`,
          problem: sql<string>`${variantNamed(sql`coalesce(${held.variantId}, ${sold.variantId})`)} || ': held ' || coalesce(${held.quantity}, 0) || ', sold ' || coalesce(${sold.quantity}, 0)`,
        })
        .from(held)
        .fullJoin(sold, and(eq(sold.orderId, held.orderId), eq(sold.variantId, held.variantId)))
        .where(
          sql`${held.quantity} is distinct from ${sold.quantity} or ${held.unitPriceCents} is distinct from ${sold.unitPriceCents}`,
        );
    },
  },
  {
    check: "allocated holds belong to paid orders",
    query: (tx) =>
      tx
        .select({ subject: reservations.id, problem: sql<string>`'allocated hold without an order'` })
        .from(reservations)
        .leftJoin(orders, eq(orders.checkoutId, reservations.checkoutId))
        .where(and(eq(reservations.status, "allocated"), isNull(orders.id))),
  },
  {
    check: "order totals equal their lines",
    query: (tx) => {
      const linesTotal = sql`coalesce(sum(${orderLines.quantity} * ${orderLines.unitPriceCents}), 0)`;
      return tx
        .select({ subject: orders.id, problem: sql<string>`'total ' || ${orders.totalCents} || ' but lines sum to ' || ${linesTotal}` })
        .from(orders)
        .leftJoin(orderLines, eq(orderLines.orderId, orders.id))
        .groupBy(orders.id)
        .having(sql`${orders.totalCents} <> ${linesTotal}`);
    },
  },
  {
    check: "every captured payment has its order",
    query: (tx) =>
      tx
        .select({ subject: payments.id, problem: sql<string>`'captured payment whose order is missing or of another checkout'` })
        .from(payments)
        .leftJoin(orders, eq(orders.id, payments.orderId))
        .where(and(eq(payments.status, "captured"), or(isNull(orders.id), ne(orders.checkoutId, payments.checkoutId)))),
  },
  {
    check: "no checkout has two captured payments",
    query: (tx) =>
      tx
        .select({ subject: payments.checkoutId, problem: sql<string>`count(*) || ' captured payments'` })
        .from(payments)
        .where(eq(payments.status, "captured"))
        .groupBy(payments.checkoutId)
        .having(sql`count(*) > 1`),
  },
  {
    check: "every order has its captured payment",
    // An order whose payment is authorized is waiting for its capture (the recovery sweep finishes it).
    query: (tx) =>
      tx
        .select({ subject: orders.id, problem: sql<string>`'order without a captured payment'` })
        .from(orders)
        .where(
          notExists(
            tx
              .select({ one: sql`1` })
              .from(payments)
              .where(and(eq(payments.orderId, orders.id), inArray(payments.status, ["captured", "authorized"]))),
          ),
        ),
  },
  {
    check: "every charge matches its checkout",
    query: (tx) =>
      tx
        .select({
          subject: payments.id,
          problem: sql<string>`'payment of ' || ${payments.amountCents} || ' for a checkout of ' || ${checkouts.totalCents}`,
        })
        .from(payments)
        .innerJoin(checkouts, eq(checkouts.id, payments.checkoutId))
        .where(ne(payments.amountCents, checkouts.totalCents)),
  },
  {
    check: "each checkout's ledger equals what it still holds",
    // One pass over the checkouts' ledger rows with their active holds beside them (a hold that is not active holds
    // nothing), summed per checkout and variant: cheaper than summing each side apart and joining two sums of
    // millions of rows.
    query: (tx) => {
      const both = tx
        .select({
          checkoutId: stockMovements.checkoutId,
          variantId: stockMovements.variantId,
          ledger: sql<number>`${stockMovements.reservedDelta}`.as("ledger_units"),
          held: sql<number>`0`.as("held_units"),
        })
        .from(stockMovements)
        .where(isNotNull(stockMovements.checkoutId))
        .unionAll(
          tx
            .select({
              checkoutId: reservations.checkoutId,
              variantId: reservations.variantId,
              ledger: sql<number>`0`.as("ledger_units"),
              held: sql<number>`${reservations.quantity}`.as("held_units"),
            })
            .from(reservations)
            .where(eq(reservations.status, "active")),
        )
        .as("b");
      return tx
        .select({
          subject: sql<string>`${both.checkoutId}`,
          problem: sql<string>`${variantNamed(sql`${both.variantId}`)} || ': ledger holds ' || sum(${both.ledger})::int || ', active holds ' || sum(${both.held})::int`,
        })
        .from(both)
        .groupBy(both.checkoutId, both.variantId)
        .having(sql`sum(${both.ledger}) <> sum(${both.held})`);
    },
  },
  {
    check: "each order's ledger equals what it still has allocated",
    query: (tx) => {
      const ledger = tx
        .select({
          orderId: stockMovements.orderId,
          variantId: stockMovements.variantId,
          allocated: sql<number>`sum(${stockMovements.allocatedDelta})::int`.as("ledger_allocated"),
        })
        .from(stockMovements)
        .where(isNotNull(stockMovements.orderId))
        .groupBy(stockMovements.orderId, stockMovements.variantId)
        .as("g");
      // What each order still has allocated: its units neither shipped nor released (refunded or cancelled).
      const expected = tx
        .select({
          orderId: orderAllocations.orderId,
          variantId: orderAllocations.variantId,
          allocated: sql<number>`sum(${orderAllocations.quantity} - ${orderAllocations.fulfilled} - ${orderAllocations.released})::int`.as(
            "expected_allocated",
          ),
        })
        .from(orderAllocations)
        .groupBy(orderAllocations.orderId, orderAllocations.variantId)
        .as("e");
      return tx
        .select({
          subject: sql<string>`coalesce(${ledger.orderId}, ${expected.orderId})`,
          problem: sql<string>`${variantNamed(sql`coalesce(${ledger.variantId}, ${expected.variantId})`)} || ': ledger allocates ' || coalesce(${ledger.allocated}, 0) || ', expected ' || coalesce(${expected.allocated}, 0)`,
        })
        .from(ledger)
        .fullJoin(expected, and(eq(expected.orderId, ledger.orderId), eq(expected.variantId, ledger.variantId)))
        .where(sql`coalesce(${ledger.allocated}, 0) <> coalesce(${expected.allocated}, 0)`);
    },
  },
  {
    check: "captured − refunded = what the orders keep",
    // An order's refunded cents are its refunds not refused by the provider; its payment less those is what it keeps.
    query: (tx) => {
      const given = tx
        .select({
          orderId: refunds.orderId,
          cents: sql<number>`sum(${refunds.amountCents}) filter (where ${refunds.status} <> 'failed')`.as("refunded_cents_sum"),
        })
        .from(refunds)
        .groupBy(refunds.orderId)
        .as("r");
      return tx
        .select({
          subject: orders.id,
          problem: sql<string>`'captured ' || ${payments.amountCents} || ', refunds ' || coalesce(${given.cents}, 0) || ', but the order keeps ' || (${orders.totalCents} - ${orders.refundedCents})`,
        })
        .from(orders)
        .innerJoin(payments, and(eq(payments.orderId, orders.id), eq(payments.status, "captured")))
        .leftJoin(given, eq(given.orderId, orders.id))
        .where(sql`${payments.amountCents} - coalesce(${given.cents}, 0) <> ${orders.totalCents} - ${orders.refundedCents}`);
    },
  },
  {
    check: "each line's refunded units are its refunds' units",
    query: (tx) => {
      // Raw SQL: a refund's lines are a JSON array; jsonb_array_elements unrolls them, one row per line.
      const each = tx
        .select({ orderId: refunds.orderId, line: sql`jsonb_array_elements(${refunds.lines})`.as("line") })
        .from(refunds)
        .as("e");
      const refunded = tx
        .select({
          orderId: each.orderId,
          variantId: sql<string>`(${each.line}->>'variantId')::uuid`.as("refunded_variant"),
          units: sql<number>`sum((${each.line}->>'quantity')::int)::int`.as("refunded_units"),
        })
        .from(each)
        .groupBy(each.orderId, sql`(${each.line}->>'variantId')::uuid`)
        .as("u");
      return tx
        .select({
          subject: orderLines.orderId,
          problem: sql<string>`${variantNamed(sql`${orderLines.variantId}`)} || ': refunded ' || ${orderLines.refunded} || ', its refunds say ' || coalesce(${refunded.units}, 0)`,
        })
        .from(orderLines)
        .leftJoin(refunded, and(eq(refunded.orderId, orderLines.orderId), eq(refunded.variantId, orderLines.variantId)))
        .where(sql`${orderLines.refunded} <> coalesce(${refunded.units}, 0)`);
    },
  },
  {
    check: "every refund has its provider record",
    // The test provider's records live in this database (a real provider's are asked for by the recovery sweep):
    // each refund it made is a shop refund of the same amount, and each settled refund of the shop is one it made.
    query: (tx) => {
      const key = sql`'stockhold_refund_' || ${refunds.id}`;
      return tx
        .select({ subject: sql<string>`${refunds.id}::text`, problem: sql<string>`'refund ' || ${refunds.status} || ' of ' || ${refunds.amountCents} || ' but the provider refunded ' || coalesce(${testProviderRefunds.amountCents}::text, 'nothing')` })
        .from(refunds)
        .innerJoin(payments, eq(payments.id, refunds.paymentId))
        .leftJoin(testProviderRefunds, eq(testProviderRefunds.idempotencyKey, key))
        .where(
          and(
            eq(payments.provider, "test"),
            sql`(${refunds.status} = 'succeeded' and ${testProviderRefunds.amountCents} is distinct from ${refunds.amountCents})
              or (${refunds.status} = 'failed' and ${testProviderRefunds.idempotencyKey} is not null)`,
          ),
        )
        .unionAll(
          tx
            .select({ subject: testProviderRefunds.idempotencyKey, problem: sql<string>`'the provider refunded ' || ${testProviderRefunds.amountCents} || ' with no refund record in the shop'` })
            .from(testProviderRefunds)
            .leftJoin(refunds, eq(key, testProviderRefunds.idempotencyKey))
            .where(isNull(refunds.id)),
        )
        .unionAll(
          tx
            .select({ subject: sql<string>`${refunds.id}::text`, problem: sql<string>`'refund with the provider for over an hour'` })
            .from(refunds)
            .where(and(eq(refunds.status, "processing"), sql`${refunds.updatedAt} < now() - interval '1 hour'`)),
        );
    },
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
    // One snapshot for every check, so a shop in business cannot make them disagree with each other: the first
    // lane's transaction exports it and the second one's reads in it, each lane taking the next check to run (the
    // heaviest first), so the two connections check side by side.
    const rows: { check: string; subject: string; problem: string }[][] = recordChecks.map(() => []);
    let stock: Awaited<ReturnType<typeof reconcileStock>> | undefined;
    let counts: { movements: number; holds: number; orders: number } | undefined;
    const queue: (() => (tx: Tx) => Promise<void>)[] = [
      () => async (tx) => void (stock = await reconcileStock(tx)),
      () => async (tx) => {
        [counts] = await tx
          .select({
            movements: sql<number>`(select count(*)::int from ${stockMovements})`,
            holds: sql<number>`(select count(*)::int from ${reservations})`,
            orders: sql<number>`(select count(*)::int from ${orders})`,
          })
          .from(sql`(values (1)) as one`);
      },
      ...[...recordChecks.entries()].reverse().map(([n, { check, query }]) => () => async (tx: Tx) => {
        rows[n] = (await query(tx)).map((row) => ({ check, ...row }));
      }),
    ];
    const work = async (tx: Tx) => {
      // Raw SQL: a setting for this transaction only. The checks sum millions of rows in hash tables; at the
      // default 4 MB they spill to disk.
      await tx.execute(sql`select set_config('work_mem', '64MB', true)`);
      for (let next = queue.shift(); next; next = queue.shift()) await next()(tx);
    };
    const inOneSnapshot = { isolationLevel: "repeatable read", accessMode: "read only" } as const;
    let shared: (snapshot: string | null) => void = () => {};
    const snapshot = new Promise<string | null>((resolve) => (shared = resolve));
    let joined: () => void = () => {};
    const secondJoined = new Promise<void>((resolve) => (joined = resolve));
    await Promise.all([
      database.transaction(async (tx) => {
        try {
          // Raw SQL: PostgreSQL's snapshot export, which the query builder cannot say.
          const [exported] = await tx.execute<{ id: string }>(sql`select pg_export_snapshot() as id`);
          shared(exported!.id);
        } finally {
          shared(null);
        }
        await work(tx);
        // The snapshot lives as long as this transaction: the second lane must have taken it first.
        await secondJoined;
      }, inOneSnapshot),
      snapshot.then(async (id) => {
        if (id === null) return joined();
        await database.transaction(async (tx) => {
          try {
            // Raw SQL: SET TRANSACTION SNAPSHOT takes a literal, not a parameter.
            await tx.execute(sql.raw(`set transaction snapshot '${id.replace(/'/g, "''")}'`));
          } finally {
            joined();
          }
          await work(tx);
        }, inOneSnapshot);
      }),
    ]);
    for (const list of rows) findings.push(...list);
    if (!stock) throw new Error("the stock levels were not checked");
    for (const p of stock.problems) findings.unshift({ check: "levels equal the ledger and the holds", subject: p.productId, problem: p.problem });
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
