/**
 * Multi-line carts that name the same products in opposite orders, held, cancelled, paid, swept, restocked and
 * shipped all at once on many connections. Every transaction locks in one order (lib/inventory), so none may
 * deadlock (PostgreSQL would abort one with 40P01) and no product may ever be oversold.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  // Room for cancels, payments and sweeps to run side by side in this process.
  process.env.DATABASE_POOL_SIZE = "16";
});

import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { addToCart } from "@/lib/cart";
import { cancelCheckout, startCheckout, InsufficientStockError } from "@/lib/checkout";
import { adjustStock, expireStaleHolds, holdCarts, reconcileStock } from "@/lib/inventory";
import { fulfilOrder } from "@/lib/orders";
import { TEST_CARDS } from "@/lib/payments";
import { postgresErrorOf, separateDatabasesForFile } from "../support/db";
import { makeProduct, payInFull, shoppersWithCarts, timeTravelHolds, type HoldVerdict } from "../support/fixtures";

const SHOPPERS = 40;
const connections = separateDatabasesForFile(SHOPPERS);

type CartOwner = Awaited<ReturnType<typeof shoppersWithCarts>>[number] & {
  lines: { productId: string; quantity: number }[];
};

/** Shopper i's cart names the products forwards, backwards, or a pair from opposite ends, in that order. */
async function shoppersWithCrossedCarts(productIds: string[]): Promise<CartOwner[]> {
  const forwards = productIds;
  const backwards = [...productIds].reverse();
  const shapes = [forwards, backwards, [forwards[0]!, backwards[0]!], [backwards[0]!, forwards[0]!], forwards.slice(1, 3).reverse()];
  const carts = Array.from({ length: SHOPPERS }, (_, i) =>
    shapes[i % shapes.length]!.map((productId, j) => ({ productId, quantity: 1 + ((i + j) % 2) })),
  );
  const shoppers = await shoppersWithCarts(carts);
  return shoppers.map((shopper, i) => ({ ...shopper, lines: carts[i]! }));
}

/** Runs every task at once and returns the failures, so one error does not hide the others. */
async function runAll(tasks: (() => Promise<unknown>)[]): Promise<unknown[]> {
  const settled = await Promise.allSettled(tasks.map((task) => task()));
  return settled.flatMap((s) => (s.status === "rejected" ? [s.reason as unknown] : []));
}

function describeFailures(failures: unknown[]) {
  return failures.map((f) => {
    const pg = postgresErrorOf(f);
    return pg.code ? `${pg.code} ${pg.message}` : String(f);
  });
}

async function expectLedgerAndLevelsAgree() {
  const report = await reconcileStock();
  expect(report.problems).toEqual([]);
  const [oversold] = await db.execute<{ count: number }>(sql`
    select count(*)::int as count from stock_levels where reserved + allocated > on_hand`);
  expect(oversold!.count).toBe(0);
}

/** Every hold a start reported covers every line of that shopper's cart, with the cart's quantities. */
/** Checks every new hold of a round against its cart, and answers how many it checked (callers total them). */
async function expectWholeHolds(owners: CartOwner[], outcomes: HoldVerdict[]): Promise<number> {
  expect(outcomes.filter(Boolean)).toHaveLength(owners.length);
  const held = outcomes.flatMap((o, i) => (o.outcome === "held" ? [{ owner: owners[i]!, checkoutId: o.checkoutId }] : []));
  if (held.length === 0) return 0;
  const rows = await db.execute<{ checkout_id: string; product_id: string; quantity: number }>(sql`
    select checkout_id, product_id, quantity from reservations
    where checkout_id in (${sql.join(
      held.map((h) => sql`${h.checkoutId}::uuid`),
      sql`, `,
    )})`);
  for (const { owner, checkoutId } of held) {
    const lines = rows
      .filter((r) => r.checkout_id === checkoutId)
      .map((r) => ({ productId: r.product_id, quantity: r.quantity }))
      .sort((a, b) => a.productId.localeCompare(b.productId));
    expect(lines).toEqual([...owner.lines].sort((a, b) => a.productId.localeCompare(b.productId)));
  }
  return held.length;
}

