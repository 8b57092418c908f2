/**
 * Every kind of drift `npm run reconcile` claims to find (lib/inventory reconcileStock and the record checks of
 * db/reconcile.ts), each planted in a copy of a consistent shop and found: exit 1, the check named, the problem
 * described. The shop: 10 units on hand, two paid orders (2 and 1), a checkout holding 3, a cancelled one; and
 * beside them a paid kit order (its components held, one line sold) and an order held at two locations.
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { cancelCheckout, startCheckout } from "@/lib/checkout";
import { endTestProviderConnections } from "@/lib/payments/test-provider";
import { createProduct } from "@/lib/catalog/products";
import { TEST_CARDS } from "@/lib/payments";
import { MAIN_LOCATION_ID, makeProduct, onlyVariantOf, payInFull, sellUnits, shopperWithCart } from "../support/fixtures";
import { makeLocations, stockAt } from "../support/locations";
import { runReconcileCli } from "./support";

const fileDatabase = process.env.TEST_DATABASE_NAME!;
const admin = postgres(process.env.DATABASE_URL!.replace(`/${fileDatabase}`, "/postgres"), { max: 1, onnotice: () => {} });
const shop = { product: "", active: "", cancelled: "", firstOrder: "", secondOrder: "", firstCheckout: "" };

beforeAll(async () => {
  const product = await makeProduct(10, 500);
  const first = await sellUnits(product.id, 2);
  const second = await sellUnits(product.id, 1);
  const holder = await shopperWithCart([{ productId: product.id, quantity: 3 }]);
  const { checkout: active } = await startCheckout(holder, { email: holder.email });
  const quitter = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
  const { checkout: cancelled } = await startCheckout(quitter, { email: quitter.email });
  await cancelCheckout(cancelled.id, quitter.id);
  // A kit of two units of a mug and a tin, bought twice in one line; and 3 lamps held from two locations (2 + 1).
  const [mug, tin] = [await makeProduct(10, 800), await makeProduct(10, 600)];
  const kit = await createProduct({
    name: `Reconcile kit ${randomUUID().slice(0, 6)}`,
    priceCents: 2500,
    kit: [
      { variantId: await onlyVariantOf(mug.id), quantity: 2 },
      { variantId: await onlyVariantOf(tin.id), quantity: 1 },
    ],
    actorId: null,
  });
  const kitBuyer = await shopperWithCart([{ productId: kit.id, quantity: 2 }]);
  const kitCheckout = await startCheckout(kitBuyer, { email: kitBuyer.email });
  await payInFull({ checkoutId: kitCheckout.checkout.id, shopperId: kitBuyer.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: `kit-${kitBuyer.id}` });
  const [near, far] = await makeLocations([5, 6], "Reconcile");
  const lamp = await makeProduct(0, 4000);
  await stockAt(lamp.id, await onlyVariantOf(lamp.id), { [near!.id]: 2, [far!.id]: 1 });
  const lampBuyer = await shopperWithCart([{ productId: lamp.id, quantity: 3 }]);
  const lampCheckout = await startCheckout(lampBuyer, { email: lampBuyer.email });
  await payInFull({ checkoutId: lampCheckout.checkout.id, shopperId: lampBuyer.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: `lamp-${lampBuyer.id}` });
  Object.assign(shop, {
    product: product.id,
    active: active.id,
    cancelled: cancelled.id,
    firstOrder: first.order.id,
    secondOrder: second.order.id,
    firstCheckout: first.checkout.id,
  });
  // Copies are made from this database as a template: nothing may be connected to it (the test payment
  // provider's own connections included).
  await pool.end();
  await endTestProviderConnections();
});

afterAll(async () => {
  await admin.end();
});

/** A copy of the consistent shop, with `plant` applied, checked by the reconcile CLI. */
async function reconcileWith(plant: (sql: postgres.Sql) => Promise<unknown>) {
  const copy = `${fileDatabase}_${randomUUID().slice(0, 8)}`;
  await admin.unsafe(`create database ${copy} template ${fileDatabase}`);
  const url = process.env.DATABASE_URL!.replace(`/${fileDatabase}`, `/${copy}`);
  try {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await plant(sql);
    } finally {
      await sql.end();
    }
    return await runReconcileCli(url);
  } finally {
    await admin.unsafe(`drop database if exists ${copy} with (force)`);
  }
}

const LEVELS = "levels equal the ledger and the holds";

