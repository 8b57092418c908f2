"use server";
/** Confirming an account's email with the mailed link, and asking for a new link. */
import { fieldErrorsOf, formStateOf, type FormState } from "@/lib/platform/action-state";
import { resendEmailVerification, verifyEmail } from "@/lib/accounts";
import { DomainError } from "@/lib/platform/errors";
import { currentAccount } from "@/lib/accounts/identity";
import { formFields, verifyEmailSchema } from "@/lib/store-schemas";

/**
 * The page's "Confirm my email" button: uses the link's token (a GET alone never does, so mail scanners can't).
 * Nothing is revalidated: the orders page is rendered fresh on every visit, and re-rendering this page would
 * replace the confirmation with "this link has been used".
 */
export async function verifyEmailAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  const parsed = verifyEmailSchema.safeParse(formFields(formData));
  if (!parsed.success) return fieldErrorsOf(parsed.error);
  try {
    const { email, claimedOrders } = await verifyEmail(parsed.data.token);
    const joined =
      claimedOrders === 0
        ? ""
        : ` ${claimedOrders} ${claimedOrders === 1 ? "order" : "orders"} you placed as a guest joined your account.`;
    return { ok: true, message: `${email} is confirmed as yours.${joined}` };
  } catch (error) {
    return formStateOf(error);
  }
}

/** "Send the link again": a new verification email for the signed-in account, once a minute at most. */
export async function resendVerificationAction(_previous: FormState | null, _formData: FormData): Promise<FormState> {
  try {
    const account = await currentAccount();
    if (!account) throw new DomainError("unauthenticated", "Sign in to get a new link.");
    const { email } = await resendEmailVerification(account.id);
    if (!email) return { ok: true, message: "Your email is already confirmed." };
    return { ok: true, message: `We've sent a new link to ${email}.` };
  } catch (error) {
    return formStateOf(error);
  }
}
