/** Fixtures for engine tests: products with stock, shoppers with carts, ledger and clock look-ups. */
import { sql, type SQL } from "drizzle-orm";
import { expect } from "vitest";
import { db } from "@/db/client";
import type { MovementKind } from "@/db/schema";
import { addToCart, getOrCreateCart } from "@/lib/cart";
import { createProduct } from "@/lib/catalog/products";
import { payForCheckout, startCheckout } from "@/lib/checkout";
import { DomainError, type ErrorCode } from "@/lib/platform/errors";
import type { ShortLine } from "@/lib/inventory";
import { TEST_CARDS, type PaymentProvider } from "@/lib/payments";
import type { AuthorizeRequest } from "@/lib/payments/provider";
import { testPaymentProvider } from "@/lib/payments/test-provider";
import { createGuest, type Shopper } from "@/lib/accounts/shoppers";

let counter = 0;

export { MAIN_LOCATION_ID } from "@/db/schema";

/** A product sold as one variant, with that variant's id beside the product's fields. */
export async function makeProduct(onHand: number, priceCents = 1000) {
  counter += 1;
  const product = await createProduct({
    name: `Test product ${counter} ${Math.random().toString(36).slice(2, 8)}`,
    priceCents,
    onHand,
    actorId: null,
  });
  return { ...product, variantId: await onlyVariantOf(product.id) };
}

/** The id of the one variant of a product sold without options. */
export async function onlyVariantOf(productId: string): Promise<string> {
  const [row] = await db.execute<{ id: string }>(sql`select id from product_variants where product_id = ${productId}`);
  return row!.id;
}

/** A guest shopper whose cart holds these lines. */
export async function shopperWithCart(lines: { productId: string; quantity: number }[]): Promise<Shopper & { email: string }> {
  const guest = await createGuest();
  await getOrCreateCart(guest.id);
  for (const line of lines) await addToCart(guest.id, line.productId, line.quantity);
  return { ...guest, email: `guest-${guest.id.slice(0, 8)}@example.test` };
}

/**
 * Many guest shoppers with carts at once, written in three statements: the cart is not what the races test, and
 * creating hundreds one by one through lib/cart would dominate the run. Lines still pass the database's checks.
 * A line names a variant, or a product (for its first variant: the one variant of the products these tests make).
 */
export async function shoppersWithCarts(
  carts: ({ productId: string; variantId?: undefined; quantity: number } | { productId?: undefined; variantId: string; quantity: number })[][],
): Promise<(Shopper & { email: string; cartId: string })[]> {
  const guests = await db.execute<{ id: string }>(sql`
    insert into users (kind) select 'guest' from generate_series(1, ${carts.length}) returning id`);
  const ids = guests.map((g) => g.id);
  const created = await db.execute<{ id: string; shopper_id: string }>(sql`
    insert into carts (shopper_id) select unnest(${toUuidArray(ids)}) returning id, shopper_id`);
  const cartOf = new Map(created.map((c) => [c.shopper_id, c.id]));
  const lines = ids.flatMap((id, i) => carts[i]!.map((l) => ({ cartId: cartOf.get(id)!, ...l })));
  if (lines.length > 0) {
    await db.execute(sql`
      insert into cart_lines (cart_id, product_id, variant_id, quantity)
      select l.cart_id, v.product_id, v.id, l.quantity
      from unnest(${toUuidArray(lines.map((l) => l.cartId))}, ${toUuidArray(lines.map((l) => l.productId ?? null))},
                  ${toUuidArray(lines.map((l) => l.variantId ?? null))},
                  ${sql`array[${sql.join(
                    lines.map((l) => sql`${l.quantity}::int`),
                    sql`, `,
                  )}]`}) as l(cart_id, product_id, variant_id, quantity)
      join product_variants v on v.id = coalesce(
        l.variant_id,
        (select first.id from product_variants first where first.product_id = l.product_id order by first.position, first.id limit 1))`);
  }
  return ids.map((id) => ({
    id,
    kind: "guest" as const,
    email: `guest-${id.slice(0, 8)}@example.test`,
    name: null,
    cartId: cartOf.get(id)!,
  }));
}

const toUuidArray = (ids: (string | null)[]) =>
  sql`array[${sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  )}]::uuid[]`;

export async function levels(productId: string) {
  const [row] = await db.execute<{ on_hand: number; reserved: number; allocated: number }>(sql`
    select on_hand, reserved, allocated from stock_levels where product_id = ${productId}`);
  return row!;
}

