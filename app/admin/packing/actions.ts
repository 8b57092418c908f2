"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { shopperAction } from "@/lib/platform/action-state";
import { adminForm } from "@/lib/admin/access";
import { fulfilOrder } from "@/lib/orders";

const fulfilHereForm = z.object({ orderId: z.uuid(), locationId: z.uuid() });

/**
 * Ships the units of an order allocated at the location being packed (the same lib call as the admin API), then
 * shows the packing list again saying so: the order leaves the list once nothing is left to ship from there.
 */
export const fulfilFromHereAction = shopperAction(
  {
    ...adminForm,
    schema: fulfilHereForm,
    hidden: { orderId: "This order is not known: reload the page.", locationId: "This location is not known: reload the page." },
  },
  async ({ orderId, locationId }, admin) => {
    await fulfilOrder(orderId, admin.id, { locationId });
    revalidatePath("/admin", "layout");
    revalidatePath(`/orders/${orderId}`);
    redirect(`/admin/packing?location=${locationId}&shipped=${orderId}`);
  },
);
