"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { fieldErrorsOf, formStateOf, type FormState } from "@/lib/platform/action-state";
import { lookupOrder } from "@/lib/orders";
import { clientAddress } from "@/lib/platform/http";
import { orderPath } from "@/lib/orders";
import { formFields, orderLookupSchema } from "@/lib/store-schemas";

/** Guest order lookup (the same lib call as POST /api/orders/lookup); a match opens the order's page. */
export async function lookupOrderAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  const fields = formFields(formData);
  const values = { email: fields.email ?? "", orderNumber: fields.orderNumber ?? "" };
  const parsed = orderLookupSchema.safeParse(fields);
  if (!parsed.success) return fieldErrorsOf(parsed.error, values);
  let orderId: string;
  try {
    const ip = clientAddress(await headers());
    ({ orderId } = await lookupOrder({ ...parsed.data, ip }));
  } catch (error) {
    return formStateOf(error, { values });
  }
  redirect(orderPath(orderId));
}
