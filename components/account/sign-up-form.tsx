"use client";

import Link from "next/link";
import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { Field } from "../ui/field";
import { FormMessage } from "../ui/form-message";
import { SubmitButton } from "../ui/submit-button";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

export function SignUpForm({ action, callbackUrl }: { action: Action; callbackUrl: string }) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="form">
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <Field
        label="Name"
        name="name"
        autoComplete="name"
        defaultValue={state?.values?.name ?? ""}
        errors={state?.fieldErrors?.name}
      />
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        defaultValue={state?.values?.email ?? ""}
        errors={state?.fieldErrors?.email}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        minLength={8}
        hint="At least 8 characters."
        errors={state?.fieldErrors?.password}
      />
      {state && !state.ok && !state.fieldErrors ? <FormMessage state={state} /> : null}
      <SubmitButton size="lg" className="btn-block" pending={pending}>
        Create account
      </SubmitButton>
      <p className="muted small">
        Already have an account?{" "}
        <Link href={callbackUrl === "/" ? "/signin" : `/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`}>
          Sign in
        </Link>
        .
      </p>
    </form>
  );
}
