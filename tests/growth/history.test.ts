/**
 * A shop with history (bench/growth-seed.ts at a small scale: 8,000 checkouts, 6,000 orders, 90,000 ledger rows):
 * the merchant's reads use their indexes (EXPLAIN of the queries lib/ runs, by the same query builders), so does
 * the hold batch (counted scans of one batch, on the generic plans a long-running server uses), reconcile
 * passes on it and still finds a planted drift, and `npm run archive` moves out only what may go.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, pool, type Tx } from "@/db/client";
import { archiveRecords } from "@/db/archive";
import { holdCarts, reconcileStock } from "@/lib/inventory";
import { availableSeries, availableSeriesForAll } from "@/lib/admin/ledger-charts";
import { movementsQuery } from "@/lib/admin/ledger";
import { ordersQuery } from "@/lib/orders/read";
import { conversionTodayQuery, refundsTodayQuery, revenueTodayQuery } from "@/lib/admin/sales";
import { orders } from "@/db/schema";
import { desc, eq, sql as statement } from "drizzle-orm";
import { addLiveHolds, growHistory, growthSize } from "@/bench/growth-seed";
import { runReconcileCli } from "../faults/support";

const sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} });

beforeAll(async () => {
  await growHistory(sql, growthSize(0.02));
  await addLiveHolds(sql, 50);
  await sql`analyze`;
});

afterAll(async () => {
  await sql.end();
  await pool.end();
});

type Plan = { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; "Sort Key"?: string[]; Plans?: Plan[] };

/** Every node of a query's plan, as EXPLAIN (FORMAT JSON) gives it (in a transaction of the test's, if given). */
async function planOf(query: { toSQL(): { sql: string; params: unknown[] } }, on: postgres.Sql | postgres.TransactionSql = sql): Promise<Plan[]> {
  const { sql: text, params } = query.toSQL();
  const [row] = await on.unsafe(`explain (format json) ${text}`, params as postgres.ParameterOrJSON<never>[]);
  const nodes: Plan[] = [];
  const walk = (plan: Plan) => {
    nodes.push(plan);
    for (const child of plan.Plans ?? []) walk(child);
  };
  walk((row!["QUERY PLAN"] as { Plan: Plan }[])[0]!.Plan);
  return nodes;
}

const seqScansOf = (nodes: Plan[], table: string) => nodes.filter((n) => n["Node Type"] === "Seq Scan" && n["Relation Name"] === table);
const indexesUsed = (nodes: Plan[]) => nodes.map((n) => n["Index Name"]).filter(Boolean);

describe("a grown shop's reads", () => {
  it("finds one order's ledger rows by its order and checkout indexes, never scanning the ledger", async () => {
    const [order] = await sql<{ id: string }[]>`select id from orders order by created_at limit 1 offset 100`;
    const nodes = await planOf(movementsQuery({ orderId: order!.id, limit: 500 }));
    expect(seqScansOf(nodes, "stock_movements")).toEqual([]);
    expect(indexesUsed(nodes)).toEqual(expect.arrayContaining(["stock_movements_order_idx", "stock_movements_checkout_idx"]));
  });

  it("reads the newest page of orders from the created_at index instead of sorting every order", async () => {
    const nodes = await planOf(ordersQuery(undefined, 51, [desc(orders.createdAt), desc(orders.id)]));
    expect(seqScansOf(nodes, "orders")).toEqual([]);
    expect(indexesUsed(nodes)).toContain("orders_created_idx");
    // No sort of the orders by their time (the lines' own small sorts are per order).
    expect(nodes.filter((n) => n["Node Type"] === "Sort" && JSON.stringify(n["Sort Key"]).includes("created_at"))).toEqual([]);
  });

  it("reads one order by its key", async () => {
    const [order] = await sql<{ id: string }[]>`select id from orders limit 1`;
    const nodes = await planOf(ordersQuery(eq(orders.id, order!.id), 1));
    expect(seqScansOf(nodes, "orders")).toEqual([]);
    expect(seqScansOf(nodes, "stock_movements")).toEqual([]);
  });

  it("draws the ledger's charts from the newest rows, as the whole history draws them", async () => {
    const [product] = await sql<{ id: string }[]>`
      select product_id as id from stock_movements group by product_id order by count(*) desc limit 1`;
    const series = await availableSeries(product!.id, 20);
    expect(series).toHaveLength(20);
    // The running sum over the whole ledger, the way the chart was drawn before it read only its window.
    const whole = await sql<{ id: string; available: number }[]>`
      select id, available from (
        select id, (sum(delta) over (order by id))::int as available from (
          select max(id) as id, sum(on_hand_delta - reserved_delta - allocated_delta) as delta
          from stock_movements where product_id = ${product!.id} group by created_at) c) l
      order by id desc limit 20`;
    expect(series.map((p) => [p.movementId, p.available])).toEqual(whole.reverse().map((r) => [Number(r.id), r.available]));
    const everyProduct = await availableSeriesForAll(5, 3);
    expect(everyProduct).toHaveLength(3);
    for (const s of everyProduct) expect(s.points.length).toBeGreaterThan(0);
  });

  it("reads the dashboard's figures for today from today's rows, never scanning a year of checkouts or refunds", async () => {
    await sql.begin(async (tx) => {
      // A refund for every order, settled over the year (rolled back below): refunds are a table of history too.
      await tx`insert into refunds (order_id, payment_id, request_key, amount_cents, lines, restock, reason, status, settled_at)
        select o.id, p.id, 'grown', 1, '[]', false, 'grown', 'succeeded', o.created_at + interval '1 minute'
        from orders o join payments p on p.order_id = o.id`;
      await tx`analyze refunds`;
      const conversion = await planOf(conversionTodayQuery(db), tx);
      expect(seqScansOf(conversion, "checkouts")).toEqual([]);
      expect(indexesUsed(conversion)).toContain("checkouts_ended_started_idx");
      const refunded = await planOf(refundsTodayQuery(db), tx);
      expect(seqScansOf(refunded, "refunds")).toEqual([]);
      expect(indexesUsed(refunded)).toContain("refunds_succeeded_settled_idx");
      const revenue = await planOf(revenueTodayQuery(db), tx);
      expect(seqScansOf(revenue, "orders")).toEqual([]);
      throw new Rollback();
    }).catch((error: unknown) => {
      if (!(error instanceof Rollback)) throw error;
    });
  });
});