/** Each drift: what is planted, the check that must name it, and what it must say. */
const drifts: [string, (sql: postgres.Sql) => Promise<unknown>, string, RegExp][] = [
  ["on hand differs from the ledger", (sql) => sql`update stock_levels set on_hand = on_hand + 1 where product_id = ${shop.product} and location_id = ${MAIN_LOCATION_ID}`, LEVELS, /on hand 11 but ledger says 10/],
  ["reserved differs from the ledger", (sql) => sql`update stock_levels set reserved = reserved + 1 where product_id = ${shop.product} and location_id = ${MAIN_LOCATION_ID}`, LEVELS, /reserved 4 but ledger says 3/],
  [
    "reserved differs from the active holds",
    (sql) => sql`update reservations set quantity = quantity + 1 where checkout_id = ${shop.active}`,
    LEVELS,
    /reserved 3 but active holds total 4/,
  ],
  ["allocated differs from the ledger", (sql) => sql`update stock_levels set allocated = allocated + 1 where product_id = ${shop.product} and location_id = ${MAIN_LOCATION_ID}`, LEVELS, /allocated 4 but ledger says 3/],
  [
    "allocated differs from the unfulfilled orders",
    (sql) => sql`update order_allocations set fulfilled = quantity where order_id = ${shop.secondOrder}`,
    LEVELS,
    /allocated 3 but unfulfilled orders total 2/,
  ],
  [
    "a negative level (in a database without its CHECK constraints)",
    (sql) => sql.unsafe(`alter table stock_levels drop constraint stock_allocated_not_negative; update stock_levels set allocated = -1`),
    LEVELS,
    /negative level/,
  ],
  [
    "reserved + allocated over on hand (in a database without its CHECK constraints)",
    (sql) => sql.unsafe(`alter table stock_levels drop constraint stock_never_oversold; update stock_levels set on_hand = 5`),
    LEVELS,
    /reserved \+ allocated exceeds on hand/,
  ],
  [
    "a product without stock levels",
    (sql) => sql`insert into products (slug, name, price_cents) values ('levelless', 'No levels', 100)`,
    "every stock product has stock levels",
    /product has no stock_levels row/,
  ],
  [
    "an active hold on an ended checkout",
    (sql) => sql`update checkouts set status = 'cancelled', ended_by = 'shopper' where id = ${shop.active}`,
    "active holds belong to live checkouts",
    /active hold on a checkout that is cancelled/,
  ],
  [
    "a completed checkout without an order",
    (sql) => sql`update checkouts set status = 'completed' where id = ${shop.cancelled}`,
    "a completed checkout has exactly one order, and only it",
    /completed checkout with 0 orders/,
  ],
  [
    "an order of a checkout that is not completed",
    (sql) => sql`update checkouts set status = 'failed' where id = ${shop.firstCheckout}`,
    "a completed checkout has exactly one order, and only it",
    /order of a checkout that is failed/,
  ],
  [
    "an order line that is not what was held",
    (sql) =>
      sql.begin(async (tx) => {
        await tx`update order_lines set unit_price_cents = unit_price_cents + 1 where order_id = ${shop.firstOrder}`;
        await tx`update orders set total_cents = total_cents + 2 where id = ${shop.firstOrder}`;
      }),
    "order lines equal the holds they were allocated from",
    /product [0-9a-f-]{36}: held 2, sold 2/,
  ],
  [
    "an allocated hold without an order",
    (sql) => sql`update reservations set status = 'allocated' where checkout_id = ${shop.cancelled}`,
    "allocated holds belong to paid orders",
    /allocated hold without an order/,
  ],
  [
    "an order total that is not the sum of its lines",
    (sql) => sql`update orders set total_cents = total_cents + 1 where id = ${shop.firstOrder}`,
    "order totals equal their lines",
    /total 1001 but lines sum to 1000/,
  ],
  [
    "a captured payment whose order is another checkout's",
    (sql) => sql`update payments set checkout_id = ${shop.cancelled} where order_id = ${shop.firstOrder}`,
    "every captured payment has its order",
    /captured payment whose order is missing or of another checkout/,
  ],
  [
    "an order without a captured payment",
    (sql) => sql`update payments set status = 'voided' where order_id = ${shop.firstOrder}`,
    "every order has its captured payment",
    /order without a captured payment/,
  ],
  [
    "a charge that is not the checkout's total",
    (sql) => sql`update payments set amount_cents = amount_cents + 1 where order_id = ${shop.firstOrder}`,
    "every charge matches its checkout",
    /payment of 1001 for a checkout of 1000/,
  ],
  [
    "a checkout's ledger that is not what it holds (the product's total unchanged)",
    (sql) => sql`
      insert into stock_movements (product_id, variant_id, location_id, kind, reserved_delta, checkout_id)
      select ${shop.product}, v.id, ${MAIN_LOCATION_ID}, m.kind, m.delta, m.checkout_id::uuid
      from product_variants v, (values ('reserve', 1, ${shop.active}), ('release', -1, ${shop.cancelled})) as m(kind, delta, checkout_id)
      where v.product_id = ${shop.product}`,
    "each checkout's ledger equals what it still holds",
    /ledger holds 4, active holds 3/,
  ],
  [
    "an order's ledger that is not what it has allocated (the product's total unchanged)",
    (sql) => sql`
      insert into stock_movements (product_id, variant_id, location_id, kind, allocated_delta, order_id)
      select ${shop.product}, v.id, ${MAIN_LOCATION_ID}, m.kind, m.delta, m.order_id::uuid
      from product_variants v, (values ('allocate', 1, ${shop.firstOrder}), ('fulfil', -1, ${shop.secondOrder})) as m(kind, delta, order_id)
      where v.product_id = ${shop.product}`,
    "each order's ledger equals what it still has allocated",
    /ledger allocates 3, expected 2/,
  ],
  [
    "an order that says it refunded money no refund gave back",
    (sql) => sql`update orders set refunded_cents = 300, status = 'partially_refunded' where id = ${shop.firstOrder}`,
    "captured − refunded = what the orders keep",
    /captured 1000, refunds 0, but the order keeps 700/,
  ],
  [
    "a line that says it was refunded with no refund of it",
    (sql) => sql`update order_lines set refunded = 1 where order_id = ${shop.firstOrder}`,
    "each line's refunded units are its refunds' units",
    /: refunded 1, its refunds say 0/,
  ],
  [
    "money the provider refunded with no refund record in the shop",
    (sql) => sql`
      insert into test_provider_refunds (idempotency_key, reference, payment_key, amount_cents, status)
      select 'stockhold_refund_' || gen_random_uuid(), 'test_re_planted', 'stockhold_pay_' || id, 500, 'succeeded'
      from payments where order_id = ${shop.firstOrder}`,
    "every refund has its provider record",
    /the provider refunded 500 with no refund record in the shop/,
  ],
  [
    "a refund the shop recorded as made that the provider never made",
    (sql) => sql`
      insert into refunds (order_id, payment_id, request_key, amount_cents, status, lines, restock, reason)
      select order_id, id, 'planted', 500, 'succeeded', '[]', true, 'planted' from payments where order_id = ${shop.firstOrder}`,
    "every refund has its provider record",
    /refund succeeded of 500 but the provider refunded nothing/,
  ],
];

