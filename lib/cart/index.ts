/**
 * The cart: a wish list with quantities. Changing it never touches stock; stock is held only when checkout
 * starts (lib/inventory).
 */
import "server-only";
import { and, eq, gt, lte, notInArray, sql } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
import { cartLines, carts, products, productVariants } from "@/db/schema";
import { viewerAvailability } from "../inventory/availability";
import { lineName, resolveLineKey, resolveVariant, type VariantChoice, type VariantLine, type VariantRef } from "../catalog/variants";
import { env } from "../platform/env";
import { DomainError } from "../platform/errors";
import { excluded } from "@/db/sql-parts";

export type CartLineView = VariantLine & {
  /** Units this shopper could have right now (their own live hold included); the cart notes a line asking more. */
  available: number;
  /** Units in other shoppers' live holds, and when the soonest of them lapses if untouched (or null). */
  held: number;
  nextReleaseAt: string | null;
};

export interface CartView {
  id: string | null;
  lines: CartLineView[];
  subtotalCents: number;
  itemCount: number;
}


export async function getOrCreateCart(shopperId: string, executor: Db | Tx = db): Promise<{ id: string }> {
  // Insert-or-read rather than an upsert: an upsert would lock the cart row on every call.
  const [created] = await executor.insert(carts).values({ shopperId }).onConflictDoNothing().returning({ id: carts.id });
  if (created) return created;
  const [existing] = await executor.select({ id: carts.id }).from(carts).where(eq(carts.shopperId, shopperId));
  return existing!;
}

export async function getCart(shopperId: string | null, executor: Db | Tx = db): Promise<CartView> {
  if (!shopperId) return { id: null, lines: [], subtotalCents: 0, itemCount: 0 };
  const { stock, fields } = viewerAvailability(shopperId, cartLines.variantId);
  const lines = await executor
    .select({
      cartId: carts.id,
      productId: cartLines.productId,
      variantId: cartLines.variantId,
      sku: productVariants.sku,
      options: productVariants.options,
      slug: products.slug,
      name: products.name,
      quantity: cartLines.quantity,
      unitPriceCents: productVariants.priceCents,
      ...fields,
    })
    .from(carts)
    .innerJoin(cartLines, eq(cartLines.cartId, carts.id))
    .innerJoin(products, eq(products.id, cartLines.productId))
    .innerJoin(productVariants, eq(productVariants.id, cartLines.variantId))
    .innerJoinLateral(stock, sql`true`)
    .where(eq(carts.shopperId, shopperId))
    .orderBy(cartLines.addedAt, products.name, productVariants.position);
  const [cart] = lines.length
    ? [{ id: lines[0]!.cartId }]
    : await executor.select({ id: carts.id }).from(carts).where(eq(carts.shopperId, shopperId));
  return {
    id: cart?.id ?? null,
    lines: lines.map(({ cartId: _cartId, ...line }) => line),
    subtotalCents: lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0),
    itemCount: lines.reduce((sum, l) => sum + l.quantity, 0),
  };
}

function checkQuantity(quantity: number): void {
  if (quantity > env.MAX_QUANTITY_PER_LINE) {
    throw new DomainError("quantity_limit", `At most ${env.MAX_QUANTITY_PER_LINE} of one product fit in a cart.`, {
      maxQuantity: env.MAX_QUANTITY_PER_LINE,
    });
  }
}

/**
 * A cart change and the cart it leaves, in one transaction: one pooled connection for the whole change, with its
 * statements prepared and the independent ones sent together (db/client.ts), rather than a connection and a
 * describe round trip per statement; and the cart read back is exactly the one written. `variantOf` names the
 * line's variant (an archived product or a retired variant cannot be added: lines already in carts are removed
 * when it is taken off sale).
 */
function changeCart(
  shopperId: string,
  variantOf: (tx: Tx) => Promise<VariantRef>,
  change: (tx: Tx, cartId: string, variant: VariantRef) => Promise<void>,
): Promise<CartView> {
  return db.transaction(async (tx) => {
    const [variant, cart] = await Promise.all([variantOf(tx), getOrCreateCart(shopperId, tx)]);
    await change(tx, cart.id, variant);
    return getCart(shopperId, tx);
  });
}

/**
 * Adds `quantity` of a variant to its line (creating it); a product sold as one variant may be named instead
 * (a bare string is a product id).
 * The line may not pass MAX_QUANTITY_PER_LINE.
 */
export async function addToCart(shopperId: string, choice: VariantChoice | string, quantity: number): Promise<CartView> {
  checkQuantity(quantity);
  const named = typeof choice === "string" ? { productId: choice } : choice;
  return changeCart(shopperId, (tx) => resolveVariant(tx, named, { forSale: true }), async (tx, cartId, { productId, variantId }) => {
    const added = sql`${cartLines.quantity} + ${excluded(cartLines.quantity)}`;
    const [line] = await tx
      .insert(cartLines)
      .values({ cartId, productId, variantId, quantity })
      .onConflictDoUpdate({
        target: [cartLines.cartId, cartLines.variantId],
        set: { quantity: added },
        setWhere: sql`${added} <= ${env.MAX_QUANTITY_PER_LINE}`,
      })
      .returning({ quantity: cartLines.quantity });
    if (!line) checkQuantity(env.MAX_QUANTITY_PER_LINE + 1);
  });
}

/**
 * Sets a line to `quantity`; 0 removes it. `lineKey` is the line's variant id, or the id of a product sold as one
 * variant. Removing works whatever became of the variant; setting a quantity needs it on sale.
 */
