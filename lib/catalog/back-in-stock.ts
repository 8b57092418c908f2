/**
 * "Notify me when it's back": shoppers leave an email on a sold-out product; the sweep (lib/cron.ts) emails the
 * oldest waiting ones when units come back, whatever brought them back (a hold lapsed or released, a restock).
 */
import "server-only";
import { and, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { backInStockRequests, emailOutbox, products } from "@/db/schema";
import { productFreeUnits } from "../inventory/availability";
import { env } from "../platform/env";
import { DomainError, notFound } from "../platform/errors";
import { consumeRateLimit } from "../platform/rate-limit";
import { backInStockEmail } from "../mail/templates";

/**
 * How long a notified shopper has the returning units to themselves: within it, their email counts against the
 * units, so the next waiting shopper is told only when units are left over or the head start has passed.
 */
export const HEAD_START = "1 hour";

export interface BackInStockRequestView {
  productId: string;
  email: string;
  createdAt: string;
  /** False when this address was already waiting for this product (it keeps its place in the queue). */
  created: boolean;
}

/** Requests per IP address per minute: enough for a family, too few to sign a mailing list up for every product. */
const REQUESTS_PER_IP_PER_MINUTE = 20;

/** Records that `email` wants to hear when the product is back. Refuses (409) while it is in stock. */
export async function requestBackInStockNotice(input: {
  slug: string;
  email: string;
  shopperId: string | null;
  ip: string;
}): Promise<BackInStockRequestView> {
  await consumeRateLimit(`notify:ip:${input.ip}`, REQUESTS_PER_IP_PER_MINUTE, "back-in-stock requests from your address");
  const [product] = await db
    .select({ id: products.id, name: products.name, available: productFreeUnits })
    .from(products)
    .where(and(eq(products.slug, input.slug), isNull(products.archivedAt)));
  if (!product) throw notFound("product");
  if (product.available > 0) {
    throw new DomainError("conflict", `${product.name} is in stock right now: add it to your cart.`, {
      available: product.available,
    });
  }
  const email = input.email.trim().toLowerCase();
  const [created] = await db
    .insert(backInStockRequests)
    .values({ productId: product.id, email, shopperId: input.shopperId })
    .onConflictDoNothing()
    .returning({ createdAt: backInStockRequests.createdAt });
  if (created) return { productId: product.id, email, createdAt: created.createdAt.toISOString(), created: true };
  const [waiting] = await db
    .select({ createdAt: backInStockRequests.createdAt })
    .from(backInStockRequests)
    .where(
      and(
        eq(backInStockRequests.productId, product.id),
        sql`lower(${backInStockRequests.email}) = ${email}`,
        isNull(backInStockRequests.notifiedAt),
      ),
    );
  return { productId: product.id, email, createdAt: (waiting?.createdAt ?? new Date()).toISOString(), created: false };
}

/**
 * One set-based pass: for every product with waiting shoppers and units available, marks the oldest waiting
 * requests notified (no more than the units not already promised to someone notified within HEAD_START) and
 * queues one email each, in one transaction. Concurrent sweeps never email anyone twice: the update re-checks
 * `notified_at is null` under the row lock, and the outbox's dedupe key is the request.
 * Returns how many shoppers were notified.
 */
export async function notifyBackInStock(): Promise<number> {
  return db.transaction(async (tx) => {
    // Each waiting request's place in its product's queue, oldest first.
    const waiting = tx.$with("waiting").as(
      tx
        .select({
          id: backInStockRequests.id,
          productId: backInStockRequests.productId,
          place: sql<number>`row_number() over (partition by ${backInStockRequests.productId} order by ${backInStockRequests.createdAt}, ${backInStockRequests.id})`.as(
            "place",
          ),
        })
        .from(backInStockRequests)
        .where(isNull(backInStockRequests.notifiedAt)),
    );
    // Units promised to the shoppers notified within the head start.
    const promised = tx
      .select({ count: sql<number>`count(*)::int` })
      .from(backInStockRequests)
      .where(
        and(
          eq(backInStockRequests.productId, products.id),
          gt(backInStockRequests.notifiedAt, sql`now() - ${HEAD_START}::interval`),
        ),
      );
    // What each product with waiting shoppers has room for: its free units less those promised.
    const room = tx.$with("room").as(
      tx
        .select({ productId: products.id, slug: products.slug, name: products.name, units: sql<number>`${productFreeUnits} - ${promised}`.as("units") })
        .from(products)
        .where(and(isNull(products.archivedAt), inArray(products.id, tx.select({ productId: waiting.productId }).from(waiting)))),
    );
    const chosen = await tx
      .with(waiting, room)
      .update(backInStockRequests)
      .set({ notifiedAt: sql`now()` })
      .from(waiting)
      .innerJoin(room, eq(room.productId, waiting.productId))
      .where(
        and(
          eq(backInStockRequests.id, waiting.id),
          sql`${waiting.place} <= ${room.units}`,
          isNull(backInStockRequests.notifiedAt),
        ),
      )
      .returning({
        id: backInStockRequests.id,
        email: backInStockRequests.email,
        slug: room.slug,
        name: room.name,
        productId: waiting.productId,
        place: waiting.place,
      });
    if (chosen.length === 0) return 0;
    // An update returns its rows in no set order: the emails go out in each product's waiting order.
    chosen.sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : a.place - b.place));
    await tx
      .insert(emailOutbox)
      .values(
        chosen.map((request) => {
          const email = backInStockEmail({
            productName: request.name,
            productUrl: `${env.SHOP_URL}/products/${request.slug}`,
          });
          return {
            kind: "back_in_stock" as const,
            recipient: request.email,
            subject: email.subject,
            textBody: email.text,
            htmlBody: email.html,
            dedupeKey: `back-in-stock:${request.id}`,
          };
        }),
      )
      .onConflictDoNothing({ target: emailOutbox.dedupeKey });
    return chosen.length;
  });
}
