"use server";
/** Sign-in and sign-out with Auth.js (Credentials). Signing in brings the guest's cart along (lib/accounts/guest-cookie.ts). */
import { AuthError } from "next-auth";
import { shopperAction } from "@/lib/platform/action-state";
import { signIn, SignInRateLimited, signOut } from "@/lib/accounts/auth";
import { safeCallbackPath, signInSchema } from "@/lib/store-schemas";

/** Signs in with email and password, then goes to `callbackUrl` (a path on this site) or home. */
export const signInAction = shopperAction(
  { schema: signInSchema, keep: ["email"] },
  async ({ email, password }, _nobody, { fields, values }) => {
    try {
      // Auth.js signals success with a redirect, which the wrapper passes on.
      await signIn("credentials", { email, password, redirectTo: safeCallbackPath(fields.callbackUrl) });
    } catch (error) {
      if (error instanceof SignInRateLimited) {
        return { ok: false, message: "Too many sign-in attempts. Please wait a minute and try again.", values };
      }
      if (error instanceof AuthError) {
        return { ok: false, message: "That email and password do not match an account.", values };
      }
      throw error;
    }
    return { ok: true };
  },
);

export async function signOutAction(): Promise<void> {
  await signOut({ redirectTo: "/" });
}
