import type { PaymentStatus } from "@/db/schema";
import { Badge } from "@/components/ui/badge";
import { paymentTrouble } from "@/lib/orders/payment-state";

/**
 * The order's state as the merchant acts on it: to ship, shipped from some locations and not yet others, shipped,
 * refunded (in part or in full), cancelled, or its payment needs attention.
 */
export function OrderStatusBadge({ order }: { order: { status: string; paymentStatus: PaymentStatus | null } }) {
  const trouble = paymentTrouble(order);
  if (trouble === "failed") return <Badge tone="danger">Payment failed</Badge>;
  if (trouble === "uncaptured") return <Badge tone="warning">Payment not captured</Badge>;
  if (order.status === "cancelled") return <Badge tone="neutral">Cancelled</Badge>;
  if (order.status === "partially_fulfilled") return <Badge tone="info">Partly shipped</Badge>;
  if (order.status === "refunded") return <Badge tone="neutral">Refunded</Badge>;
  if (order.status === "partially_refunded") return <Badge tone="info">Partly refunded</Badge>;
  return order.status === "paid" ? <Badge tone="warning">Paid, to ship</Badge> : <Badge tone="success">Fulfilled</Badge>;
}
