"use server";

import { headers } from "next/headers";
import { shopperAction } from "@/lib/platform/action-state";
import { requestBackInStockNotice } from "@/lib/catalog/back-in-stock";
import { clientAddress } from "@/lib/platform/http";
import { currentAccount } from "@/lib/accounts/identity";
import { notifyMeSchema, productSlugSchema } from "@/lib/store-schemas";

/** "Notify me when it's back": the same lib call as POST /api/products/{slug}/notify. */
export const notifyMeAction = shopperAction(
  {
    schema: notifyMeSchema.extend({ slug: productSlugSchema }),
    shopper: currentAccount,
    keep: ["email"],
    hidden: { slug: "No such product." },
  },
  async (input, account, { values }) => {
    // A signed-in shopper may leave the email out: their account's is used.
    const email = input.email ?? account?.email;
    if (!email) return { ok: false, message: "Please check the highlighted fields.", fieldErrors: { email: ["Enter your email address."] }, values };
    const ip = clientAddress(await headers());
    const notice = await requestBackInStockNotice({ slug: input.slug, email, shopperId: account?.id ?? null, ip });
    return {
      ok: true,
      message: notice.created
        ? `Thanks. We will email ${notice.email} once when it is back.`
        : `${notice.email} is already on the list; it keeps its place.`,
      values,
    };
  },
);