describe("a grown shop's hold batch", () => {
  it("reaches the batch's carts, lines, checkouts and holds through their indexes, never scanning the shop's", async () => {
    // The batch's statements as a long-running server runs them: prepared, on their generic plans (the JSON rows
    // of a batch count as 100 to the planner, whatever the batch).
    const scans = (tx: Tx) =>
      tx.execute<{ relname: string; seq_scan: number }>(statement`
        select relname, seq_scan::int from pg_stat_xact_user_tables
        where relname in ('carts', 'cart_lines', 'checkouts', 'reservations', 'rate_limits') order by relname`);
    await db
      .transaction(async (tx) => {
        await tx.execute(statement`set local plan_cache_mode = force_generic_plan`);
        // A line in every cart without a live checkout (a shop's many abandoned carts), counted by the planner.
        await tx.execute(statement`
          insert into cart_lines (cart_id, product_id, variant_id, quantity)
          select c.id, v.product_id, v.variant_id, 1 from carts c,
            (select s.variant_id, s.product_id from stock_levels s join product_variants v on v.id = s.variant_id
             where v.kind = 'stock' and v.retired_at is null and s.on_hand - s.reserved - s.allocated > 0
             order by s.on_hand - s.reserved - s.allocated desc limit 1) v
          where not exists (select 1 from checkouts k where k.cart_id = c.id and k.status in ('active', 'paying'))
          on conflict do nothing`);
        await tx.execute(statement`analyze cart_lines`);
        // 30 of their shoppers, each on an address of their own.
        const shoppers = await tx.execute<{ shopper_id: string }>(statement`
          select c.shopper_id from carts c join cart_lines l on l.cart_id = c.id order by c.id limit 30`);
        expect(shoppers).toHaveLength(30);
        const before = await scans(tx);
        const outcomes = await holdCarts(
          tx,
          shoppers.map((s, i) => ({ shopperId: s.shopper_id, email: null, clientAddress: `192.0.2.${i}` })),
        );
        expect(outcomes.filter((o) => o.outcome === "held").length).toBeGreaterThan(0);
        const after = await scans(tx);
        expect(after).toEqual(before);
        throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
  });
});

/** Ends a transaction that only looked: what it wrote goes. */
class Rollback extends Error {}

describe("npm run archive", () => {
  it("moves out ended holds, sent emails and spent rate-limit windows past their time, and keeps everything else", async () => {
    type Counts = Record<"old_ended" | "ended" | "allocated" | "active" | "orders" | "lines" | "payments" | "checkouts" | "movements" | "emails" | "old_emails" | "windows", number>;
    const counts = async () => {
      const [row] = await sql<Counts[]>`
        select (select count(*)::int from reservations where status in ('released', 'expired') and ended_at < now() - interval '90 days') as old_ended,
               (select count(*)::int from reservations where status in ('released', 'expired')) as ended,
               (select count(*)::int from reservations where status = 'allocated') as allocated,
               (select count(*)::int from reservations where status = 'active') as active,
               (select count(*)::int from orders) as orders, (select count(*)::int from order_lines) as lines,
               (select count(*)::int from payments) as payments, (select count(*)::int from checkouts) as checkouts,
               (select count(*)::int from stock_movements) as movements,
               (select count(*)::int from email_outbox) as emails,
               (select count(*)::int from email_outbox where created_at < now() - interval '90 days') as old_emails,
               (select count(*)::int from rate_limits) as windows`;
      return row!;
    };
    // A pending email and a spent and a current rate-limit window beside the sent confirmations.
    await sql`insert into email_outbox (kind, recipient, subject, text_body, html_body, dedupe_key, created_at)
              values ('verify_email', 'late@example.test', 'Confirm', 't', 'h', 'verify:late', now() - interval '200 days')`;
    await sql`insert into rate_limits (bucket, window_start, hits) values ('checkout:x', now() - interval '3 hours', 4), ('checkout:y', date_trunc('minute', now()), 1)`;
    const before = await counts();
    expect(before.old_ended).toBeGreaterThan(1000);

    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "stockhold-archive-"));
    await expect(archiveRecords(process.env.DATABASE_URL!, { days: 1, directory })).rejects.toThrow(/older than 7 days/);
    const moved = await archiveRecords(process.env.DATABASE_URL!, { days: 90, directory, batchSize: 700 });
    const after = await counts();

    expect(moved.holds).toBe(before.old_ended);
    expect(after.ended).toBe(before.ended - before.old_ended);
    // The pending email is old but not sent: it stays.
    expect(moved.emails).toBe(before.old_emails - 1);
    expect(after.emails).toBe(before.emails - moved.emails);
    expect(moved.rateLimits).toBe(1);
    expect(after.windows).toBe(1);
    for (const kept of ["allocated", "active", "orders", "lines", "payments", "checkouts", "movements"] as const) expect(after[kept], kept).toBe(before[kept]);

    // Every archived row is in its file, whole.
    const lines = moved.files.flatMap((file) => fs.readFileSync(file, "utf8").trim().split("\n"));
    expect(lines).toHaveLength(moved.holds + moved.emails + moved.rateLimits);
    const hold = JSON.parse(lines[0]!) as { status: string; checkout_id: string };
    expect(["released", "expired"]).toContain(hold.status);

    // The shop still reconciles, and a second run has nothing left to move.
    const run = await runReconcileCli(process.env.DATABASE_URL!);
    expect(run.code, run.output).toBe(0);
    expect(await archiveRecords(process.env.DATABASE_URL!, { days: 90, directory })).toMatchObject({ holds: 0, emails: 0, rateLimits: 0 });
    fs.rmSync(directory, { recursive: true, force: true });
  });
});

