"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { shopperAction } from "@/lib/platform/action-state";
import { adminForm } from "@/lib/admin/access";
import { cancelOrder, fulfilOrder } from "@/lib/orders";
import { retryOrderCapture } from "@/lib/payments/after-order";
import { DomainError } from "@/lib/platform/errors";
import { cancelOrderBodySchema } from "@/lib/store-schemas";
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

/** Cancels an order whose payment failed: its units go back on sale. The same lib call as the admin API. */
export const cancelOrderAction = shopperAction({ ...adminForm, schema: cancelSchema }, async ({ orderId, reason }, admin) => {
  await cancelOrder(orderId, admin.id, reason);
  revalidatePath("/admin", "layout");
  return { ok: true, message: "Cancelled. Its units are back on sale." };
});
