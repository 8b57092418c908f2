"use client";

// The pure entry, as the card field: Stripe.js is injected only when this runs.
import { loadStripe } from "@stripe/stripe-js/pure";
import { useEffect, useRef, useState } from "react";
import { Button } from "../ui/button";

/**
 * The shopper's part of a 3-D Secure payment: Stripe.js `handleNextAction` shows the bank's check over the page,
 * and once it closes (passed, failed or dismissed) `onAnswered` has the shop ask Stripe what the bank said: the
 * browser's word is never taken for the outcome. Runs once per client secret; a check that was dismissed can be
 * opened again.
 */
export function StripeNextAction({
  publishableKey,
  clientSecret,
  confirming,
  onAnswered,
}: {
  publishableKey: string;
  clientSecret: string;
  /** The shop is asking Stripe (the confirm action is running). */
  confirming: boolean;
  onAnswered: () => void;
}) {
  const [attempt, setAttempt] = useState(0);
  const [phase, setPhase] = useState<"checking" | "answered" | "unavailable">("checking");
  // A run per secret and attempt, whatever re-renders (or React's development double effects) happen meanwhile.
  const started = useRef(new Set<string>());
  const answered = useRef(onAnswered);
  useEffect(() => {
    answered.current = onAnswered;
  }, [onAnswered]);

  useEffect(() => {
    const run = `${clientSecret}#${attempt}`;
    if (started.current.has(run)) return;
    started.current.add(run);
    void (async () => {
      setPhase("checking");
      const stripe = await loadStripe(publishableKey).catch(() => null);
      if (!stripe) {
        setPhase("unavailable");
        return;
      }
      // Its result is only a cue: an error (a failed or dismissed check) is read from Stripe by the shop too.
      await stripe.handleNextAction({ clientSecret }).catch(() => null);
      setPhase("answered");
      answered.current();
    })();
  }, [clientSecret, attempt, publishableKey]);

  if (phase === "unavailable") {
    return <p className="small">Your bank’s check could not be loaded. Check your connection and reload the page.</p>;
  }
  if (phase === "checking" || confirming) return null;
  // Still waiting after the check closed: the shopper dismissed it, or the bank has not answered yet.
  return (
    <Button variant="primary" onClick={() => setAttempt((n) => n + 1)}>
      Confirm with your bank
    </Button>
  );
}
