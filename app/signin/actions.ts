"use server";
/** Sign-in and sign-out with Auth.js (Credentials). Signing in brings the guest's cart along (lib/accounts/guest-cookie.ts). */
import { AuthError } from "next-auth";
import { fieldErrorsOf, formStateOf, type FormState } from "@/lib/platform/action-state";
import { signIn, SignInRateLimited, signOut } from "@/lib/accounts/auth";
import { formFields, safeCallbackPath, signInSchema } from "@/lib/store-schemas";

/** Signs in with email and password, then goes to `callbackUrl` (a path on this site) or home. */
export async function signInAction(_previous: FormState | null, formData: FormData): Promise<FormState> {
  const fields = formFields(formData);
  const values = { email: fields.email ?? "" };
  const parsed = signInSchema.safeParse(fields);
  if (!parsed.success) return fieldErrorsOf(parsed.error, values);
  try {
    await signIn("credentials", {
      email: parsed.data.email,
      password: parsed.data.password,
      redirectTo: safeCallbackPath(fields.callbackUrl),
    });
    return { ok: true };
  } catch (error) {
    if (error instanceof SignInRateLimited) {
      return { ok: false, message: "Too many sign-in attempts. Please wait a minute and try again.", values };
    }
    if (error instanceof AuthError) {
      return { ok: false, message: "That email and password do not match an account.", values };
    }
    // Auth.js signals success with a redirect, which formStateOf passes on.
    return formStateOf(error, { values });
  }
}

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/" });
}
