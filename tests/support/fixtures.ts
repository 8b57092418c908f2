/** Fixtures for engine tests: products with stock, shoppers with carts. */
import { sql } from "drizzle-orm";
import { db } from "@/db/client";
import { addToCart, getOrCreateCart } from "@/lib/cart";
import { createProduct } from "@/lib/catalog";
import { createGuest, type Shopper } from "@/lib/shoppers";

let counter = 0;

export async function makeProduct(onHand: number, priceCents = 1000) {
  counter += 1;
  return createProduct({
    name: `Test product ${counter} ${Math.random().toString(36).slice(2, 8)}`,
    priceCents,
    onHand,
    actorId: null,
  });
}

/** A guest shopper whose cart holds these lines. */
export async function shopperWithCart(lines: { productId: string; quantity: number }[]): Promise<Shopper & { email: string }> {
  const guest = await createGuest();
  await getOrCreateCart(guest.id);
  for (const line of lines) await addToCart(guest.id, line.productId, line.quantity);
  return { ...guest, email: `guest-${guest.id.slice(0, 8)}@example.test` };
}

export async function levels(productId: string) {
  const [row] = await db.execute<{ on_hand: number; reserved: number; allocated: number }>(sql`
    select on_hand, reserved, allocated from stock_levels where product_id = ${productId}`);
  return row!;
}

/** Moves every active hold of this checkout (or all) into the past, as if its time had run out. */
export async function timeTravelHolds(checkoutId?: string, secondsAgo = 1) {
  const cond = checkoutId ? sql`checkout_id = ${checkoutId}` : sql`true`;
  await db.execute(sql`
    update reservations set expires_at = now() - make_interval(secs => ${secondsAgo})
    where status = 'active' and ${cond}`);
  const cond2 = checkoutId ? sql`id = ${checkoutId}` : sql`true`;
  await db.execute(sql`
    update checkouts set expires_at = now() - make_interval(secs => ${secondsAgo})
    where status = 'active' and ${cond2}`);
}
