import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { listLocations } from "@/lib/inventory";
import { fulfilOrder } from "@/lib/orders";

export const dynamic = "force-dynamic";

/** Optional: ship only what is allocated at this location. No body ships everything left. */
const fulfilSchema = z.object({ locationId: z.uuid("locationId is a location's id.").optional() });

/**
 * Ships an order, or the part of it allocated at one location (`{ locationId }`): those units leave the shelf.
 * The order is `partially_fulfilled` until every unit has shipped, then `fulfilled`. Shipping what has shipped
 * changes nothing; an unknown location is 404.
 */
export const POST = handler<{ orderId: string }>(async (request, { params }) => {
  const admin = await authoriseAdminRequest(request);
  const orderId = parseWith(z.uuid(), (await params).orderId, () => notFound("order"));
  const { locationId } = await parseJsonBody(request, fulfilSchema);
  // fulfilOrder ships nothing from a location it does not know; the caller must hear that it named none.
  if (locationId !== undefined && !(await listLocations()).some((l) => l.id === locationId)) throw notFound("location");
  return json({ order: await fulfilOrder(orderId, admin.actorId, { locationId }) });
});
