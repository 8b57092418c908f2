"use server";
/** Setting a new password with the mailed link (the same password rules as signing up). */
import { fieldErrorsOf, formStateOf, type FormState } from "@/lib/platform/action-state";
import { resetPassword } from "@/lib/accounts";
import { formFields, passwordResetSchema } from "@/lib/store-schemas";

export async function resetPasswordAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  const parsed = passwordResetSchema.safeParse(formFields(formData));
  if (!parsed.success) return fieldErrorsOf(parsed.error);
  try {
    const { email } = await resetPassword(parsed.data);
    return { ok: true, message: `Your new password is set. Sign in as ${email} with it.` };
  } catch (error) {
    return formStateOf(error);
  }
}
