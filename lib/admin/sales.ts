/**
 * Today's sales for the admin dashboard and `GET /api/admin/sales/today`: revenue, refunds, what is left of it, and
 * how many checkouts started today ended paid. "Today" is since midnight UTC of the database's date, whatever the
 * app server's or the admin's clock says. Read-only.
 */
import "server-only";
import { and, count, eq, gte, isNull, notInArray, or, sql } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
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

/**
 * Raw SQL: literals, as the partial indexes name them (checkouts_ended_started_idx, refunds_succeeded_settled_idx):
 * with the statuses as parameters, a prepared statement's generic plan could not use those indexes.
 */
const checkoutIsOver = sql`${checkouts.status} in ('completed', 'cancelled', 'failed', 'expired')`;
const refundSucceeded = sql`${refunds.status} = 'succeeded'`;

// Raw SQL: date_trunc in the UTC zone, from the transaction's now(), so every figure shares one midnight.
const midnightUtc = sql`date_trunc('day', now(), 'UTC')`;

/** Orders placed today (orders_created_idx), less those whose payment failed. */
export const revenueTodayQuery = (executor: Db | Tx) =>
  // Orders are written when paid, so orders_created_idx finds today's; the payment (one per order) says whether
  // its money came in.
  executor
    .select({
      cents: sql<string>`coalesce(sum(${orders.totalCents}), 0)`,
      orders: count(),
      since: sql<string>`${midnightUtc}`,
      now: sql<string>`now()`,
    })
    .from(orders)
    .leftJoin(payments, eq(payments.orderId, orders.id))
    .where(and(gte(orders.createdAt, midnightUtc), or(isNull(payments.status), notInArray(payments.status, [...FAILED_PAYMENT_STATUSES]))));

/** Refunds the provider confirmed today (refunds_succeeded_settled_idx). */
export const refundsTodayQuery = (executor: Db | Tx) =>
  executor
    .select({ cents: sql<string>`coalesce(sum(${refunds.amountCents}), 0)`, count: count() })
    .from(refunds)
    .where(and(refundSucceeded, gte(refunds.settledAt, midnightUtc)));

/** Checkouts started today that are over, and how many of them were paid (checkouts_ended_started_idx). */
export const conversionTodayQuery = (executor: Db | Tx) =>
  executor
    .select({
      ended: count(),
      paid: sql<number>`(count(*) filter (where ${checkouts.status} = 'completed'))::int`,
    })
    .from(checkouts)
    .where(and(gte(checkouts.startedAt, midnightUtc), checkoutIsOver));

/** Today's figures, read in one transaction so they share the database's `now()`. */
export async function salesToday(): Promise<SalesToday> {
  return db.transaction(async (tx) => {
    const [[revenue], [refunded], [conversion]] = await Promise.all([revenueTodayQuery(tx), refundsTodayQuery(tx), conversionTodayQuery(tx)]);
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
