/**
 * "Notify me when it's back": shoppers leave an email on a sold-out product; the sweep (lib/cron.ts) emails the
 * oldest waiting ones when units come back, whatever brought them back (a hold lapsed or released, a restock).
 */
import "server-only";
import { and, eq, isNull, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { alias } from "drizzle-orm/pg-core";
import { backInStockRequests, emailOutbox, products, stockLevels } from "@/db/schema";
import { env } from "./env";
import { DomainError, notFound } from "./errors";
import { availableSql } from "./inventory";
import { consumeRateLimit } from "./rate-limit";
import { backInStockEmail } from "./mail/templates";

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
  const s = alias(stockLevels, "s"); // availableSql reads the stock row as `s`
  const [product] = await db
    .select({ id: products.id, name: products.name, available: sql<number>`greatest(0, ${availableSql(sql`${products.id}`)})` })
    .from(products)
    .innerJoin(s, eq(s.productId, products.id))
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
    // Raw SQL: a window function over the waiting queue joined to live availability, in one UPDATE.
    const chosen = await tx.execute<{ id: string; email: string; slug: string; name: string }>(sql`
      with waiting as (
        select r.id, r.product_id,
          row_number() over (partition by r.product_id order by r.created_at, r.id) as place
        from back_in_stock_requests r
        where r.notified_at is null
      ), room as (
        select p.id as product_id, p.slug, p.name,
          greatest(0, ${availableSql(sql`p.id`)}) - (
            select count(*)::int from back_in_stock_requests n
            where n.product_id = p.id and n.notified_at > now() - ${HEAD_START}::interval
          ) as units
        from products p join stock_levels s on s.product_id = p.id
        where p.archived_at is null and p.id in (select product_id from waiting)
      )
      update back_in_stock_requests r set notified_at = now()
      from waiting w join room m on m.product_id = w.product_id
      where r.id = w.id and w.place <= m.units and r.notified_at is null
      returning r.id, r.email, m.slug, m.name`);
    if (chosen.length === 0) return 0;
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
