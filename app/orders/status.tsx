import type { OrderStatus } from "@/db/schema";
import { Badge } from "@/components/ui/badge";

/** How a shopper reads their order's state: paid, partly shipped (some parcels are on their way), fulfilled, refunded, cancelled. */
const shopperStatus: Record<OrderStatus, string> = {
  paid: "paid",
  partially_fulfilled: "partly shipped",
  fulfilled: "fulfilled",
  partially_refunded: "partly refunded",
  refunded: "refunded",
  cancelled: "cancelled",
};

export function OrderStatusText({ status }: { status: OrderStatus }) {
  return <Badge tone={status === "fulfilled" ? "success" : "info"}>{shopperStatus[status]}</Badge>;
}
