"use client";

import Link from "next/link";
import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { Field } from "../ui/field";
import { FormMessage } from "../ui/form-message";
import { SubmitButton } from "../ui/submit-button";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/** "Forgot password": the address to mail a link to. The answer is the same whether or not it has an account. */
export function ForgotPasswordForm({ action }: { action: Action }) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="form">
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        defaultValue={state?.values?.email ?? ""}
        errors={state?.fieldErrors?.email}
      />
      {state && !state.fieldErrors ? <FormMessage state={state} /> : null}
      <SubmitButton size="lg" className="btn-block" pending={pending}>
        Send me a link
      </SubmitButton>
      <p className="muted small">
        Remembered it? <Link href="/signin">Sign in</Link>.
      </p>
    </form>
  );
}
