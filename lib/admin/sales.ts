/**
 * Today's sales for the admin dashboard and `GET /api/admin/sales/today`: revenue, refunds, what is left of it, and
 * how many checkouts started today ended paid. "Today" is since midnight UTC of the database's date, whatever the
 * app server's or the admin's clock says. Read-only.
 */
import "server-only";
import { and, count, eq, gte, inArray, isNull, notInArray, or, sql } from "drizzle-orm";
import { db } from "@/db/client";
import { checkouts, orders, payments, refunds } from "@/db/schema";
import { FAILED_PAYMENT_STATUSES } from "../orders/payment-state";
import { isoTime } from "../../db/sql-parts";

export interface SalesToday {
  /** Midnight UTC of the database's date: the start of "today". */
  since: string;
  serverTime: string;
  /** Orders placed today (paid at checkout), at their totals; an order whose payment failed brought no money. */
  revenue: { cents: number; orders: number };
  /** Refunds the provider confirmed today, of any day's orders. */
  refunds: { cents: number; count: number };
  /** Revenue less refunds (negative on a day that gave back more than it took). */
  netCents: number;
  /**
   * Held → paid: of the checkouts started today that are over (paid, cancelled, declined or expired), how many were
   * paid. Checkouts still holding stock or being paid are not counted yet. `percent` is null while none is over.
   */
  conversion: { paid: number; ended: number; percent: number | null };
}

// Raw SQL: date_trunc in the UTC zone, from the transaction's now(), so every figure shares one midnight.
const midnightUtc = sql`date_trunc('day', now(), 'UTC')`;

/** Today's figures, read in one transaction so they share the database's `now()`. */
export async function salesToday(): Promise<SalesToday> {
  return db.transaction(async (tx) => {
    // Orders are written when paid, so orders_created_idx finds today's; the payment (one per order) says whether
    // its money came in.
    const [revenue] = await tx
      .select({
        cents: sql<string>`coalesce(sum(${orders.totalCents}), 0)`,
        orders: count(),
        since: sql<string>`${midnightUtc}`,
        now: sql<string>`now()`,
      })
      .from(orders)
      .leftJoin(payments, eq(payments.orderId, orders.id))
      .where(
        and(gte(orders.createdAt, midnightUtc), or(isNull(payments.status), notInArray(payments.status, [...FAILED_PAYMENT_STATUSES]))),
      );
    // No index on settled_at (no migration for a dashboard figure): refunds are few beside orders, and only
    // today's succeeded ones are summed.
    const [refunded] = await tx
      .select({ cents: sql<string>`coalesce(sum(${refunds.amountCents}), 0)`, count: count() })
      .from(refunds)
      .where(and(eq(refunds.status, "succeeded"), gte(refunds.settledAt, midnightUtc)));
    const [conversion] = await tx
      .select({
        ended: count(),
        paid: sql<number>`(count(*) filter (where ${checkouts.status} = 'completed'))::int`,
      })
      .from(checkouts)
      .where(and(gte(checkouts.startedAt, midnightUtc), inArray(checkouts.status, ["completed", "cancelled", "failed", "expired"])));
    const revenueCents = Number(revenue!.cents);
    const refundCents = Number(refunded!.cents);
    const { paid, ended } = conversion!;
    return {
      since: isoTime(revenue!.since),
      serverTime: isoTime(revenue!.now),
      revenue: { cents: revenueCents, orders: revenue!.orders },
      refunds: { cents: refundCents, count: refunded!.count },
      netCents: revenueCents - refundCents,
      conversion: { paid, ended, percent: ended > 0 ? Math.round((paid / ended) * 1000) / 10 : null },
    };
  });
}
