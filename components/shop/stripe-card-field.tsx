"use client";

import { CardElement, Elements, useElements, useStripe } from "@stripe/react-stripe-js";
// The pure entry: the main one injects Stripe.js as soon as it is imported, on every page that bundles it.
import { loadStripe } from "@stripe/stripe-js/pure";
import { useEffect, useId, useRef, useState } from "react";

/**
 * The card field when the shop takes payments with Stripe: Stripe Elements' card input (an iframe from
 * js.stripe.com, so card numbers never touch the shop). When its form is submitted, a PaymentMethod is made
 * first and its `pm_…` id put in the hidden `paymentMethod` field; then the form is submitted for real.
 */
export function StripeCardField({ publishableKey, errors }: { publishableKey: string; errors?: string[] }) {
  // Loaded once per page: Stripe.js comes from js.stripe.com (allowed by the CSP when Stripe is on). A failure
  // (offline, blocked) becomes null and a message, not an unhandled error.
  const [stripe] = useState(() => loadStripe(publishableKey).catch(() => null));
  const [unavailable, setUnavailable] = useState(false);
  useEffect(() => {
    void stripe.then((loaded) => setUnavailable(loaded === null));
  }, [stripe]);
  return (
    <Elements stripe={stripe}>
      <CardInput errors={errors} unavailable={unavailable} />
    </Elements>
  );
}

const UNAVAILABLE = "The secure card form could not be loaded. Check your connection and reload the page.";

function CardInput({ errors, unavailable }: { errors?: string[]; unavailable: boolean }) {
  const stripe = useStripe();
  const elements = useElements();
  const hidden = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const labelId = useId();
  const errorId = useId();

  useEffect(() => {
    const form = hidden.current?.form;
    if (!form) return;
    async function beforeSubmit(event: SubmitEvent) {
      const field = hidden.current;
      if (!field || field.value) return; // the PaymentMethod is made: let the form's action run
      event.preventDefault();
      const card = elements?.getElement(CardElement);
      if (!stripe || !card) {
        setProblem(unavailable ? UNAVAILABLE : "The secure card form is still loading. Try again in a moment.");
        return;
      }
      const result = await stripe.createPaymentMethod({ type: "card", card });
      if (result.error) {
        setProblem(result.error.message ?? "Check your card details.");
        return;
      }
      setProblem(null);
      field.value = result.paymentMethod.id;
      // In a task of its own: an answer that came at once would otherwise land while the first submit event is
      // still being dispatched, and the browser ignores a submit requested then.
      setTimeout(() => form!.requestSubmit(), 0);
    }
    const listener = (event: Event) => void beforeSubmit(event as SubmitEvent);
    form.addEventListener("submit", listener);
    return () => form.removeEventListener("submit", listener);
  }, [stripe, elements, unavailable]);

  const shown = problem ? [problem] : (errors ?? []);
  return (
    <div className={["field", shown.length ? "field-invalid" : ""].filter(Boolean).join(" ")}>
      <span id={labelId} className="field-label">
        Card
      </span>
      <div className="input stripe-card" role="group" aria-labelledby={labelId} aria-describedby={shown.length ? errorId : undefined}>
        <CardElement
          options={{ hidePostalCode: true, style: { base: { fontSize: "16px" } } }}
          // Another card typed after a refusal: a new PaymentMethod is made at the next submit.
          onChange={() => {
            if (hidden.current) hidden.current.value = "";
          }}
        />
      </div>
      <input ref={hidden} type="hidden" name="paymentMethod" defaultValue="" />
      {stripe || problem ? null : <p className="field-hint">{unavailable ? UNAVAILABLE : "Loading the secure card form…"}</p>}
      {shown.length ? (
        <p id={errorId} className="field-error" role="alert">
          {shown.join(" ")}
        </p>
      ) : null}
    </div>
  );
}
