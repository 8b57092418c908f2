import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { getAdminOrderDetail } from "@/lib/orders";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseWith } from "@/lib/platform/http";

export const dynamic = "force-dynamic";

/** One order with its lines, shopper, email, delivery details, payment (status, reference) and ledger rows. */
export const GET = handler<{ orderId: string }>(async (request, { params }) => {
  await authoriseAdminRequest(request);
  const orderId = parseWith(z.uuid(), (await params).orderId, () => notFound("order"));
  return json({ order: await getAdminOrderDetail(orderId) });
});
