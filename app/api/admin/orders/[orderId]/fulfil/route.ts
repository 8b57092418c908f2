import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { listLocations } from "@/lib/inventory";
import { fulfilOrder } from "@/lib/orders";
import { fulfilOrderBodySchema } from "@/lib/store-schemas";

export const dynamic = "force-dynamic";

/**
 * Ships an order: everything left (no body), the part allocated at one location (`{ locationId }`), or chosen
 * lines and units (`{ lines }`), with the parcel's `carrier` and `trackingNumber`; the shopper is emailed. The
 * order is `partially_fulfilled` until every unit has shipped, then `fulfilled`. Shipping what has shipped changes
 * nothing; 409 for more than is left to ship; an unknown location is 404.
 */
export const POST = handler<{ orderId: string }>(async (request, { params }) => {
  const admin = await authoriseAdminRequest(request);
  const orderId = parseWith(z.uuid(), (await params).orderId, () => notFound("order"));
  const body = await parseJsonBody(request, fulfilOrderBodySchema);
  // fulfilOrder ships nothing from a location it does not know; the caller must hear that it named none.
  if (body.locationId !== undefined && !(await listLocations()).some((l) => l.id === body.locationId)) throw notFound("location");
  return json({ order: await fulfilOrder(orderId, admin.actorId, body) });
});
