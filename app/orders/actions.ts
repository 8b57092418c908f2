"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { shopperAction } from "@/lib/platform/action-state";
import { lookupOrder, orderPath } from "@/lib/orders";
import { clientAddress } from "@/lib/platform/http";
import { orderLookupSchema } from "@/lib/store-schemas";

/** Guest order lookup (the same lib call as POST /api/orders/lookup); a match opens the order's page. */
export const lookupOrderAction = shopperAction(
  { schema: orderLookupSchema, keep: ["email", "orderNumber"] },
  async (input) => {
    const ip = clientAddress(await headers());
    const { orderId } = await lookupOrder({ ...input, ip });
    redirect(orderPath(orderId));
  },
);
