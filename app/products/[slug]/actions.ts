"use server";

import { headers } from "next/headers";
import { fieldErrorsOf, formStateOf, type FormState } from "@/lib/platform/action-state";
import { requestBackInStockNotice } from "@/lib/catalog/back-in-stock";
import { clientAddress } from "@/lib/platform/http";
import { currentAccount } from "@/lib/accounts/identity";
import { formFields, notifyMeSchema, productSlugSchema } from "@/lib/store-schemas";

/** "Notify me when it's back": the same lib call as POST /api/products/{slug}/notify. */
export async function notifyMeAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  const fields = formFields(formData);
  const values = { email: fields.email ?? "" };
  const slug = productSlugSchema.safeParse(fields.slug);
  if (!slug.success) return { ok: false, message: "No such product.", values };
  const parsed = notifyMeSchema.safeParse(fields);
  if (!parsed.success) return fieldErrorsOf(parsed.error, values);
  try {
    const account = await currentAccount();
    const email = parsed.data.email ?? account?.email;
    if (!email) return { ok: false, message: "Please check the highlighted fields.", fieldErrors: { email: ["Enter your email address."] }, values };
    const ip = clientAddress(await headers());
    const notice = await requestBackInStockNotice({ slug: slug.data, email, shopperId: account?.id ?? null, ip });
    return {
      ok: true,
      message: notice.created
        ? `Thanks. We will email ${notice.email} once when it is back.`
        : `${notice.email} is already on the list; it keeps its place.`,
      values,
    };
  } catch (error) {
    return formStateOf(error, { values });
  }
}
