import { z } from "zod";
import { authoriseAdminRequest } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseWith } from "@/lib/platform/http";
import { retryOrderCapture } from "@/lib/payments/after-order";

export const dynamic = "force-dynamic";

/** Captures a placed order's payment again (its capture failed); 409 `capture_failed` when nothing can be captured. */
export const POST = handler<{ orderId: string }>(async (request, { params }) => {
  await authoriseAdminRequest(request);
  const orderId = parseWith(z.uuid(), (await params).orderId, () => notFound("order"));
  return json({ order: await retryOrderCapture(orderId) });
});
