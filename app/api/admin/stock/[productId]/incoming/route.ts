import { z } from "zod";
import { authoriseAdminRequest, MAX_UNITS } from "@/lib/admin/access";
import { notFound } from "@/lib/platform/errors";
import { handler, json, parseJsonBody, parseWith } from "@/lib/platform/http";
import { listDeliveries, recordIncoming } from "@/lib/inventory";

export const dynamic = "force-dynamic";

/** A day (YYYY-MM-DD), or a full ISO time whose day is taken: a delivery is expected on a day. */
const expectedDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T.*)?$/, "expectedAt is a date (YYYY-MM-DD).")
  .transform((value) => value.slice(0, 10))
  .refine((day) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day), "expectedAt is not a real date.");

const incomingSchema = z.object({
  variantId: z.uuid("variantId is a variant's id.").optional(),
  locationId: z.uuid("locationId is a location's id.").optional(),
  quantity: z.number().int("quantity is a whole number.").min(1, "quantity is at least 1.").max(MAX_UNITS),
  expectedAt: expectedDay,
});

/** The product's open deliveries, each with the pre-orders waiting for it. */
export const GET = handler<{ productId: string }>(async (request, { params }) => {
  await authoriseAdminRequest(request);
  const productId = parseWith(z.uuid(), (await params).productId, () => notFound("product"));
  return json({ deliveries: await listDeliveries(productId) });
});

/**
 * Records units on their way to a variant at a location (default: the first by priority), expected on a day not
 * past: 201 `{ delivery }`. A pre-order variant may sell against them once its shelves are empty.
 */
export const POST = handler<{ productId: string }>(async (request, { params }) => {
  const admin = await authoriseAdminRequest(request);
  const productId = parseWith(z.uuid(), (await params).productId, () => notFound("product"));
  const input = await parseJsonBody(request, incomingSchema);
  const delivery = await recordIncoming({ productId, ...input, actorId: admin.actorId });
  return json({ delivery }, 201);
});
