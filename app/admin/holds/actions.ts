"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { FormState } from "@/lib/platform/action-state";
import { runAdminForm } from "@/lib/admin/access";
import { releaseReservation } from "@/lib/checkout";

const releaseSchema = z.object({ reservationId: z.uuid("No such hold.") });

/** Releases a hold at once (its whole checkout ends); the same lib call as the admin API. */
export async function releaseHoldAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  return runAdminForm(releaseSchema, formData, async ({ reservationId }, admin) => {
    const checkout = await releaseReservation(reservationId, admin.id);
    revalidatePath("/admin", "layout");
    return checkout.status === "completed" ? "That hold was already paid for." : "Released.";
  });
}