describe("npm run reconcile finds every kind of drift", () => {
  it("two captured payments for one checkout cannot even be planted: the database refuses them", async () => {
    const copy = `${fileDatabase}_${randomUUID().slice(0, 8)}`;
    await admin.unsafe(`create database ${copy} template ${fileDatabase}`);
    const sql = postgres(process.env.DATABASE_URL!.replace(`/${fileDatabase}`, `/${copy}`), { max: 1, onnotice: () => {} });
    try {
      const refused = await sql`
        insert into payments (checkout_id, shopper_id, request_key, provider, amount_cents, status, order_id)
        select checkout_id, shopper_id, 'again', provider, amount_cents, 'captured', ${shop.secondOrder}
        from payments where order_id = ${shop.firstOrder}`.then(
        () => null,
        (error: { code?: string; constraint_name?: string }) => [error.code, error.constraint_name],
      );
      expect(refused).toEqual(["23505", "payments_one_captured_per_checkout"]);
    } finally {
      await sql.end();
      await admin.unsafe(`drop database if exists ${copy} with (force)`);
    }
  });

  it("finds nothing in the consistent shop the drifts are planted in", async () => {
    const { code, output } = await reconcileWith(async () => {});
    expect(output).toMatch(/OK: every level equals the ledger and every invariant holds/);
    expect(output).toMatch(/\d+ products, \d+ ledger movements, 8 holds, 4 orders; 16 checks/);
    expect(code, output).toBe(0);
  });

  it.each(drifts)("%s", async (_, plant, check, problem) => {
    const { code, output } = await reconcileWith(plant);
    expect(code, output).toBe(1);
    expect(output).toMatch(/DRIFT: \d+ problem\(s\) found/);
    const lines = output.split("\n").filter((line) => line.includes(`[${check}]`));
    expect(lines.some((line) => problem.test(line)), output).toBe(true);
  });
});