describe("reconcile on a shop with history", () => {
  it("passes, then finds a planted drift in a checkout's ledger and in an order's allocations", async () => {
    expect((await reconcileStock()).ok).toBe(true);
    let run = await runReconcileCli(process.env.DATABASE_URL!);
    expect(run.output).toMatch(/OK: every level equals the ledger/);
    expect(run.code, run.output).toBe(0);

    // An expired checkout whose ledger still holds its units, and an unshipped order whose allocation says shipped.
    const [expired] = await sql<{ checkout_id: string; variant_id: string }[]>`
      select r.checkout_id, r.variant_id from reservations r where r.status = 'expired' limit 1`;
    const [unshipped] = await sql<{ order_id: string; variant_id: string }[]>`
      select a.order_id, a.variant_id from order_allocations a join orders o on o.id = a.order_id where o.status = 'paid' limit 1`;
    await sql.begin(async (tx) => {
      await tx`alter table stock_movements disable trigger user`;
      await tx`update stock_movements set reserved_delta = 0 where checkout_id = ${expired!.checkout_id} and variant_id = ${expired!.variant_id} and kind = 'expire'`;
      await tx`alter table stock_movements enable trigger user`;
      await tx`update order_allocations set fulfilled = quantity where order_id = ${unshipped!.order_id} and variant_id = ${unshipped!.variant_id}`;
    });
    run = await runReconcileCli(process.env.DATABASE_URL!);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain(`[each checkout's ledger equals what it still holds] ${expired!.checkout_id}`);
    expect(run.output).toMatch(/allocated \d+ but unfulfilled orders total \d+/);
    expect(run.output).toMatch(/reserved \d+ but ledger says \d+/);
  });
});
