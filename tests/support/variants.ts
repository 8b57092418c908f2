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
import { shoppersWithCarts } from "./fixtures";
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

/** Many guest shoppers whose carts name variants, written in three statements (fixtures.ts shoppersWithCarts). */
export function shoppersWithVariantCarts(carts: { variantId: string; quantity: number }[][]): Promise<(Shopper & { email: string; cartId: string })[]> {
  return shoppersWithCarts(carts);
}

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
  return db.execute<{
    kind: MovementKind;
    on_hand_delta: number;
    reserved_delta: number;
    allocated_delta: number;
    checkout_id: string | null;
    order_id: string | null;
    kit_variant_id: string | null;
  }>(sql`
    select kind, on_hand_delta, reserved_delta, allocated_delta, checkout_id, order_id, kit_variant_id from stock_movements
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
