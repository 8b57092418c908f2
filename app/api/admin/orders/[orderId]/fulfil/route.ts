import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseWith } from "@/lib/platform/http";
import { fulfilOrder } from "@/lib/orders";

export const dynamic = "force-dynamic";

/** Ships an order: its allocated units leave the shelf. Fulfilling it again changes nothing. */
export const POST = handler<{ orderId: string }>(async (request, { params }) => {
  const admin = await authoriseAdminRequest(request);
  const orderId = parseWith(z.uuid(), (await params).orderId, () => notFound("order"));
  return json({ order: await fulfilOrder(orderId, admin.actorId) });
});
