"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { Field } from "../ui/field";
import { FormMessage } from "../ui/form-message";
import { SubmitButton } from "../ui/submit-button";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/** Find an order placed as a guest: the email it was placed with and its number (from the confirmation). */
export function OrderLookupForm({ action }: { action: Action }) {
  const [state, formAction, pending] = useActionState(action, null);
  return (
    <form action={formAction} className="card stack order-lookup" aria-labelledby="order-lookup-title" noValidate>
      <h2 id="order-lookup-title">Find an order</h2>
      <p className="muted small">Checked out as a guest? Enter the email you used and the order number from your confirmation.</p>
      <Field
        label="Email"
        name="email"
        id="lookup-email"
        type="email"
        autoComplete="email"
        required
        defaultValue={state?.values?.email}
        errors={state?.fieldErrors?.email}
      />
      <Field
        label="Order number"
        name="orderNumber"
        id="lookup-order-number"
        type="text"
        autoComplete="off"
        placeholder="#3f2a9c1d"
        required
        hint="8 characters, shown as #… on your confirmation."
        defaultValue={state?.values?.orderNumber}
        errors={state?.fieldErrors?.orderNumber}
      />
      <div>
        <SubmitButton pending={pending}>Find order</SubmitButton>
      </div>
      <FormMessage state={state} />
    </form>
  );
}
