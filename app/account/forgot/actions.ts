"use server";
/** "Forgot password": one answer for every address, so the form tells no one who has an account. */
import { headers } from "next/headers";
import { fieldErrorsOf, formStateOf, type FormState } from "@/lib/platform/action-state";
import { RESET_REQUESTED_MESSAGE, requestPasswordReset } from "@/lib/accounts";
import { clientAddress } from "@/lib/platform/http";
import { formFields, passwordResetRequestSchema } from "@/lib/store-schemas";

export async function requestPasswordResetAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  const fields = formFields(formData);
  const values = { email: fields.email ?? "" };
  const parsed = passwordResetRequestSchema.safeParse(fields);
  if (!parsed.success) return fieldErrorsOf(parsed.error, values);
  try {
    const ip = clientAddress(await headers());
    await requestPasswordReset({ email: parsed.data.email, ip });
    return { ok: true, message: RESET_REQUESTED_MESSAGE, values };
  } catch (error) {
    return formStateOf(error, { values });
  }
}