describe("carts locking the same products in opposite orders", () => {
  it("40 shoppers on separate connections start and cancel over 12 rounds: no deadlock, no oversell", async () => {
    const products = await Promise.all([makeProduct(9), makeProduct(7), makeProduct(8), makeProduct(6)]);
    const owners = await shoppersWithCrossedCarts(products.map((p) => p.id));
    const active = new Map<number, string>(); // shopper index -> checkout it holds
    let holds = 0;
    let refusals = 0;
    let checked = 0;

    for (let round = 0; round < 12; round += 1) {
      const outcomes: HoldVerdict[] = Array(SHOPPERS);
      const failures = await runAll(
        owners.map((owner, i) => async () => {
          const previous = active.get(i);
          // Half the holders give up this round while the others start: cancels and starts interleave.
          if (previous && (i + round) % 2 === 0) {
            await cancelCheckout(previous, owner.id);
            active.delete(i);
          }
          const [outcome] = await holdCarts(connections.dbs[i]!, [
            { cartId: owner.cartId, shopperId: owner.id, email: owner.email },
          ]);
          outcomes[i] = outcome!;
          if (outcome!.outcome === "held" || outcome!.outcome === "existing") active.set(i, outcome!.checkoutId);
        }),
      );

      expect(describeFailures(failures)).toEqual([]);
      holds += outcomes.filter((o) => o.outcome === "held").length;
      refusals += outcomes.filter((o) => o.outcome === "insufficient_stock").length;
      checked += await expectWholeHolds(owners, outcomes);
      await expectLedgerAndLevelsAgree();
    }
    // The stock was contended: both holds and refusals happened, so the rounds really raced.
    expect(checked).toBe(holds);
    expect(holds).toBeGreaterThan(20);
    expect(refusals).toBeGreaterThan(20);
  });

  it("starts (single and batched), cancels, payments, sweeps, restocks and shipments all at once: no deadlock, no oversell", async () => {
    const products = await Promise.all([makeProduct(10), makeProduct(10), makeProduct(10), makeProduct(10)]);
    const productIds = products.map((p) => p.id);
    const owners = await shoppersWithCrossedCarts(productIds);
    const active = new Map<number, string>();
    const paidOrders: string[] = [];
    let paid = 0;
    let checked = 0;

    for (let round = 0; round < 8; round += 1) {
      // Some holds lapse before the round, so starts and sweeps both find stale holds on the hot rows.
      const lapsing = [...active.entries()].filter(([i]) => (i + round) % 3 === 0);
      for (const [, checkoutId] of lapsing) await timeTravelHolds(checkoutId);

      const outcomes: HoldVerdict[] = Array(SHOPPERS);
      const shopperTasks = owners.map((owner, i) => async () => {
        const previous = active.get(i);
        if (previous && (i + round) % 4 === 1) {
          await cancelCheckout(previous, owner.id);
          active.delete(i);
        } else if (previous && (i + round) % 4 === 2) {
          try {
            const order = await payInFull({
              checkoutId: previous,
              shopperId: owner.id,
              cardNumber: TEST_CARDS.succeeds,
              idempotencyKey: `round-${round}`,
            });
            paidOrders.push(order.id);
            paid += 1;
            // The bought lines left the cart; put them back for the next start.
            for (const line of owner.lines) await addToCart(owner.id, line.productId, line.quantity);
          } catch (error) {
            // A lapsed hold whose units another shopper took by now: refused, never oversold.
            if (!(error instanceof InsufficientStockError)) throw error;
          }
          active.delete(i);
        }
        if (i % 5 === 0) {
          // These go through the in-process queue, which batches several carts into one transaction.
          try {
            const { checkout } = await startCheckout(owner, { email: owner.email });
            outcomes[i] = { outcome: "held", checkoutId: checkout.id };
            active.set(i, checkout.id);
          } catch (error) {
            if (!(error instanceof InsufficientStockError)) throw error;
            outcomes[i] = { outcome: "insufficient_stock", lines: error.lines };
          }
          return;
        }
        const [outcome] = await holdCarts(connections.dbs[i]!, [
          { cartId: owner.cartId, shopperId: owner.id, email: owner.email },
        ]);
        outcomes[i] = outcome!;
        if (outcome!.outcome === "held" || outcome!.outcome === "existing") active.set(i, outcome!.checkoutId);
      });
      const shipping = paidOrders.splice(0);
      const operatorTasks = [
        () => expireStaleHolds(),
        () => expireStaleHolds({ batchSize: 1 }),
        () => expireStaleHolds({ batchSize: 2 }),
        ...productIds.map((productId, j) => () =>
          adjustStock({ productId, delta: 1 + ((round + j) % 3), reason: "restock during the sale", actorId: null }),
        ),
        ...shipping.map((orderId) => () => fulfilOrder(orderId, null)),
      ];

      const failures = await runAll([...shopperTasks, ...operatorTasks]);

      expect(describeFailures(failures)).toEqual([]);
      checked += await expectWholeHolds(owners, outcomes);
      await expectLedgerAndLevelsAgree();
    }
    expect(checked).toBeGreaterThan(0);
    expect(paid).toBeGreaterThan(0);
  });
});
