"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { shopperAction } from "@/lib/platform/action-state";
import { adminForm } from "@/lib/admin/access";
import { formatMoney } from "@/components/ui/money";
import { cancelOrder, fulfilOrder, refundOrder } from "@/lib/orders";
import { retryOrderCapture } from "@/lib/payments/after-order";
import { DomainError } from "@/lib/platform/errors";
import { cancelOrderBodySchema, fulfilOrderBodySchema, idempotencyKeySchema } from "@/lib/store-schemas";
import { leftToShipText, units } from "./shipping";

const fulfilSchema = z.object({
  orderId: z.uuid("No such order."),
  /** Ship only what is allocated at this location; empty ships everything. */
  locationId: z.preprocess((v) => (v === "" ? undefined : v), z.uuid("No such location.").optional()),
});

/**
 * Ships an order, or its units allocated at one location: they leave the shelf. The same lib call as the admin
 * API. The answer says what is still to ship, and from where.
 */
export const fulfilOrderAction = shopperAction(
  { ...adminForm, schema: fulfilSchema, hidden: { orderId: "This order is not known: reload the page.", locationId: "This location is not known: reload the page." } },
  async ({ orderId, locationId }, admin) => {
    const order = await fulfilOrder(orderId, admin.id, { locationId });
    revalidatePath("/admin", "layout");
    revalidatePath(`/orders/${orderId}`);
    if (locationId === undefined) return { ok: true, message: order.status === "fulfilled" ? "Fulfilled: everything has shipped." : leftToShipText(order.lines) };
    const here = order.lines.flatMap((l) => l.allocations).filter((a) => a.locationId === locationId);
    if (here.length === 0) throw new DomainError("not_found", "Nothing of this order is allocated at that location.");
    const shipped = here.reduce((n, a) => n + a.fulfilled, 0);
    return { ok: true, message: `Shipped from ${here[0]!.name} (${units(shipped)}). ${leftToShipText(order.lines)}` };
  },
);

const retrySchema = z.object({ orderId: z.uuid("No such order.") });

/** Captures a placed order's payment again (its capture failed). The same lib call as the admin API. */
export const retryCaptureAction = shopperAction({ ...adminForm, schema: retrySchema }, async ({ orderId }) => {
  await retryOrderCapture(orderId);
  revalidatePath("/admin", "layout");
  return { ok: true, message: "Captured." };
});

const cancelSchema = cancelOrderBodySchema.extend({ orderId: z.uuid("No such order.") });

/**
 * Cancels an order before anything shipped: refunded in full (when its money is in) and its units back on sale.
 * The same lib call as the admin API.
 */
export const cancelOrderAction = shopperAction({ ...adminForm, schema: cancelSchema }, async ({ orderId, reason }, admin) => {
  const order = await cancelOrder(orderId, admin.id, reason);
  revalidatePath("/admin", "layout");
  revalidatePath(`/orders/${orderId}`);
  return {
    ok: true,
    message: order.refundedCents > 0 ? `Cancelled. ${formatMoney(order.refundedCents)} refunded; its units are back on sale.` : "Cancelled. Its units are back on sale.",
  };
});

/**
 * Units per line from an after-the-order form: fields named `<prefix><variantId>`, each empty or a whole number.
 * Lines left at 0 are skipped; a field that is not a whole number is answered under its own name.
 */
function unitsPerLine(fields: Record<string, string>, prefix: string): { lines: { variantId: string; quantity: number }[]; errors: Record<string, string[]> } {
  const lines: { variantId: string; quantity: number }[] = [];
  const errors: Record<string, string[]> = {};
  for (const [name, raw] of Object.entries(fields)) {
    if (!name.startsWith(prefix)) continue;
    const value = raw.trim();
    if (value === "" || value === "0") continue;
    const variantId = name.slice(prefix.length);
    if (!/^\d{1,6}$/.test(value) || !z.uuid().safeParse(variantId).success) {
      errors[name] = ["Enter a whole number of units (0 or more)."];
      continue;
    }
    lines.push({ variantId, quantity: Number(value) });
  }
  return { lines, errors };
}

const refundSchema = z.object({
  orderId: z.uuid("No such order."),
  requestKey: idempotencyKeySchema,
  restock: z.preprocess((v) => v === "on" || v === "true", z.boolean()),
  reason: cancelOrderBodySchema.shape.reason,
});

/**
 * Refunds the units chosen per line (none chosen: refused, so a stray click never refunds a whole order), with
 * or without putting them back on sale. The same lib call as the admin API; the form's key makes a double submit
 * one refund.
 */
export const refundOrderAction = shopperAction(
  { ...adminForm, schema: refundSchema, hidden: { orderId: "This order is not known: reload the page.", requestKey: "Reload the page and try again." } },
  async ({ orderId, requestKey, restock, reason }, admin, { fields }) => {
    const { lines, errors } = unitsPerLine(fields, "refund-");
    if (Object.keys(errors).length > 0) return { ok: false, message: "Please check the highlighted fields.", fieldErrors: errors, values: fields };
    if (lines.length === 0) return { ok: false, message: "Choose how many units of which line to refund.", fieldErrors: { lines: ["Choose at least one unit."] }, values: fields };
    const order = await refundOrder(orderId, admin.id, { lines, restock, reason, requestKey });
    revalidatePath("/admin", "layout");
    revalidatePath(`/orders/${orderId}`);
    return { ok: true, message: `Refunded. ${formatMoney(order.refundedCents)} of ${formatMoney(order.totalCents)} has gone back to the shopper.` };
  },
);

const shipSchema = z.object({
  orderId: z.uuid("No such order."),
  carrier: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), fulfilOrderBodySchema.shape.carrier),
  trackingNumber: z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), fulfilOrderBodySchema.shape.trackingNumber),
});

/** Ships the units chosen per line, with the parcel's carrier and tracking number. The same lib call as the API. */
export const shipUnitsAction = shopperAction(
  { ...adminForm, schema: shipSchema, hidden: { orderId: "This order is not known: reload the page." } },
  async ({ orderId, carrier, trackingNumber }, admin, { fields }) => {
    const { lines, errors } = unitsPerLine(fields, "ship-");
    if (Object.keys(errors).length > 0) return { ok: false, message: "Please check the highlighted fields.", fieldErrors: errors, values: fields };
    if (lines.length === 0) return { ok: false, message: "Choose how many units of which line to ship.", fieldErrors: { lines: ["Choose at least one unit."] }, values: fields };
    const order = await fulfilOrder(orderId, admin.id, { lines, carrier, trackingNumber });
    revalidatePath("/admin", "layout");
    revalidatePath(`/orders/${orderId}`);
    return { ok: true, message: order.status === "fulfilled" ? "Shipped: everything has gone out. The shopper is emailed." : `Shipped. ${leftToShipText(order.lines)} The shopper is emailed.` };
  },
);
