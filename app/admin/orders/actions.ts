"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { shopperAction } from "@/lib/platform/action-state";
import { adminForm } from "@/lib/admin/access";
import { fulfilOrder } from "@/lib/orders";
import { cancelOrderWithFailedPayment, retryOrderCapture } from "@/lib/payments/after-order";
import { cancelOrderBodySchema } from "@/lib/store-schemas";

const fulfilSchema = z.object({ orderId: z.uuid("No such order.") });

/** Ships an order: its allocated stock leaves the shelf. The same lib call as the admin API. */
export const fulfilOrderAction = shopperAction({ ...adminForm, schema: fulfilSchema }, async ({ orderId }, admin) => {
  await fulfilOrder(orderId, admin.id);
  revalidatePath("/admin", "layout");
  return { ok: true, message: "Fulfilled." };
});

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
  await cancelOrderWithFailedPayment(orderId, admin.id, reason);
  revalidatePath("/admin", "layout");
  return { ok: true, message: "Cancelled. Its units are back on sale." };
});
