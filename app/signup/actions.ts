"use server";
/**
 * Creating an account (and mailing the link that proves its email), then signing straight in, which brings the
 * guest's cart along. Guest orders placed with the address join only once the link is opened.
 */
import { AuthError } from "next-auth";
import { fieldErrorsOf, formStateOf, type FormState } from "@/lib/platform/action-state";
import { signIn } from "@/lib/accounts/auth";
import { signUp } from "@/lib/accounts";
import { formFields, safeCallbackPath, signUpSchema } from "@/lib/store-schemas";

export async function signUpAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  const fields = formFields(formData);
  const values = { email: fields.email ?? "", name: fields.name ?? "" };
  const parsed = signUpSchema.safeParse(fields);
  if (!parsed.success) return fieldErrorsOf(parsed.error, values);
  try {
    await signUp({ email: parsed.data.email, password: parsed.data.password, name: parsed.data.name ?? null });
    await signIn("credentials", {
      email: parsed.data.email,
      password: parsed.data.password,
      redirectTo: safeCallbackPath(fields.callbackUrl),
    });
    return { ok: true };
  } catch (error) {
    if (error instanceof AuthError) {
      return { ok: false, message: "Your account was created, but signing in failed. Please sign in.", values };
    }
    return formStateOf(error, { values });
  }
}
