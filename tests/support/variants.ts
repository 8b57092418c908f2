/**
 * Fixtures for products sold in variants: a product with one option (a shirt in sizes) and its variants, shoppers
 * whose carts name variants, per-variant levels and ledger rows, and an HTTP shopper whose cart was filled through
 * lib/cart (the guest cookie signed as the test app signs it).
 */
import { createHmac } from "node:crypto";
import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import type { MovementKind } from "@/db/schema";
import { addToCart, getOrCreateCart } from "@/lib/cart";
import { createProduct } from "@/lib/catalog/products";
import { createGuest, type Shopper } from "@/lib/accounts/shoppers";
import { TEST_AUTH_SECRET } from "./app-server";
import { HttpClient } from "./http";

let counter = 0;

export type MadeVariant = { id: string; sku: string; value: string; priceCents: number };

/**
 * A product with one option (`optionName`, e.g. "Size") whose values are the keys of `stock`, in that order: one
 * variant per value with that many units on hand, priced `priceCents` unless `prices` names another. Answers the
 * product and its variants by option value.
 */
export async function makeProductWithVariants(
  stock: Record<string, number>,
  options: { optionName?: string; priceCents?: number; prices?: Record<string, number>; name?: string } = {},
) {
  counter += 1;
  const tag = `${counter}${Math.random().toString(36).slice(2, 7)}`;
  const optionName = options.optionName ?? "Size";
  const values = Object.keys(stock);
  const priceCents = options.priceCents ?? 2000;
  const product = await createProduct({
    name: options.name ?? `Trail Shirt ${tag}`,
    priceCents,
    options: [{ name: optionName, values }],
    variants: values.map((value) => ({
      sku: `TS-${tag}-${value}`.toUpperCase(),
      options: { [optionName]: value },
      onHand: stock[value]!,
      ...(options.prices?.[value] !== undefined ? { priceCents: options.prices[value] } : {}),
    })),
    actorId: null,
  });
  const rows = await db.execute<{ id: string; sku: string; value: string; price_cents: number }>(sql`
    select id, sku, options ->> ${optionName} as value, price_cents from product_variants
    where product_id = ${product.id} order by position`);
  const variants: Record<string, MadeVariant> = Object.fromEntries(
    rows.map((r) => [r.value, { id: r.id, sku: r.sku, value: r.value, priceCents: r.price_cents }]),
  );
  return { ...product, optionName, variants };
}

/**
 * Many guest shoppers whose carts name variants, written in three statements (as fixtures.ts shoppersWithCarts
 * does for products): the cart is not what the races test. Each line's product is its variant's.
 */
export async function shoppersWithVariantCarts(
  carts: { variantId: string; quantity: number }[][],
): Promise<(Shopper & { email: string; cartId: string })[]> {
  const guests = await db.execute<{ id: string }>(sql`
    insert into users (kind) select 'guest' from generate_series(1, ${carts.length}) returning id`);
  const ids = guests.map((g) => g.id);
  const created = await db.execute<{ id: string; shopper_id: string }>(sql`
    insert into carts (shopper_id) select unnest(${uuidArray(ids)}) returning id, shopper_id`);
  const cartOf = new Map(created.map((c) => [c.shopper_id, c.id]));
  const lines = ids.flatMap((id, i) => carts[i]!.map((l) => ({ cartId: cartOf.get(id)!, ...l })));
  if (lines.length > 0) {
    await db.execute(sql`
      insert into cart_lines (cart_id, product_id, variant_id, quantity)
      select l.cart_id, v.product_id, v.id, l.quantity
      from unnest(${uuidArray(lines.map((l) => l.cartId))}, ${uuidArray(lines.map((l) => l.variantId))},
                  ${sql`array[${sql.join(
                    lines.map((l) => sql`${l.quantity}::int`),
                    sql`, `,
                  )}]`}) as l(cart_id, variant_id, quantity)
      join product_variants v on v.id = l.variant_id`);
  }
  return ids.map((id) => ({
    id,
    kind: "guest" as const,
    email: `guest-${id.slice(0, 8)}@example.test`,
    name: null,
    cartId: cartOf.get(id)!,
  }));
}

const uuidArray = (ids: string[]) =>
  sql`array[${sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  )}]::uuid[]`;

/** One guest whose cart holds these variant lines, added through lib/cart (one addToCart per line, in order). */
export async function shopperWithVariantCart(lines: { variantId: string; quantity: number }[]): Promise<Shopper & { email: string }> {
  const guest = await createGuest();
  await getOrCreateCart(guest.id);
  for (const line of lines) await addToCart(guest.id, { variantId: line.variantId }, line.quantity);
  return { ...guest, email: `guest-${guest.id.slice(0, 8)}@example.test` };
}

/** One variant's stock row. */
export async function variantLevels(variantId: string) {
  const [row] = await db.execute<{ on_hand: number; reserved: number; allocated: number }>(sql`
    select on_hand, reserved, allocated from stock_levels where variant_id = ${variantId}`);
  return row!;
}

/** One variant's ledger rows, oldest first, optionally of one kind. */
export async function variantMovements(variantId: string, kind?: MovementKind) {
  return db.execute<{ kind: MovementKind; on_hand_delta: number; reserved_delta: number; allocated_delta: number; checkout_id: string | null; order_id: string | null }>(sql`
    select kind, on_hand_delta, reserved_delta, allocated_delta, checkout_id, order_id from stock_movements
    where variant_id = ${variantId} and (${kind ?? null}::text is null or kind = ${kind ?? null}::text)
    order by id`);
}

/** The variants a checkout holds now (active holds), with their quantities, by variant id. */
export async function activeHoldsOf(checkoutId: string): Promise<Record<string, number>> {
  const rows = await db.execute<{ variant_id: string; quantity: number }>(sql`
    select variant_id, quantity from reservations where checkout_id = ${checkoutId} and status = 'active'`);
  return Object.fromEntries(rows.map((r) => [r.variant_id, r.quantity]));
}

/** The guest cookie the test app (AUTH_SECRET = TEST_AUTH_SECRET) accepts for this guest. */
export function guestCookieFor(guestId: string): string {
  const signature = createHmac("sha256", TEST_AUTH_SECRET).update(`guest:${guestId}`).digest("base64url");
  return `${guestId}.${signature}`;
}

/** An HTTP shopper (one cookie jar) who is this guest: its cart is whatever lib/cart put there. */
export function httpShopperAs(baseUrl: string, guestId: string): HttpClient {
  const client = new HttpClient(baseUrl);
  client.setCookie("stockhold_guest", guestCookieFor(guestId));
  return client;
}
