/** One order as the merchant sees it: lines, shopper, delivery, payment, and the ledger rows it caused. */
import "server-only";
import { desc, eq } from "drizzle-orm";
import { db } from "@/db/client";
import { orders, paymentAttempts } from "@/db/schema";
import { listMovements, type MovementView } from "./admin-queries";
import { notFound } from "./errors";
import { findOrderById, type OrderView } from "./orders";

export interface OrderPaymentView {
  /** `succeeded` once the order is paid (an order exists only for a captured payment). */
  status: "succeeded" | "declined" | "unknown";
  /** The payment provider's reference for the charge. */
  reference: string;
  amountCents: number;
  /** Every attempt on the order's checkout, newest first (declines included). */
  attempts: { outcome: "succeeded" | "declined"; declineCode: string | null; amountCents: number; createdAt: string }[];
}

export interface AdminOrderDetail extends OrderView {
  payment: OrderPaymentView;
  /** The order's stock ledger rows, newest first: its holds, the sale, the shipping. */
  movements: MovementView[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function getAdminOrderDetail(orderId: string): Promise<AdminOrderDetail> {
  if (!UUID.test(orderId)) throw notFound("order");
  const order = await findOrderById(orderId);
  if (!order) throw notFound("order");
  const [reference] = await db
    .select({ reference: orders.paymentReference })
    .from(orders)
    .where(eq(orders.id, orderId));
  const attempts = await db
    .select({
      outcome: paymentAttempts.outcome,
      declineCode: paymentAttempts.declineCode,
      amountCents: paymentAttempts.amountCents,
      createdAt: paymentAttempts.createdAt,
    })
    .from(paymentAttempts)
    .where(eq(paymentAttempts.checkoutId, order.checkoutId))
    .orderBy(desc(paymentAttempts.createdAt));
  const captured = attempts.find((a) => a.outcome === "succeeded");
  const movements = await listMovements({ orderId, limit: 500 });
  return {
    ...order,
    payment: {
      status: captured ? "succeeded" : "unknown",
      reference: reference!.reference,
      amountCents: captured?.amountCents ?? order.totalCents,
      attempts: attempts.map((a) => ({ ...a, createdAt: a.createdAt.toISOString() })),
    },
    movements,
  };
}
