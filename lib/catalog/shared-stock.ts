/**
 * The product page's poll for shoppers who hold nothing (GET /api/products/{slug}/stock): the product as everyone
 * sees it, read from the database at most once per SHARED_STOCK_MS per product on each server, however many
 * shoppers ask meanwhile (they share one read, also while it is on its way). Only the answer for no one in
 * particular is kept, never a shopper's own. With the page's 1 s poll, a change shows within about 1.5 s.
 */
import "server-only";
import { getProductBySlug, type ProductDetail } from ".";

export const SHARED_STOCK_MS = 500;
/** Products kept at once; past it the oldest reads are dropped (each lives half a second anyway). */
const MAX_KEPT = 2_000;

const kept = new Map<string, { readAt: number; product: Promise<ProductDetail> }>();

export function sharedProductStock(slug: string): Promise<ProductDetail> {
  const now = performance.now();
  const entry = kept.get(slug);
  if (entry && now - entry.readAt < SHARED_STOCK_MS) return entry.product;
  const product = getProductBySlug(slug, null);
  kept.delete(slug);
  kept.set(slug, { readAt: now, product });
  // A failed read (no such product, the database away) is not kept: the next poll asks again.
  product.catch(() => {
    if (kept.get(slug)?.product === product) kept.delete(slug);
  });
  if (kept.size > MAX_KEPT) kept.delete(kept.keys().next().value!);
  return product;
}
