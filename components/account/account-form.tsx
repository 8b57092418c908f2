"use client";

import Link from "next/link";
import { useActionState } from "react";
import type { FormAction } from "@/lib/platform/action-state";
import { Field } from "../ui/field";
import { FormMessage } from "../ui/form-message";
import { SubmitButton } from "../ui/submit-button";

/** What differs between signing in and signing up: the rest of the form is one. */
const modes = {
  "sign-in": {
    submit: "Sign in",
    passwordAutoComplete: "current-password",
    other: { path: "/signup", ask: "New here?", link: "Create an account", after: ". Anything in your cart comes with you." },
  },
  "sign-up": {
    submit: "Create account",
    passwordAutoComplete: "new-password",
    other: { path: "/signin", ask: "Already have an account?", link: "Sign in", after: "." },
  },
} as const;

/**
 * The sign-in and sign-up form: email and password (and a name when signing up), their errors, the pending
 * button, and a link to the other form that keeps `callbackUrl`, so either way ends where the shopper was going.
 */
export function AccountForm({ mode, action, callbackUrl }: { mode: keyof typeof modes; action: FormAction; callbackUrl: string }) {
  const [state, formAction, pending] = useActionState(action, null);
  const { submit, passwordAutoComplete, other } = modes[mode];
  const signingUp = mode === "sign-up";
  const otherHref = callbackUrl === "/" ? other.path : `${other.path}?callbackUrl=${encodeURIComponent(callbackUrl)}`;
  return (
    <form action={formAction} className="form">
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      {signingUp ? (
        <Field
          label="Name"
          name="name"
          autoComplete="name"
          defaultValue={state?.values?.name ?? ""}
          errors={state?.fieldErrors?.name}
        />
      ) : null}
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
        autoComplete={passwordAutoComplete}
        required
        minLength={signingUp ? 8 : undefined}
        hint={signingUp ? "At least 8 characters." : undefined}
        errors={state?.fieldErrors?.password}
      />
      {signingUp ? null : (
        <p className="small forgot-password">
          <Link href="/account/forgot">Forgot password?</Link>
        </p>
      )}
      {state && !state.ok && !state.fieldErrors ? <FormMessage state={state} /> : null}
      <SubmitButton size="lg" className="btn-block" pending={pending}>
        {submit}
      </SubmitButton>
      <p className="muted small">
        {other.ask} <Link href={otherHref}>{other.link}</Link>
        {other.after}
      </p>
    </form>
  );
}
