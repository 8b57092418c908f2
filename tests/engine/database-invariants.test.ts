/**
 * The database itself refuses every break of the stock invariants, even from raw SQL that bypasses lib/
 * entirely: a bug or a hand-typed statement cannot oversell, go negative, hold twice or rewrite the ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { startCheckout } from "@/lib/checkout";
import { TEST_CARDS } from "@/lib/payments";
import { postgresErrorOf, rawSql } from "../support/db";
import { levels, makeProduct, payInFull, shopperWithCart } from "../support/fixtures";

const raw = rawSql({ max: 4 });

afterAll(async () => {
  await raw.end();
  await pool.end();
});

/** Runs raw SQL that must be refused, and returns PostgreSQL's SQLSTATE and constraint name. */
async function refused(statement: Promise<unknown>) {
  const error = await statement.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the database accepted a statement that breaks an invariant").toBeDefined();
  const pg = postgresErrorOf(error);
  return { code: pg.code, constraint: pg.constraint, message: pg.message };
}

let productId: string;
let cartId: string;
let checkoutId: string;
let shopperId: string;
let orderCheckoutId: string;

beforeAll(async () => {
  // A product with 10 on hand, 2 held by one shopper and 3 sold to another.
  const product = await makeProduct(10, 700);
  productId = product.id;
  const holder = await shopperWithCart([{ productId, quantity: 2 }]);
  shopperId = holder.id;
  const held = await startCheckout(holder, { email: holder.email });
  checkoutId = held.checkout.id;
  const [cart] = await raw<{ id: string }[]>`select id from carts where shopper_id = ${holder.id}`;
  cartId = cart!.id;
  const buyer = await shopperWithCart([{ productId, quantity: 3 }]);
  const bought = await startCheckout(buyer, { email: buyer.email });
  await payInFull({ checkoutId: bought.checkout.id, shopperId: buyer.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: "k" });
  orderCheckoutId = bought.checkout.id;
  expect(await levels(productId)).toEqual({ on_hand: 10, reserved: 2, allocated: 3 });
});

describe("stock levels", () => {
  it("refuses reserved + allocated above on hand (an oversell)", async () => {
    expect(await refused(raw`update stock_levels set reserved = 8 where product_id = ${productId}`)).toMatchObject({
      code: "23514",
      constraint: "stock_never_oversold",
    });
    expect(await refused(raw`update stock_levels set allocated = 9 where product_id = ${productId}`)).toMatchObject({
      code: "23514",
      constraint: "stock_never_oversold",
    });
    expect(await refused(raw`update stock_levels set on_hand = 4 where product_id = ${productId}`)).toMatchObject({
      code: "23514",
      constraint: "stock_never_oversold",
    });
    expect(await levels(productId)).toEqual({ on_hand: 10, reserved: 2, allocated: 3 });
  });

  it("refuses an oversell by two concurrent raw transactions that each fit alone", async () => {
    const [a, b] = [raw.reserve(), raw.reserve()];
    const [first, second] = await Promise.all([a, b]);
    try {
      await first`begin`;
      await second`begin`;
      await first`update stock_levels set reserved = reserved + 4 where product_id = ${productId}`;
      const late = second`update stock_levels set reserved = reserved + 4 where product_id = ${productId}`.then(
        () => "accepted",
        (e: unknown) => postgresErrorOf(e).constraint,
      );
      await first`commit`;
      expect(await late).toBe("stock_never_oversold");
      await second`rollback`;
    } finally {
      first.release();
      second.release();
    }
    // Undo the first transaction's raw change, so the later tests start from the known levels.
    await raw`update stock_levels set reserved = reserved - 4 where product_id = ${productId}`;
    expect(await levels(productId)).toEqual({ on_hand: 10, reserved: 2, allocated: 3 });
  });

  it("refuses negative on hand, reserved and allocated", async () => {
    expect(await refused(raw`update stock_levels set reserved = -1 where product_id = ${productId}`)).toMatchObject({
      code: "23514",
      constraint: "stock_reserved_not_negative",
    });
    expect(await refused(raw`update stock_levels set allocated = -1 where product_id = ${productId}`)).toMatchObject({
      code: "23514",
      constraint: "stock_allocated_not_negative",
    });
    const other = await makeProduct(0);
    const negative = await refused(raw`update stock_levels set on_hand = -1 where product_id = ${other.id}`);
    expect(negative.code).toBe("23514");
    // Both checks are broken by -1 on hand with nothing held; PostgreSQL names the first it tests.
    expect(["stock_on_hand_not_negative", "stock_never_oversold"]).toContain(negative.constraint);
  });
});

