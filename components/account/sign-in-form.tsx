"use client";

import Link from "next/link";
import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { Field } from "../ui/field";
import { FormMessage } from "../ui/form-message";
import { SubmitButton } from "../ui/submit-button";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

export function SignInForm({ action, callbackUrl }: { action: Action; callbackUrl: string }) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="form">
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
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
        autoComplete="current-password"
        required
        errors={state?.fieldErrors?.password}
      />
      <p className="small forgot-password">
        <Link href="/account/forgot">Forgot password?</Link>
      </p>
      {state && !state.ok && !state.fieldErrors ? <FormMessage state={state} /> : null}
      <SubmitButton size="lg" className="btn-block" pending={pending}>
        Sign in
      </SubmitButton>
      <p className="muted small">
        New here?{" "}
        <Link href={callbackUrl === "/" ? "/signup" : `/signup?callbackUrl=${encodeURIComponent(callbackUrl)}`}>
          Create an account
        </Link>
        . Anything in your cart comes with you.
      </p>
    </form>
  );
}
