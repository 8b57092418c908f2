"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { FormState } from "@/lib/action-state";
import { runAdminForm } from "@/lib/admin";
import { fulfilOrder } from "@/lib/orders";

const fulfilSchema = z.object({ orderId: z.uuid("No such order.") });

/** Ships an order: its allocated stock leaves the shelf. The same lib call as the admin API. */
export async function fulfilOrderAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  return runAdminForm(fulfilSchema, formData, async ({ orderId }, admin) => {
    await fulfilOrder(orderId, admin.id);
    revalidatePath("/admin", "layout");
    return "Fulfilled.";
  });
}