describe("quantities and money", () => {
  it("refuses a cart line or a hold of quantity 0 or below", async () => {
    const fresh = await makeProduct(5);
    expect(await refused(raw`insert into cart_lines (cart_id, product_id, variant_id, quantity) select ${cartId}, ${fresh.id}, id, 0 from product_variants where product_id = ${fresh.id}`)).toMatchObject({
      code: "23514",
      constraint: "cart_lines_quantity_positive",
    });
    expect(await refused(raw`update cart_lines set quantity = -2 where cart_id = ${cartId}`)).toMatchObject({
      code: "23514",
      constraint: "cart_lines_quantity_positive",
    });
    expect(await refused(raw`update reservations set quantity = 0 where checkout_id = ${checkoutId}`)).toMatchObject({
      code: "23514",
      constraint: "reservations_quantity_positive",
    });
  });

  it("refuses fractional quantities and fractional cents", async () => {
    const fresh = await makeProduct(5);
    // Whole-number columns: a fraction is not a valid value, it is not rounded.
    expect(await refused(raw`insert into cart_lines (cart_id, product_id, variant_id, quantity) select ${cartId}, ${fresh.id}, id, ${"1.5"} from product_variants where product_id = ${fresh.id}`)).toMatchObject({
      code: "22P02",
    });
    expect(await refused(raw`update reservations set quantity = ${"2.5"} where checkout_id = ${checkoutId}`)).toMatchObject({
      code: "22P02",
    });
    expect(await refused(raw`update products set price_cents = ${"9.99"} where id = ${productId}`)).toMatchObject({
      code: "22P02",
    });
    const [types] = await raw<{ cart: string; hold: string; price: string }[]>`
      select
        (select data_type from information_schema.columns where table_name = 'cart_lines' and column_name = 'quantity') as cart,
        (select data_type from information_schema.columns where table_name = 'reservations' and column_name = 'quantity') as hold,
        (select data_type from information_schema.columns where table_name = 'products' and column_name = 'price_cents') as price`;
    expect(types).toEqual({ cart: "integer", hold: "integer", price: "integer" });
  });

  it("refuses negative prices and totals", async () => {
    expect(await refused(raw`update products set price_cents = -1 where id = ${productId}`)).toMatchObject({
      code: "23514",
      constraint: "products_price_not_negative",
    });
    expect(await refused(raw`update reservations set unit_price_cents = -1 where checkout_id = ${checkoutId}`)).toMatchObject({
      code: "23514",
      constraint: "reservations_price_not_negative",
    });
    expect(await refused(raw`update checkouts set total_cents = -1 where id = ${checkoutId}`)).toMatchObject({
      code: "23514",
      constraint: "checkouts_total_not_negative",
    });
    expect(await refused(raw`update orders set total_cents = -5 where checkout_id = ${orderCheckoutId}`)).toMatchObject({
      code: "23514",
      constraint: "orders_total_not_negative",
    });
  });
});

describe("one of a kind", () => {
  it("refuses a second cart line for the same product", async () => {
    const duplicate = await refused(raw`insert into cart_lines (cart_id, product_id, variant_id, quantity) select ${cartId}, ${productId}, id, 1 from product_variants where product_id = ${productId}`);
    expect(duplicate.code).toBe("23505");
    expect(duplicate.constraint).toMatch(/^cart_lines_/);
  });

  it("refuses a second active checkout for a cart, but keeps ended ones as history", async () => {
    expect(
      await refused(raw`
        insert into checkouts (cart_id, shopper_id, total_cents, expires_at, hard_expires_at)
        values (${cartId}, ${shopperId}, 100, now() + interval '1 minute', now() + interval '1 hour')`),
    ).toMatchObject({ code: "23505", constraint: "checkouts_one_live_per_cart" });
    await raw`
      insert into checkouts (cart_id, shopper_id, status, ended_by, total_cents, expires_at, hard_expires_at, ended_at)
      values (${cartId}, ${shopperId}, 'cancelled', 'shopper', 100, now(), now(), now())`;
  });

  it("refuses a second order for a checkout", async () => {
    expect(
      await refused(raw`
        insert into orders (checkout_id, shopper_id, total_cents, payment_reference)
        select checkout_id, shopper_id, total_cents, 'again' from orders where checkout_id = ${orderCheckoutId}`),
    ).toMatchObject({ code: "23505", constraint: "orders_one_per_checkout" });
  });

  it("refuses a second hold of the same product at the same location in one checkout", async () => {
    expect(
      await refused(raw`
        insert into reservations (checkout_id, shopper_id, product_id, variant_id, location_id, quantity, unit_price_cents, expires_at)
        select ${checkoutId}, ${shopperId}, ${productId}, variant_id, location_id, 1, 700, now() + interval '1 minute'
        from stock_levels where product_id = ${productId}`),
    ).toMatchObject({ code: "23505", constraint: "reservations_one_per_stock_row_per_line" });
  });

  it("refuses an expiry past the checkout's hard cap", async () => {
    expect(await refused(raw`update checkouts set expires_at = hard_expires_at + interval '1 second' where id = ${checkoutId}`)).toMatchObject({
      code: "23514",
      constraint: "checkouts_expiry_capped",
    });
  });
});

describe("the stock ledger is append-only", () => {
  it("refuses UPDATE, DELETE and TRUNCATE of stock_movements", async () => {
    const [before] = await raw<{ count: number }[]>`select count(*)::int as count from stock_movements`;
    expect(before!.count).toBeGreaterThan(0);

    for (const statement of [
      raw`update stock_movements set reserved_delta = 0 where product_id = ${productId}`,
      raw`delete from stock_movements where product_id = ${productId}`,
      raw`truncate stock_movements`,
    ]) {
      const error = await refused(statement);
      expect(error).toMatchObject({ code: "23001" });
      expect(error.message).toMatch(/append-only/);
    }

    const [after] = await raw<{ count: number }[]>`select count(*)::int as count from stock_movements`;
    expect(after!.count).toBe(before!.count);
  });
});
