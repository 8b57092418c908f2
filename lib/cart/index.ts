/**
 * The cart: a wish list with quantities. Changing it never touches stock; stock is held only when checkout
 * starts (lib/inventory).
 */
import "server-only";
import { and, eq, gt, isNull, lte, notInArray, sql } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
import { cartLines, carts, products, stockLevels } from "@/db/schema";
import { viewerAvailability } from "../inventory/availability";
import { env } from "../platform/env";
import { DomainError, notFound } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { excluded } from "@/db/sql-parts";

export type CartLineView = {
  productId: string;
  slug: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
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
  const { holds, fields } = viewerAvailability(shopperId);
  const lines = await executor
    .select({
      cartId: carts.id,
      productId: cartLines.productId,
      slug: products.slug,
      name: products.name,
      quantity: cartLines.quantity,
      unitPriceCents: products.priceCents,
      ...fields,
    })
    .from(carts)
    .innerJoin(cartLines, eq(cartLines.cartId, carts.id))
    .innerJoin(products, eq(products.id, cartLines.productId))
    .innerJoin(stockLevels, eq(stockLevels.productId, products.id))
    .innerJoinLateral(holds, sql`true`)
    .where(eq(carts.shopperId, shopperId))
    .orderBy(cartLines.addedAt, products.name);
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

async function assertProductExists(tx: Tx, productId: string, { onSale = true } = {}): Promise<void> {
  // An archived product is no longer sold: it cannot be added (lines already in carts are removed on archiving).
  const [product] = await tx
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.id, productId), onSale ? isNull(products.archivedAt) : undefined));
  if (!product) throw notFound("product");
}

/**
 * A cart change and the cart it leaves, in one transaction: one pooled connection for the whole change, with its
 * statements prepared and the independent ones sent together (db/client.ts), rather than a connection and a
 * describe round trip per statement; and the cart read back is exactly the one written.
 */
function changeCart(shopperId: string, productId: string, onSale: boolean, change: (tx: Tx, cartId: string) => Promise<void>): Promise<CartView> {
  if (!isUuid(productId)) throw notFound("product");
  return db.transaction(async (tx) => {
    const [, cart] = await Promise.all([assertProductExists(tx, productId, { onSale }), getOrCreateCart(shopperId, tx)]);
    await change(tx, cart.id);
    return getCart(shopperId, tx);
  });
}

/** Adds `quantity` to the product's line (creating it). The line may not pass MAX_QUANTITY_PER_LINE. */
export async function addToCart(shopperId: string, productId: string, quantity: number): Promise<CartView> {
  checkQuantity(quantity);
  return changeCart(shopperId, productId, true, async (tx, cartId) => {
    const added = sql`${cartLines.quantity} + ${excluded(cartLines.quantity)}`;
    const [line] = await tx
      .insert(cartLines)
      .values({ cartId, productId, quantity })
      .onConflictDoUpdate({
        target: [cartLines.cartId, cartLines.productId],
        set: { quantity: added },
        setWhere: sql`${added} <= ${env.MAX_QUANTITY_PER_LINE}`,
      })
      .returning({ quantity: cartLines.quantity });
    if (!line) checkQuantity(env.MAX_QUANTITY_PER_LINE + 1);
  });
}

/** Sets the product's line to `quantity`; 0 removes it. */
export async function setCartLineQuantity(shopperId: string, productId: string, quantity: number): Promise<CartView> {
  checkQuantity(quantity);
  return changeCart(shopperId, productId, quantity > 0, async (tx, cartId) => {
    if (quantity === 0) {
      await tx.delete(cartLines).where(and(eq(cartLines.cartId, cartId), eq(cartLines.productId, productId)));
    } else {
      await tx
        .insert(cartLines)
        .values({ cartId, productId, quantity })
        .onConflictDoUpdate({ target: [cartLines.cartId, cartLines.productId], set: { quantity: excluded(cartLines.quantity) } });
    }
  });
}

/** What "adjust my cart" did to one line: lowered to what is left, or removed (sold out). */
export interface CartAdjustment {
  productId: string;
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
    await setCartLineQuantity(shopperId, line.productId, line.available);
    adjustments.push({ productId: line.productId, name: line.name, from: line.quantity, to: line.available });
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
    .select({ productId: cartLines.productId, quantity: cartLines.quantity })
    .from(cartLines)
    .where(eq(cartLines.cartId, fromCartId));
  const moving = guestLines
    .map((l) => ({ productId: l.productId, quantity: l.quantity - Math.min(l.quantity, keep.get(l.productId) ?? 0) }))
    .filter((l) => l.quantity > 0);
  if (moving.length === 0) return;
  await tx
    .insert(cartLines)
    .values(moving.map((l) => ({ cartId: into.id, productId: l.productId, quantity: Math.min(l.quantity, env.MAX_QUANTITY_PER_LINE) })))
    .onConflictDoUpdate({
      target: [cartLines.cartId, cartLines.productId],
      set: { quantity: sql`least(${cartLines.quantity} + ${excluded(cartLines.quantity)}, ${env.MAX_QUANTITY_PER_LINE})` },
    });
  const staying = guestLines.filter((l) => (keep.get(l.productId) ?? 0) > 0);
  await Promise.all([
    tx.delete(cartLines).where(
      and(
        eq(cartLines.cartId, fromCartId),
        staying.length > 0 ? notInArray(cartLines.productId, staying.map((l) => l.productId)) : undefined,
      ),
    ),
    ...staying.map((l) =>
      tx
        .update(cartLines)
        .set({ quantity: Math.min(l.quantity, keep.get(l.productId)!) })
        .where(and(eq(cartLines.cartId, fromCartId), eq(cartLines.productId, l.productId))),
    ),
  ]);
}

/**
 * An order was placed from this cart: the bought quantities leave it; anything added since stays (a line
 * bought whole goes, a larger one keeps the difference). Runs in the order's transaction.
 */
export async function removeBoughtLines(tx: Tx, cartId: string, bought: readonly { productId: string; quantity: number }[]): Promise<void> {
  await Promise.all(
    bought.flatMap((b) => [
      tx.delete(cartLines).where(and(eq(cartLines.cartId, cartId), eq(cartLines.productId, b.productId), lte(cartLines.quantity, b.quantity))),
      tx
        .update(cartLines)
        .set({ quantity: sql`${cartLines.quantity} - ${b.quantity}` })
        .where(and(eq(cartLines.cartId, cartId), eq(cartLines.productId, b.productId), gt(cartLines.quantity, b.quantity))),
    ]),
  );
}
