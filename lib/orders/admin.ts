/** One order as the merchant sees it: lines, shopper, delivery, payment, and the ledger rows it caused. */
import "server-only";
import { asc, desc, eq } from "drizzle-orm";
import { db } from "@/db/client";
import { payments, refunds, shipments, type PaymentStatus, type RefundStatus } from "@/db/schema";
import { listMovements, type MovementView } from "../admin/ledger";
import { notFound } from "../platform/errors";
import { isUuid } from "../platform/ids";
import { paymentTrouble } from "./payment-state";
import { findOrderById, type OrderView } from "./read";

export interface OrderPaymentView {
  /** The order's payment: `captured`, or `authorized` while its capture is still being made. */
  status: PaymentStatus;
  provider: string;
  /** The payment provider's reference for the charge. */
  reference: string;
  amountCents: number;
  /** Every payment attempt on the order's checkout, newest first. */
  attempts: { status: PaymentStatus; declineCode: string | null; amountCents: number; createdAt: string }[];
}

/** One thing that happened to an order, oldest first: the merchant's timeline of it. */
export type OrderEvent =
  | { kind: "paid"; at: string; amountCents: number }
  | { kind: "shipped"; at: string; units: number; of: number; carrier: string | null; trackingNumber: string | null }
  | { kind: "refunded"; at: string; amountCents: number; reason: string; returned: number; status: RefundStatus; cancellation: boolean }
  | { kind: "cancelled"; at: string };

export interface AdminOrderDetail extends OrderView {
  /** Paid, each parcel shipped, each refund (with its reason and returns), cancelled: oldest first. */
  timeline: OrderEvent[];
  payment: OrderPaymentView;
  /** The payment failed after the order was placed (voided, refunded, failed): retry the capture or cancel. */
  paymentFailed: boolean;
  /** The order's stock ledger rows, newest first: its holds, the sale, the shipping. */
  movements: MovementView[];
}


export async function getAdminOrderDetail(orderId: string): Promise<AdminOrderDetail> {
  if (!isUuid(orderId)) throw notFound("order");
  const order = await findOrderById(orderId);
  if (!order) throw notFound("order");
  const attempts = await db
    .select({
      status: payments.status,
      provider: payments.provider,
      reference: payments.providerReference,
      orderId: payments.orderId,
      declineCode: payments.declineCode,
      amountCents: payments.amountCents,
      createdAt: payments.createdAt,
    })
    .from(payments)
    .where(eq(payments.checkoutId, order.checkoutId))
    .orderBy(desc(payments.createdAt));
  const paid = attempts.find((a) => a.orderId === orderId);
  // The order's ledger rows name its variants as the order does (as sold), not as the catalogue now does.
  const soldAs = new Map(order.lines.map((l) => [l.variantId, l]));
  const movements = (await listMovements({ orderId, limit: 500 })).map((m) => {
    const line = soldAs.get(m.variantId);
    return line ? { ...m, productName: line.name, sku: line.sku, options: line.options } : m;
  });
  const [sent, refunded] = await Promise.all([
    db.select().from(shipments).where(eq(shipments.orderId, orderId)).orderBy(asc(shipments.createdAt)),
    db.select().from(refunds).where(eq(refunds.orderId, orderId)).orderBy(asc(refunds.createdAt)),
  ]);
  const ordered = order.lines.reduce((n, l) => n + l.quantity, 0);
  const timeline: OrderEvent[] = [
    { kind: "paid" as const, at: order.createdAt, amountCents: order.totalCents },
    ...sent.map((s) => ({
      kind: "shipped" as const,
      at: s.createdAt.toISOString(),
      units: s.lines.reduce((n, l) => n + l.quantity, 0),
      of: ordered,
      carrier: s.carrier,
      trackingNumber: s.trackingNumber,
    })),
    ...refunded.map((r) => ({
      kind: "refunded" as const,
      at: r.createdAt.toISOString(),
      amountCents: r.amountCents,
      reason: r.reason,
      returned: r.lines.reduce((n, l) => n + l.returned, 0),
      status: r.status,
      cancellation: r.cancellation,
    })),
    ...(order.cancelledAt ? [{ kind: "cancelled" as const, at: order.cancelledAt }] : []),
  ].sort((a, b) => a.at.localeCompare(b.at));
  return {
    ...order,
    timeline,
    paymentFailed: paymentTrouble(order) === "failed",
    payment: {
      status: paid?.status ?? "captured",
      provider: paid?.provider ?? "unknown",
      reference: paid?.reference ?? "",
      amountCents: paid?.amountCents ?? order.totalCents,
      attempts: attempts.map((a) => ({
        status: a.status,
        declineCode: a.declineCode,
        amountCents: a.amountCents,
        createdAt: a.createdAt.toISOString(),
      })),
    },
    movements,
  };
}
