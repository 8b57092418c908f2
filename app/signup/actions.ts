"use server";
/**
 * Creating an account (and mailing the link that proves its email), then signing straight in, which brings the
 * guest's cart along. Guest orders placed with the address join only once the link is opened.
 */
import { AuthError } from "next-auth";
import { shopperAction } from "@/lib/platform/action-state";
import { signIn } from "@/lib/accounts/auth";
import { signUp } from "@/lib/accounts";
import { safeCallbackPath, signUpSchema } from "@/lib/store-schemas";

export const signUpAction = shopperAction(
  { schema: signUpSchema, keep: ["email", "name"] },
  async ({ email, password, name }, _nobody, { fields, values }) => {
    await signUp({ email, password, name: name ?? null });
    try {
      // Auth.js signals success with a redirect, which the wrapper passes on.
      await signIn("credentials", { email, password, redirectTo: safeCallbackPath(fields.callbackUrl) });
    } catch (error) {
      if (error instanceof AuthError) {
        return { ok: false, message: "Your account was created, but signing in failed. Please sign in.", values };
      }
      throw error;
    }
    return { ok: true };
  },
);
