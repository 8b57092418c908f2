import { lookupOrder } from "@/lib/orders";
import { clientAddress, handler, json, parseJsonBody } from "@/lib/platform/http";
import { orderLink } from "@/lib/orders";
import { getOrderWithAccess } from "@/lib/orders";
import { orderLookupSchema } from "@/lib/store-schemas";

export const dynamic = "force-dynamic";

/**
 * Finds an order by `{ email, orderNumber }` (for guests, who have no order history): 200 `{ order, link }`
 * (`link` opens the order page from any browser); 404 for a wrong email or number alike; 429 past the limit.
 */
export const POST = handler(async (request) => {
  const input = await parseJsonBody(request, orderLookupSchema);
  const { orderId } = await lookupOrder({ ...input, ip: clientAddress(request) });
  return json({ order: await getOrderWithAccess(orderId), link: orderLink(orderId) });
});
