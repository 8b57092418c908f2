"use client";

import { useActionState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { FormState } from "@/lib/platform/action-state";
import { FormMessage } from "../ui/form-message";
import { shopperQuery } from "../shopper-nav";
import { SubmitButton } from "../ui/submit-button";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/**
 * "Notify me when it's back" on a sold-out product: one email when units come back, first come first served.
 * Prefilled with a signed-in shopper's email (the header's figures: the page itself is shared, so it cannot bring
 * it). Works without JavaScript (a plain form post to the action).
 */
export function NotifyMeForm({ action, slug, productName }: { action: Action; slug: string; productName: string }) {
  const [state, formAction, pending] = useActionState(action, null);
  const { data: shopper } = useQuery(shopperQuery);
  const errors = state?.fieldErrors?.email;
  const defaultEmail = state?.values?.email ?? shopper?.email ?? "";
  if (state?.ok) {
    return (
      <div className="notify-me">
        <FormMessage state={state} id="notify-me-message" />
      </div>
    );
  }
  return (
    <form action={formAction} className="notify-me stack" aria-labelledby="notify-me-title" noValidate>
      <input type="hidden" name="slug" value={slug} />
      <h2 id="notify-me-title" className="notify-me-title">
        Notify me when it&apos;s back
      </h2>
      <p className="muted small">We email you once when {productName} is back in stock. Nothing else.</p>
      <div className={errors ? "field field-invalid" : "field"}>
        <label htmlFor="notify-me-email" className="field-label">
          Email
        </label>
        <div className="notify-me-row">
          <input
            id="notify-me-email"
            name="email"
            type="email"
            autoComplete="email"
            required
            className="input"
            defaultValue={defaultEmail}
            key={defaultEmail}
            aria-invalid={errors ? true : undefined}
            aria-describedby={errors ? "notify-me-error" : undefined}
          />
          <SubmitButton pending={pending} variant="secondary">
            Notify me
          </SubmitButton>
        </div>
        {errors ? (
          <p id="notify-me-error" className="field-error">
            {errors.join(" ")}
          </p>
        ) : null}
      </div>
      <FormMessage state={state} id="notify-me-message" />
    </form>
  );
}
