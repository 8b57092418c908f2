"use client";

import Link from "next/link";
import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { ButtonLink } from "../ui/button";
import { FormMessage } from "../ui/form-message";
import { SubmitButton } from "../ui/submit-button";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/**
 * "Confirm my email": the link's token goes back in a POST, so opening the link (or a mail scanner fetching
 * it) changes nothing by itself.
 */
export function VerifyEmailForm({ action, token, email }: { action: Action; token: string; email: string }) {
  const [state, formAction, pending] = useActionState(action, null);
  if (state?.ok) {
    return (
      <div className="stack">
        <FormMessage state={state} />
        <div>
          <ButtonLink href="/orders">See your orders</ButtonLink>
        </div>
      </div>
    );
  }
  return (
    <form action={formAction} className="form">
      <input type="hidden" name="token" value={token} />
      <p>
        Confirm that <strong>{email}</strong> is yours. Orders placed as a guest with this address then join your
        account.
      </p>
      {state && !state.ok ? <FormMessage state={state} /> : null}
      {state && !state.ok ? (
        <p className="muted small">
          <Link href="/signin?callbackUrl=/orders">Sign in</Link> and choose “Send the link again” on your orders page
          for a new link.
        </p>
      ) : null}
      <SubmitButton size="lg" className="btn-block" pending={pending}>
        Confirm my email
      </SubmitButton>
    </form>
  );
}
