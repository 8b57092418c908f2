"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useActionState, useEffect, useRef, useState, type FormEvent } from "react";
import type { FormState } from "@/lib/action-state";
import type { CheckoutView } from "@/lib/checkout";
import { clockOffsetMs, countdown, formatClock, formatWords, phaseOf, type CountdownPhase } from "@/lib/countdown";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Card } from "../ui/card";
import { Field } from "../ui/field";
import { FormMessage } from "../ui/form-message";
import { formatMoney } from "../ui/money";
import { SubmitButton } from "../ui/submit-button";
import { useClientClock } from "./use-client-clock";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/** A checkout as last read from the server, with the clock offset measured when it arrived. */
interface Snapshot {
  checkout: CheckoutView;
  /** serverTime − client clock at receipt; null until the browser has read one answer itself. */
  offsetMs: number | null;
}

const POLL_MS = 4_000;
const ACTIVITY_DEBOUNCE_MS = 800;
const ACTIVITY_MAX_WAIT_MS = 5_000;

export const checkoutQueryKey = (id: string) => ["checkout", id] as const;

async function readCheckout(response: Response): Promise<Snapshot> {
  const receivedAt = Date.now();
  const body = (await response.json()) as { checkout?: CheckoutView; error?: { message?: string } };
  if (!response.ok || !body.checkout) throw new Error(body.error?.message ?? "The checkout could not be loaded.");
  return { checkout: body.checkout, offsetMs: clockOffsetMs(body.checkout.serverTime, receivedAt) };
}

async function fetchCheckout(id: string): Promise<Snapshot> {
  const response = await fetch(`/api/checkout/${encodeURIComponent(id)}`, {
    cache: "no-store",
    headers: { accept: "application/json" },
  });
  return readCheckout(response);
}

const endedText: Record<Exclude<CheckoutView["status"], "active">, string> = {
  completed: "It has been paid.",
  cancelled: "It was cancelled and the items were released.",
  failed: "The payment was declined and the items were released.",
  expired: "Time ran out and the items were released.",
};

/** The status a shopper should see: an active hold whose time is up has ended, whatever the last poll said. */
function effectiveStatus(checkout: CheckoutView, phase: CountdownPhase): CheckoutView["status"] {
  return checkout.status === "active" && phase === "expired" ? "expired" : checkout.status;
}

/** Time left on the hold: from the browser's clock corrected by the offset, or from the server's own times. */
function remainingOf({ checkout, offsetMs }: Snapshot, clientNow: number | null): number {
  if (clientNow === null || offsetMs === null) {
    return Math.max(0, Date.parse(checkout.expiresAt) - Date.parse(checkout.serverTime));
  }
  return countdown(checkout.expiresAt, offsetMs, clientNow).remainingMs;
}

function CountdownTimer({ remaining, phase }: { remaining: number; phase: CountdownPhase }) {
  return (
    <div className={`timer timer-${phase}`}>
      <div>
        <div className="small">{phase === "expired" ? "Your hold has ended" : "Your items are held for"}</div>
        <div className="visually-hidden">{formatWords(remaining)}</div>
      </div>
      <div role="timer" aria-label="Time left to complete checkout" className="timer-clock">
        {formatClock(remaining)}
      </div>
    </div>
  );
}