export async function setCartLineQuantity(shopperId: string, lineKey: string, quantity: number): Promise<CartView> {
  checkQuantity(quantity);
  return changeCart(shopperId, (tx) => resolveLineKey(tx, lineKey, { forSale: quantity > 0 }), async (tx, cartId, { productId, variantId }) => {
    if (quantity === 0) {
      await tx.delete(cartLines).where(and(eq(cartLines.cartId, cartId), eq(cartLines.variantId, variantId)));
    } else {
      await tx
        .insert(cartLines)
        .values({ cartId, productId, variantId, quantity })
        .onConflictDoUpdate({ target: [cartLines.cartId, cartLines.variantId], set: { quantity: excluded(cartLines.quantity) } });
    }
  });
}

/** What "adjust my cart" did to one line: lowered to what is left, or removed (sold out). */
export interface CartAdjustment {
  productId: string;
  variantId: string;
  /** The product's name with the variant's options ("Trail Shirt — M"). */
  name: string;
  from: number;
  to: number;
}

/**
 * Sets every line to at most what this shopper could have now (their own live hold counts as theirs), removing
 * sold-out lines: "adjust my cart". Returns the cart and what changed, line by line.
 */
export async function fitCartToStock(shopperId: string): Promise<{ cart: CartView; adjustments: CartAdjustment[] }> {
  const before = await getCart(shopperId);
  const adjustments: CartAdjustment[] = [];
  for (const line of before.lines) {
    if (line.quantity <= line.available) continue;
    await setCartLineQuantity(shopperId, line.variantId, line.available);
    adjustments.push({
      productId: line.productId,
      variantId: line.variantId,
      name: lineName(line.name, line.options),
      from: line.quantity,
      to: line.available,
    });
  }
  return { cart: await getCart(shopperId), adjustments };
}

/** "Meridian Watch removed: sold out; Kettle No. 9 3 → 1", or null when nothing changed. */
export function describeAdjustments(adjustments: CartAdjustment[]): string | null {
  if (adjustments.length === 0) return null;
  return adjustments
    .map((a) => (a.to === 0 ? `${a.name} removed: sold out` : `${a.name} ${a.from} → ${a.to}`))
    .join("; ");
}

/**
 * On sign-in, the guest's cart lines join the account's cart (quantities add up, capped per line), inside the
 * caller's transaction (lib/checkout/checkout.ts `handOverGuest`, which holds the guest cart's lock). The
 * quantities in `keep` (what a checkout being paid is buying) stay in the guest's cart: that payment's order
 * takes them from there, and the account never gets a second chance to buy them.
 */
export async function mergeCartLines(
  tx: Tx,
  fromCartId: string,
  intoShopperId: string,
  keep: ReadonlyMap<string, number> = new Map(),
): Promise<void> {
  const into = await getOrCreateCart(intoShopperId, tx);
  if (into.id === fromCartId) return;
  const guestLines = await tx
    .select({ productId: cartLines.productId, variantId: cartLines.variantId, quantity: cartLines.quantity })
    .from(cartLines)
    .where(eq(cartLines.cartId, fromCartId));
  const moving = guestLines
    .map((l) => ({ ...l, quantity: l.quantity - Math.min(l.quantity, keep.get(l.variantId) ?? 0) }))
    .filter((l) => l.quantity > 0);
  if (moving.length === 0) return;
  await tx
    .insert(cartLines)
    .values(
      moving.map((l) => ({ cartId: into.id, productId: l.productId, variantId: l.variantId, quantity: Math.min(l.quantity, env.MAX_QUANTITY_PER_LINE) })),
    )
    .onConflictDoUpdate({
      target: [cartLines.cartId, cartLines.variantId],
      set: { quantity: sql`least(${cartLines.quantity} + ${excluded(cartLines.quantity)}, ${env.MAX_QUANTITY_PER_LINE})` },
    });
  const staying = guestLines.filter((l) => (keep.get(l.variantId) ?? 0) > 0);
  await Promise.all([
    tx.delete(cartLines).where(
      and(
        eq(cartLines.cartId, fromCartId),
        staying.length > 0 ? notInArray(cartLines.variantId, staying.map((l) => l.variantId)) : undefined,
      ),
    ),
    ...staying.map((l) =>
      tx
        .update(cartLines)
        .set({ quantity: Math.min(l.quantity, keep.get(l.variantId)!) })
        .where(and(eq(cartLines.cartId, fromCartId), eq(cartLines.variantId, l.variantId))),
    ),
  ]);
}

/**
 * An order was placed from this cart: the bought quantities leave it; anything added since stays (a line
 * bought whole goes, a larger one keeps the difference). Runs in the order's transaction.
 */
export async function removeBoughtLines(tx: Tx, cartId: string, bought: readonly { variantId: string; quantity: number }[]): Promise<void> {
  await Promise.all(
    bought.flatMap((b) => [
      tx.delete(cartLines).where(and(eq(cartLines.cartId, cartId), eq(cartLines.variantId, b.variantId), lte(cartLines.quantity, b.quantity))),
      tx
        .update(cartLines)
        .set({ quantity: sql`${cartLines.quantity} - ${b.quantity}` })
        .where(and(eq(cartLines.cartId, cartId), eq(cartLines.variantId, b.variantId), gt(cartLines.quantity, b.quantity))),
    ]),
  );
}
