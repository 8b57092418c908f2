"use client";

import Link from "next/link";
import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { ButtonLink } from "../ui/button";
import { Field } from "../ui/field";
import { FormMessage } from "../ui/form-message";
import { SubmitButton } from "../ui/submit-button";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/** The new password, with the same rules as signing up; the link's token goes along hidden. */
export function ResetPasswordForm({ action, token, email }: { action: Action; token: string; email: string }) {
  const [state, formAction, pending] = useActionState(action, null);
  if (state?.ok) {
    return (
      <div className="stack">
        <FormMessage state={state} />
        <div>
          <ButtonLink href="/signin">Sign in</ButtonLink>
        </div>
      </div>
    );
  }
  return (
    <form action={formAction} className="form">
      <input type="hidden" name="token" value={token} />
      <p>
        Choose a new password for <strong>{email}</strong>.
      </p>
      <Field
        label="New password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        hint="At least 8 characters."
        errors={state?.fieldErrors?.password}
      />
      {state && !state.ok && !state.fieldErrors ? <FormMessage state={state} /> : null}
      {state && !state.ok && state.code === "invalid_request" && !state.fieldErrors ? (
        <p className="small">
          <Link href="/account/forgot">Ask for a new link</Link>
        </p>
      ) : null}
      <SubmitButton size="lg" className="btn-block" pending={pending}>
        Set new password
      </SubmitButton>
    </form>
  );
}
