"use server";
/** Confirming an account's email with the mailed link, and asking for a new link. */
import { shopperAction } from "@/lib/platform/action-state";
import { resendEmailVerification, verifyEmail } from "@/lib/accounts";
import { DomainError } from "@/lib/platform/errors";
import { currentAccount } from "@/lib/accounts/identity";
import { verifyEmailSchema } from "@/lib/store-schemas";

/**
 * The page's "Confirm my email" button: uses the link's token (a GET alone never does, so mail scanners can't).
 * Nothing is revalidated: the orders page is rendered fresh on every visit, and re-rendering this page would
 * replace the confirmation with "this link has been used".
 */
export const verifyEmailAction = shopperAction({ schema: verifyEmailSchema }, async ({ token }) => {
  const { email, claimedOrders } = await verifyEmail(token);
  const joined =
    claimedOrders === 0
      ? ""
      : ` ${claimedOrders} ${claimedOrders === 1 ? "order" : "orders"} you placed as a guest joined your account.`;
  return { ok: true, message: `${email} is confirmed as yours.${joined}` };
});

async function signedInAccount() {
  const account = await currentAccount();
  if (!account) throw new DomainError("unauthenticated", "Sign in to get a new link.");
  return account;
}

/** "Send the link again": a new verification email for the signed-in account, once a minute at most. */
export const resendVerificationAction = shopperAction({ requires: signedInAccount }, async (_input, account) => {
  const { email } = await resendEmailVerification(account.id);
  if (!email) return { ok: true, message: "Your email is already confirmed." };
  return { ok: true, message: `We've sent a new link to ${email}.` };
});
