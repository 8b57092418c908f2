"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { FormMessage } from "../ui/form-message";
import { SubmitButton } from "../ui/submit-button";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/** "Send the link again": a new verification email for the signed-in account (once a minute at most). */
export function ResendVerificationForm({ action }: { action: Action }) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="resend-verification">
      <SubmitButton variant="secondary" size="sm" pending={pending}>
        Send the link again
      </SubmitButton>
      <FormMessage state={state} />
    </form>
  );
}
