/**
 * Guests and their orders: finding an order by the email it was placed with and its number, and handing a
 * guest's earlier orders to the account that has proven it owns that email.
 */
import "server-only";
import { createHash } from "node:crypto";
import { and, eq, inArray, isNotNull, ne, sql } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
import { orders, users } from "@/db/schema";
import { env } from "../platform/env";
import { DomainError } from "../platform/errors";
import { consumeRateLimit } from "../platform/rate-limit";

const noSuchOrder = () =>
  new DomainError("not_found", "No order matches that email address and order number. Check both and try again.");

/** The uuid range an 8-character order number (an id's first 8 hex digits) covers, or the id itself. */
function idRange(orderNumber: string): [string, string] {
  if (orderNumber.length === 36) return [orderNumber, orderNumber];
  return [`${orderNumber}-0000-0000-0000-000000000000`, `${orderNumber}-ffff-ffff-ffff-ffffffffffff`];
}

/**
 * The order placed with `email` whose number is `orderNumber`, or 404. A wrong email and a wrong number get the
 * same answer after the same work (two counter writes, one indexed read), so the answer tells nothing about
 * which was wrong. Limited per IP address and per email address (RATE_LIMIT_ORDER_LOOKUPS_PER_MINUTE).
 */
export async function lookupOrder(input: { email: string; orderNumber: string; ip: string }): Promise<{ orderId: string }> {
  const limit = env.RATE_LIMIT_ORDER_LOOKUPS_PER_MINUTE;
  await consumeRateLimit(`order-lookup:ip:${input.ip}`, limit, "order lookups from your address");
  // Hashed, so the counters table holds no email addresses.
  const emailKey = createHash("sha256").update(input.email.trim().toLowerCase()).digest("base64url");
  await consumeRateLimit(`order-lookup:email:${emailKey}`, limit, "order lookups for this email address");
  const [from, to] = idRange(input.orderNumber.toLowerCase());
  const [order] = await db
    .select({ id: orders.id })
    .from(orders)
    .where(
      and(
        sql`${orders.id} between ${from}::uuid and ${to}::uuid`,
        sql`lower(${orders.email}) = ${input.email.trim().toLowerCase()}`,
      ),
    )
    .orderBy(sql`${orders.createdAt} desc`)
    .limit(1);
  if (!order) throw noSuchOrder();
  return { orderId: order.id };
}

/**
 * Orders placed as a guest with the address this account has PROVEN it owns join the account's history: the
 * statement itself reads the account's email only when `email_verified_at` is set, so no caller can hand an
 * unproven address to it. Run when the address is proven (lib/accounts) and at each sign-in of a verified
 * account (a guest order placed since then). Returns how many moved.
 */
export async function claimGuestOrders(executor: Db | Tx, accountId: string): Promise<number> {
  const verifiedEmail = executor
    .select({ email: sql`lower(${users.email})` })
    .from(users)
    .where(and(eq(users.id, accountId), ne(users.kind, "guest"), isNotNull(users.emailVerifiedAt)));
  const guests = executor.select({ id: users.id }).from(users).where(eq(users.kind, "guest"));
  const moved = await executor
    .update(orders)
    .set({ shopperId: accountId })
    .where(and(sql`lower(${orders.email}) = (${verifiedEmail})`, inArray(orders.shopperId, guests)))
    .returning({ id: orders.id });
  return moved.length;
}
