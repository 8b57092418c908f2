"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { shopperAction } from "@/lib/platform/action-state";
import { adminForm } from "@/lib/admin/access";
import { releaseReservation } from "@/lib/checkout";

const releaseSchema = z.object({ reservationId: z.uuid("No such hold.") });

/** Releases a hold at once (its whole checkout ends); the same lib call as the admin API. */
export const releaseHoldAction = shopperAction({ ...adminForm, schema: releaseSchema }, async ({ reservationId }, admin) => {
  const checkout = await releaseReservation(reservationId, admin.id);
  revalidatePath("/admin", "layout");
  return { ok: true, message: checkout.status === "completed" ? "That hold was already paid for." : "Released." };
});