export function CheckoutSession({
  initial,
  idempotencyKey,
  payAction,
  cancelAction,
  restartAction,
}: {
  initial: CheckoutView;
  /** Made when the page rendered: every submit of this form is the same payment attempt. */
  idempotencyKey: string;
  payAction: Action;
  cancelAction: Action;
  restartAction: Action;
}) {
  const queryClient = useQueryClient();
  const queryKey = checkoutQueryKey(initial.id);
  const { data } = useQuery({
    queryKey,
    queryFn: () => fetchCheckout(initial.id),
    initialData: { checkout: initial, offsetMs: null } satisfies Snapshot,
    // Stale at once, so the browser reads the checkout itself on mount and learns its clock offset.
    initialDataUpdatedAt: 0,
    refetchInterval: (query) => (query.state.data?.checkout.status === "active" ? POLL_MS : false),
    refetchIntervalInBackground: false,
  });
  const snapshot: Snapshot = data;
  const { checkout } = snapshot;
  const clientNow = useClientClock();

  const status = effectiveStatus(checkout, phaseOf(remainingOf(snapshot, clientNow)));
  const ended = status !== "active";
  const remaining = ended ? 0 : remainingOf(snapshot, clientNow);
  const phase = phaseOf(remaining);

  const [payState, payFormAction, paying] = useActionState(payAction, null);
  const [cancelState, cancelFormAction, cancelling] = useActionState(cancelAction, null);
  const [restartState, restartFormAction, restarting] = useActionState(restartAction, null);
  const [saveNote, setSaveNote] = useState<string | null>(null);

  // When the time runs out, or a payment or cancel answered, read the checkout again at once.
  useEffect(() => {
    if (status === "expired" || payState || cancelState) {
      void queryClient.invalidateQueries({ queryKey: checkoutQueryKey(initial.id) });
    }
  }, [status, payState, cancelState, queryClient, initial.id]);

  // Typing in the form is activity: after a short pause (or every few seconds while typing on), the hold's
  // expiry slides out and the details are saved with the checkout.
  const formRef = useRef<HTMLFormElement>(null);
  const debounce = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const firstPending = useRef<number | null>(null);
  useEffect(() => () => clearTimeout(debounce.current), []);

  async function saveActivity() {
    firstPending.current = null;
    const form = formRef.current;
    if (!form) return;
    const fields = new FormData(form);
    const details: Record<string, string> = {};
    for (const name of ["email", "name", "address", "city", "postcode", "country"]) {
      const value = fields.get(name);
      if (typeof value !== "string" || value.trim() === "") continue;
      // A half-typed email would get the whole save refused; it is sent once it looks complete.
      if (name === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim())) continue;
      details[name] = value;
    }
    try {
      const response = await fetch(`/api/checkout/${encodeURIComponent(initial.id)}/activity`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(details),
      });
      if (response.ok) {
        queryClient.setQueryData(queryKey, await readCheckout(response));
        setSaveNote("Saved. Your items are held a little longer.");
      } else if (response.status === 400) {
        setSaveNote(null); // something the server refuses (e.g. an over-long field); the next keystroke tries again
      } else {
        await queryClient.invalidateQueries({ queryKey });
      }
    } catch {
      setSaveNote("Could not reach the shop to save your details. They will be sent when you pay.");
    }
  }

  function onDetailsInput(event: FormEvent<HTMLFormElement>) {
    const target = event.target as HTMLInputElement;
    if (ended || target.name === "cardNumber") return;
    const now = Date.now();
    firstPending.current ??= now;
    clearTimeout(debounce.current);
    const wait = Math.max(0, Math.min(ACTIVITY_DEBOUNCE_MS, firstPending.current + ACTIVITY_MAX_WAIT_MS - now));
    debounce.current = setTimeout(() => void saveActivity(), wait);
  }

  const declined = payState?.code === "payment_declined";
  const values = payState?.values ?? {};
  const detail = (name: string) => values[name] ?? checkout.details[name] ?? "";

  return (
    <div className="two-col">
      <div className="stack">
        <CountdownTimer remaining={remaining} phase={phase} />

        {!ended && phase === "warning" ? (
          <Alert tone="warning" title="Less than a minute left">
            Pay now, or keep filling in your details to keep your items held.
          </Alert>
        ) : null}

        {ended ? (
          <Alert
            tone={status === "completed" ? "success" : "danger"}
            title={declined ? "Payment declined" : "This checkout has ended"}
            action={
              status === "completed" ? (
                checkout.orderId ? (
                  <Link href={`/orders/${checkout.orderId}`}>View your order</Link>
                ) : null
              ) : (
                <form action={restartFormAction} className="row">
                  {checkout.email ? <input type="hidden" name="email" value={checkout.email} /> : null}
                  <SubmitButton variant="primary" pending={restarting}>
                    Start checkout again
                  </SubmitButton>
                  <Link href="/cart">Back to cart</Link>
                </form>
              )
            }
          >
            <p>
              {declined && payState?.message ? payState.message : endedText[status as keyof typeof endedText]}
              {status !== "completed" ? " Your cart is unchanged, so you can start again." : ""}
            </p>
            {restartState && !restartState.ok ? <FormMessage state={restartState} /> : null}
          </Alert>
        ) : null}

        <Card>
          <form
            ref={formRef}
            action={payFormAction}
            onInput={onDetailsInput}
            // Paying saves the details itself: a pending autosave would only race it.
            onSubmit={() => clearTimeout(debounce.current)}
            className="form"
          >
            <input type="hidden" name="checkoutId" value={checkout.id} />
            <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
            <fieldset disabled={ended}>
              <legend>Your details</legend>
              <div className="form-grid">
                <Field
                  className="span-2"
                  label="Email"
                  name="email"
                  type="email"
                  autoComplete="email"
                  required
                  defaultValue={detail("email") || checkout.email || ""}
                  errors={payState?.fieldErrors?.email}
                />
                <Field
                  className="span-2"
                  label="Full name"
                  name="name"
                  autoComplete="name"
                  required
                  defaultValue={detail("name")}
                  errors={payState?.fieldErrors?.name}
                />
                <Field
                  className="span-2"
                  label="Address"
                  name="address"
                  autoComplete="street-address"
                  required
                  defaultValue={detail("address")}
                  errors={payState?.fieldErrors?.address}
                />
                <Field label="City" name="city" autoComplete="address-level2" defaultValue={detail("city")} />
                <Field label="Postcode" name="postcode" autoComplete="postal-code" defaultValue={detail("postcode")} />
              </div>
            </fieldset>
            <fieldset disabled={ended}>
              <legend>Payment</legend>
              <Field
                label="Card number"
                name="cardNumber"
                inputMode="numeric"
                autoComplete="cc-number"
                placeholder="4242 4242 4242 4242"
                required
                hint="Test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined."
                errors={payState?.fieldErrors?.cardNumber}
              />
            </fieldset>
            <p className="muted small save-note" aria-live="polite">
              {ended ? "" : (saveNote ?? "")}
            </p>
            {payState && !payState.ok && !declined ? <FormMessage state={payState} /> : null}
            <SubmitButton size="lg" className="btn-block" pending={paying} disabled={ended}>
              Pay
            </SubmitButton>
          </form>
        </Card>
      </div>

      <Card className="summary" aria-label="Held items">
        <div className="row row-between">
          <h2 style={{ margin: 0 }}>Held for you</h2>
          <Badge tone={ended ? (status === "completed" ? "success" : "danger") : phase === "warning" ? "warning" : "info"}>
            {status === "active" ? "Held" : status}
          </Badge>
        </div>
        <ul className="line-list" style={{ marginTop: "1rem" }}>
          {checkout.lines.map((line) => (
            <li key={line.productId} className="line">
              <div>
                <span className="line-name">{line.name}</span>
                <div className="muted small">
                  {line.quantity} × {formatMoney(line.unitPriceCents)}
                </div>
              </div>
              <span className="price">{formatMoney(line.quantity * line.unitPriceCents)}</span>
            </li>
          ))}
        </ul>
        <div className="summary-row summary-total">
          <span>Total</span>
          <span className="price">{formatMoney(checkout.totalCents)}</span>
        </div>
        {!ended ? (
          <form action={cancelFormAction} className="stack" style={{ marginTop: "1rem" }}>
            <input type="hidden" name="checkoutId" value={checkout.id} />
            <SubmitButton variant="danger" className="btn-block" pending={cancelling}>
              Cancel checkout
            </SubmitButton>
            <p className="muted small">Cancelling puts the items back on the shelf at once. Your cart stays as it is.</p>
          </form>
        ) : null}
        {cancelState && !cancelState.ok ? <FormMessage state={cancelState} /> : null}
        {cancelState?.ok && status === "cancelled" ? <FormMessage state={cancelState} /> : null}
      </Card>
    </div>
  );
}
