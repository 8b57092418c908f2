"use server";
/** "Forgot password": one answer for every address, so the form tells no one who has an account. */
import { headers } from "next/headers";
import { shopperAction } from "@/lib/platform/action-state";
import { RESET_REQUESTED_MESSAGE, requestPasswordReset } from "@/lib/accounts";
import { clientAddress } from "@/lib/platform/http";
import { passwordResetRequestSchema } from "@/lib/store-schemas";

export const requestPasswordResetAction = shopperAction(
  { schema: passwordResetRequestSchema, keep: ["email"] },
  async ({ email }, _nobody, { values }) => {
    const ip = clientAddress(await headers());
    await requestPasswordReset({ email, ip });
    return { ok: true, message: RESET_REQUESTED_MESSAGE, values };
  },
);