/** Moves every active hold of these checkouts (or of all) into the past, as if their time had run out. */
export async function timeTravelHolds(checkouts?: string | string[], secondsAgo = 1) {
  const ids = checkouts === undefined ? null : [checkouts].flat();
  const only = (column: SQL) =>
    ids === null
      ? sql`true`
      : sql`${column} in (${sql.join(
          ids.map((id) => sql`${id}::uuid`),
          sql`, `,
        )})`;
  await db.execute(sql`
    update reservations set expires_at = now() - make_interval(secs => ${secondsAgo})
    where status = 'active' and ${only(sql`checkout_id`)}`);
  await db.execute(sql`
    update checkouts set expires_at = now() - make_interval(secs => ${secondsAgo})
    where status = 'active' and ${only(sql`id`)}`);
}

/** The database clock (the only clock the engine trusts), in milliseconds since the epoch. */
export async function databaseNow(): Promise<number> {
  const [row] = await db.execute<{ now: string }>(sql`select to_json(clock_timestamp()) #>> '{}' as now`);
  return new Date(row!.now).getTime();
}

/** Ledger rows, oldest first, optionally only of one product and kind. */
export async function movements(filter: { productId?: string; kind?: MovementKind; checkoutId?: string } = {}) {
  return db.execute<{
    id: number;
    product_id: string;
    kind: MovementKind;
    on_hand_delta: number;
    reserved_delta: number;
    allocated_delta: number;
    checkout_id: string | null;
    order_id: string | null;
    reason: string | null;
  }>(sql`
    select id::int, product_id, kind, on_hand_delta, reserved_delta, allocated_delta, checkout_id, order_id, reason
    from stock_movements
    where (${filter.productId ?? null}::uuid is null or product_id = ${filter.productId ?? null}::uuid)
      and (${filter.kind ?? null}::text is null or kind = ${filter.kind ?? null}::text)
      and (${filter.checkoutId ?? null}::uuid is null or checkout_id = ${filter.checkoutId ?? null}::uuid)
    order by id`);
}

export async function checkoutStatus(checkoutId: string): Promise<string> {
  const [row] = await db.execute<{ status: string }>(sql`select status from checkouts where id = ${checkoutId}`);
  return row!.status;
}

/**
 * A payment provider that behaves like the test provider and records every call it was asked to make:
 * `charges` are the authorizations (each one reserves money on a card), `captures` and `voids` what followed.
 */
export function countingPaymentProvider(): PaymentProvider & {
  charges: AuthorizeRequest[];
  captures: string[];
  voids: string[];
} {
  const charges: AuthorizeRequest[] = [];
  const captures: string[] = [];
  const voids: string[] = [];
  return {
    ...testPaymentProvider,
    charges,
    captures,
    voids,
    async authorize(request) {
      charges.push(request);
      return testPaymentProvider.authorize(request);
    },
    async capture(request) {
      captures.push(request.idempotencyKey);
      return testPaymentProvider.capture(request);
    },
    async void(request) {
      voids.push(request.idempotencyKey);
      return testPaymentProvider.void(request);
    },
  };
}

/** Pays and returns the order; fails the test if the payment did not complete at once. */
export async function payInFull(request: Parameters<typeof payForCheckout>[0]) {
  const result = await payForCheckout(request);
  if (result.kind !== "paid") throw new Error(`payment of ${request.checkoutId} is ${result.checkout.status}, not paid`);
  return result.order;
}

/** Sells `quantity` units to a fresh shopper (held, then paid), leaving them allocated to an order. */
export async function sellUnits(productId: string, quantity: number) {
  const buyer = await shopperWithCart([{ productId, quantity }]);
  const { checkout } = await startCheckout(buyer, { email: buyer.email });
  const order = await payInFull({
    checkoutId: checkout.id,
    shopperId: buyer.id,
    cardNumber: TEST_CARDS.succeeds,
    idempotencyKey: `sell-${checkout.id}`,
  });
  return { buyer, checkout, order };
}

/** Awaits a promise that must fail with this DomainError code, and returns the error. */
export async function expectDomainError(promise: Promise<unknown>, code: ErrorCode): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected DomainError ${code}`).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
  return error as DomainError;
}

/** What a race needs to know of each hold attempt: held (which checkout) or refused (what was short). */
export type HoldVerdict =
  | { outcome: "held" | "existing"; checkoutId: string }
  | { outcome: "insufficient_stock"; lines: ShortLine[] }
  | { outcome: "empty_cart" | "not_found" | "line_limit" | "rate_limited" }
  | { outcome: "limit_per_customer"; refusal: unknown };
