/** A checkout as its shopper sees it: the one read every answer about a checkout is built from. */
import "server-only";
import { and, desc, eq, sql } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
import { checkouts, orders, payments, type CheckoutEnder, type CheckoutStatus } from "@/db/schema";
import { notFound } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { heldLines, type HeldCheckout } from "../inventory";
import type { VariantLine } from "../catalog/variants";


export type CheckoutLineView = VariantLine;

export interface CheckoutView {
  id: string;
  status: CheckoutStatus;
  lines: CheckoutLineView[];
  totalCents: number;
  email: string | null;
  details: Record<string, string>;
  startedAt: string;
  expiresAt: string;
  hardExpiresAt: string;
  serverTime: string;
  orderId?: string;
  endedBy?: CheckoutEnder;
  /** The latest payment attempt, if any: what the shopper was last told about their money. */
  payment?: { status: string; declineCode?: string; message?: string };
}

/** A checkout of this shopper; another shopper's checkout does not exist for them. */
export async function getCheckout(checkoutId: string, shopperId: string, executor: Db | Tx = db): Promise<CheckoutView> {
  if (!isUuid(checkoutId)) throw notFound("checkout");
  const [[row], lines, [payment]] = await Promise.all([
    executor
      .select({
        id: checkouts.id,
        // An active hold whose time is up reads as expired before anyone records it.
        status: sql<CheckoutStatus>`case when ${checkouts.status} = 'active' and ${checkouts.expiresAt} <= now() then 'expired' else ${checkouts.status} end`,
        endedBy: sql<CheckoutEnder | null>`case when ${checkouts.status} = 'active' and ${checkouts.expiresAt} <= now() then 'timeout' else ${checkouts.endedBy} end`,
        totalCents: checkouts.totalCents,
        email: checkouts.email,
        details: checkouts.details,
        startedAt: checkouts.startedAt,
        expiresAt: checkouts.expiresAt,
        hardExpiresAt: checkouts.hardExpiresAt,
        serverTime: sql<string>`to_json(clock_timestamp()) #>> '{}'`,
        orderId: orders.id,
      })
      .from(checkouts)
      .leftJoin(orders, eq(orders.checkoutId, checkouts.id))
      .where(and(eq(checkouts.id, checkoutId), eq(checkouts.shopperId, shopperId))),
    // Line by line: a line held at several locations is several holds, and still one line.
    heldLines(executor, checkoutId),
    executor
      .select({ status: payments.status, declineCode: payments.declineCode, message: payments.declineMessage })
      .from(payments)
      .where(eq(payments.checkoutId, checkoutId))
      .orderBy(desc(payments.createdAt))
      .limit(1),
  ]);
  if (!row) throw notFound("checkout");
  return {
    id: row.id,
    status: row.status,
    lines: lines
      .map(({ productId, variantId, sku, options, slug, name, quantity, unitPriceCents }) => ({ productId, variantId, sku, options, slug, name, quantity, unitPriceCents }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.sku.localeCompare(b.sku)),
    totalCents: row.totalCents,
    email: row.email,
    details: row.details,
    startedAt: row.startedAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    hardExpiresAt: row.hardExpiresAt.toISOString(),
    serverTime: new Date(row.serverTime).toISOString(),
    ...(row.orderId ? { orderId: row.orderId } : {}),
    ...(row.endedBy ? { endedBy: row.endedBy } : {}),
    ...(payment
      ? {
          payment: {
            status: payment.status,
            ...(payment.declineCode ? { declineCode: payment.declineCode } : {}),
            ...(payment.message ? { message: payment.message } : {}),
          },
        }
      : {}),
  };
}

/** The view of a checkout the hold engine has just made or found (no second read). */
export function heldCheckoutView(checkout: HeldCheckout): CheckoutView {
  return {
    id: checkout.id,
    status: checkout.status,
    lines: checkout.lines,
    totalCents: checkout.totalCents,
    email: checkout.email,
    details: checkout.details,
    startedAt: checkout.startedAt.toISOString(),
    expiresAt: checkout.expiresAt.toISOString(),
    hardExpiresAt: checkout.hardExpiresAt.toISOString(),
    serverTime: checkout.serverTime.toISOString(),
  };
}
