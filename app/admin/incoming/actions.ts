"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { MAX_UNITS, adminForm } from "@/lib/admin/access";
import { shopPagesChanged } from "@/lib/catalog/page-cache";
import { updateVariant } from "@/lib/catalog/products";
import { shipDayInWords } from "@/lib/catalog/ship-date";
import { cancelDelivery, receiveIncoming, recordIncoming } from "@/lib/inventory";
import { shopperAction } from "@/lib/platform/action-state";
import { DomainError } from "@/lib/platform/errors";

const emptyAsUndefined = (value: unknown) => (typeof value === "string" && value.trim() === "" ? undefined : value);

/** A whole number of units typed into a form (an empty field is an error, not zero). */
const units = z
  .string()
  .trim()
  .regex(/^\d+$/, "Enter a whole number of units.")
  .transform(Number)
  .pipe(z.number().min(1, "Enter at least 1.").max(MAX_UNITS, `Enter at most ${MAX_UNITS}.`));

/** The day a date field sends (YYYY-MM-DD); whether it is past is the database's to say (its clock). */
const expectedDay = z
  .string()
  .trim()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Choose the day it is expected.")
  .refine((day) => new Date(`${day}T00:00:00Z`).toISOString().startsWith(day), "Choose a real day.");

const productId = z.uuid("No such product.");
const stale = { productId: "This product is not known: reload the page.", deliveryId: "This delivery is not known: reload the page." };

/** The admin pages (levels, ledger) and the shop's pages (the pre-order's ship day) read what changed. */
function deliveriesChanged() {
  revalidatePath("/admin", "layout");
  shopPagesChanged();
}

const recordForm = z.object({
  productId,
  variantId: z.uuid("Choose a variant."),
  /** Empty: the first active location by priority. */
  locationId: z.preprocess(emptyAsUndefined, z.uuid("Choose a location.").optional()),
  quantity: units,
  expectedAt: expectedDay,
});

/** Records units on their way to a variant at a location: the same lib call as `POST …/incoming`. */
export const recordDeliveryAction = shopperAction({ ...adminForm, schema: recordForm, hidden: stale }, async (input, admin) => {
  const delivery = await recordIncoming({ ...input, actorId: admin.id }).catch((error: unknown) => {
    // The API names its field (expectedAt); the form says it beside the day it was given.
    if (error instanceof DomainError && error.code === "invalid_request" && error.details.field === "expectedAt") {
      throw new DomainError("invalid_request", "Please check the highlighted fields.", {
        issues: [{ path: ["expectedAt"], message: "That day is past: choose today or a later day." }],
      });
    }
    throw error;
  });
  deliveriesChanged();
  return { ok: true, message: `Recorded ${delivery.quantity} on the way, expected ${shipDayInWords(delivery.expectedAt)}.` };
});

const receiveForm = z.object({
  productId,
  variantId: z.uuid("Choose a variant."),
  locationId: z.preprocess(emptyAsUndefined, z.uuid("Choose a location.").optional()),
  quantity: units,
});

/**
 * Receives units on their way: they leave the open deliveries (oldest expected first) for the shelf, and the
 * pre-orders stay allocated. The same lib call as `POST …/receive`; more than is on its way is refused.
 */
export const receiveDeliveryAction = shopperAction({ ...adminForm, schema: receiveForm, hidden: stale }, async (input, admin) => {
  const touched = await receiveIncoming({ ...input, actorId: admin.id });
  deliveriesChanged();
  const closed = touched.filter((d) => d.status === "received").length;
  return {
    ok: true,
    message: `Received ${input.quantity} onto the shelf${closed > 0 ? ` (${closed} ${closed === 1 ? "delivery" : "deliveries"} complete)` : ""}.`,
  };
});

const cancelForm = z.object({ productId, deliveryId: z.uuid("No such delivery.") });

/** Cancels a delivery that has not come; refused while pre-orders wait for it (the message says how many). */
export const cancelDeliveryAction = shopperAction({ ...adminForm, schema: cancelForm, hidden: stale }, async (input, admin) => {
  const delivery = await cancelDelivery({ ...input, actorId: admin.id });
  deliveriesChanged();
  return { ok: true, message: `Cancelled the delivery expected ${shipDayInWords(delivery.expectedAt)}.` };
});

const preorderForm = z.object({
  productId,
  variantId: z.uuid("No such variant."),
  preorder: z.enum(["true", "false"], "Choose take or stop pre-orders."),
});

/**
 * Starts or stops taking pre-orders on a variant (the same lib call as PATCH …/variants/{id} `preorder`). Stopping
 * leaves the pre-orders already taken waiting for their deliveries.
 */
export const setPreorderAction = shopperAction({ ...adminForm, schema: preorderForm, hidden: stale }, async (input) => {
  const variant = await updateVariant(input.productId, input.variantId, { preorder: input.preorder === "true" });
  deliveriesChanged();
  return {
    ok: true,
    message: variant.preorder
      ? `${variant.sku} takes pre-orders once its shelves are empty.`
      : `${variant.sku} no longer takes pre-orders; those already taken still wait for their deliveries.`,
  };
});
