"use server";
/** Setting a new password with the mailed link (the same password rules as signing up). */
import { shopperAction } from "@/lib/platform/action-state";
import { resetPassword } from "@/lib/accounts";
import { passwordResetSchema } from "@/lib/store-schemas";

export const resetPasswordAction = shopperAction({ schema: passwordResetSchema }, async (input) => {
  const { email } = await resetPassword(input);
  return { ok: true, message: `Your new password is set. Sign in as ${email} with it.` };
});
