"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import dynamic from "next/dynamic";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { startTransition, useActionState, useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import type { FormState } from "@/lib/platform/action-state";
import type { CheckoutView } from "@/lib/checkout";
import type { PaymentNextAction } from "@/lib/payments/provider";
import { COUNTRIES } from "@/lib/checkout/countries";
import { clockOffsetMs, countdown, formatClock, formatWords, phaseOf, type CountdownPhase } from "@/lib/checkout/countdown";
import { Alert } from "../ui/alert";
import { Badge } from "../ui/badge";
import { Card } from "../ui/card";
import { Field, SelectField } from "../ui/field";
import { FormMessage } from "../ui/form-message";
import { formatMoney } from "../ui/money";
import { SubmitButton } from "../ui/submit-button";
import { useClientClock } from "./use-client-clock";
import { lineName } from "./variant-choice";
import { KitLineContents } from "./kit-line-contents";

// Loaded only when the shop takes payments with Stripe.
const StripeCardField = dynamic(() => import("./stripe-card-field").then((m) => m.StripeCardField), { ssr: false });
// Loaded only when a Stripe payment waits for the shopper's bank (3-D Secure).
const StripeNextAction = dynamic(() => import("./stripe-next-action").then((m) => m.StripeNextAction), { ssr: false });

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/** A held line, or a line of a price change (which may not say its variant). */
type ShownLine = { productId: string; name: string; variantId?: string; options?: Record<string, string> };
/** One line per variant: two sizes of a product are two lines. */
const lineKey = (line: ShownLine) => line.variantId ?? line.productId;
/** "Trail Shirt — M". */
const shownName = (line: ShownLine) => lineName(line.name, line.options);

/** A checkout as last read from the server, with the clock offset measured when it arrived. */
interface Snapshot {
  checkout: CheckoutView;
  /** serverTime − client clock at receipt; null until the browser has read one answer itself. */
  offsetMs: number | null;
}

const POLL_MS = 4_000;
const PAYING_POLL_MS = 1_500;
const ACTIVITY_DEBOUNCE_MS = 800;
const ACTIVITY_MAX_WAIT_MS = 5_000;

export const checkoutQueryKey = (id: string) => ["checkout", id] as const;

/**
 * Whether this document has shown a checkout before. The first checkout it shows comes from the server for
 * this very load; any later mount may be the router's cached copy (Back and Forward reuse it), so it is not
 * trusted until the browser has read the checkout itself.
 */
let shownInThisDocument = false;

/** Ended for good: nothing the server says later can change these. */
const finalStatuses = new Set<CheckoutView["status"]>(["completed", "cancelled", "failed"]);

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

type EndedStatus = Exclude<CheckoutView["status"], "active" | "paying">;

/** What happened to an ended checkout, in its own words. */
function outcomeOf(checkout: CheckoutView, status: EndedStatus): { tone: "success" | "danger" | "warning"; title: string; text: string } {
  switch (status) {
    case "completed":
      return { tone: "success", title: "Paid — thank you", text: "Your payment went through and your order is confirmed." };
    case "cancelled":
      return checkout.endedBy === "shop"
        ? { tone: "warning", title: "Released by the shop", text: "The shop released this hold. Nothing was charged." }
        : { tone: "warning", title: "You cancelled this checkout", text: "The items went back on the shelf. Nothing was charged." };
    case "failed":
      return {
        tone: "danger",
        title: "Payment declined",
        text: `${checkout.payment?.message ?? "The payment could not be completed."} Nothing was charged and the items were released.`,
      };
    case "expired":
      return { tone: "warning", title: "Time ran out", text: "Your hold ended and the items went back on the shelf. Nothing was charged." };
  }
}

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
  confirmAction,
  cancelAction,
  restartAction,
  stripePublishableKey,
  initialNextAction,
  shipsGoods,
  kitContents = {},
  holdNote,
}: {
  initial: CheckoutView;
  /** Made when the page rendered: every submit of this form is the same payment attempt. */
  idempotencyKey: string;
  payAction: Action;
  /** Once the shopper's bank answered in the browser: the shop asks the provider and settles the payment. */
  confirmAction: Action;
  cancelAction: Action;
  restartAction: Action;
  /** Set when the shop takes payments with Stripe: the card field is Stripe Elements. */
  stripePublishableKey?: string;
  /** A payment already waiting for the shopper's bank when the page was drawn (a reload during 3-D Secure). */
  initialNextAction?: PaymentNextAction;
  /** The shop sends goods by post: the form asks where to (SHOP_SHIPS_GOODS). */
  shipsGoods: boolean;
  /** What each kit line holds, by its variant ("Contains 2 × Mug, 1 × Lamp"). */
  kitContents?: Record<string, string>;
  /** Said under the countdown: why this hold is shorter than usual (others wait in line for it). */
  holdNote?: string;
}) {
  const queryClient = useQueryClient();
  const queryKey = checkoutQueryKey(initial.id);
  // Since when this mount has been waiting for the browser's own read of the checkout: null when what it shows
  // came from the server for this load. A cached copy (Back, Forward, a page restored from the back/forward
  // cache) may show a finished checkout as still held, with a live Pay button: never show that as true.
  const [checkingSince, setCheckingSince] = useState<number | null>(() =>
    typeof window !== "undefined" && shownInThisDocument ? Date.now() : null,
  );
  const { data, dataUpdatedAt, errorUpdatedAt, refetch } = useQuery({
    queryKey,
    queryFn: () => fetchCheckout(initial.id),
    initialData: { checkout: initial, offsetMs: null } satisfies Snapshot,
    // Stale at once, so the browser reads the checkout itself on every mount and learns its clock offset.
    initialDataUpdatedAt: 0,
    staleTime: 0,
    refetchOnMount: "always",
    // While paying, look often: the page moves on by itself to the order or the decline.
    refetchInterval: (query) => {
      const current = query.state.data?.checkout.status;
      return current === "active" ? POLL_MS : current === "paying" ? PAYING_POLL_MS : false;
    },
    refetchIntervalInBackground: false,
  });
  const snapshot: Snapshot = data;
  const { checkout } = snapshot;
  const clientNow = useClientClock();

  useEffect(() => {
    shownInThisDocument = true;
    // A page restored from the browser's back/forward cache runs on from where it was left: read it again.
    const onPageShow = (event: PageTransitionEvent) => {
      if (!event.persisted) return;
      setCheckingSince(Date.now());
      void refetch();
    };
    window.addEventListener("pageshow", onPageShow);
    return () => window.removeEventListener("pageshow", onPageShow);
  }, [refetch]);
  const checking =
    checkingSince !== null &&
    dataUpdatedAt < checkingSince &&
    errorUpdatedAt < checkingSince &&
    !finalStatuses.has(checkout.status);
  const [payState, payFormAction, submitting] = useActionState(payAction, null);
  const [confirmState, confirmFormAction, confirming] = useActionState(confirmAction, null);
  // The latest answer says what the bank still waits for: the confirmation's, else the payment's, else the page's.
  const nextAction = confirmState ? confirmState.nextAction : payState ? payState.nextAction : initialNextAction;
  const confirmWithShop = useCallback(() => {
    const form = new FormData();
    form.set("checkoutId", initial.id);
    startTransition(() => confirmFormAction(form));
  }, [confirmFormAction, initial.id]);

  const status = effectiveStatus(checkout, phaseOf(remainingOf(snapshot, clientNow)));
  const paying = status === "paying";
  // A lapsed checkout whose prices changed: the shopper sees the new lines and may pay the new total.
  const priceChange = payState?.code === "price_changed" && (status === "expired" || status === "active") ? payState.priceChange : undefined;
  const ended = status !== "active" && !paying && !priceChange;
  const remaining = ended || paying || priceChange ? 0 : remainingOf(snapshot, clientNow);
  const phase = phaseOf(remaining);

  const [cancelState, cancelFormAction, cancelling] = useActionState(cancelAction, null);
  const [restartState, restartFormAction, restarting] = useActionState(restartAction, null);
  const [saveNote, setSaveNote] = useState<string | null>(null);

  // A payment confirmed while the shopper watched: on to the order, without a reload.
  const router = useRouter();
  const sawPaying = useRef(false);
  useEffect(() => {
    // Only a payment seen confirming on this visit moves on by itself: Back from the order must stay here.
    if (status === "paying" && !checking) sawPaying.current = true;
    else if (status === "completed" && sawPaying.current && checkout.orderId) router.push(`/orders/${checkout.orderId}`);
  }, [status, checking, checkout.orderId, router]);

  // Every outcome is brought into view and focused, so a shopper on a phone sees what happened.
  const outcomeRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ended && !paying && !priceChange) return;
    outcomeRef.current?.scrollIntoView({ block: "center" });
    outcomeRef.current?.focus({ preventScroll: true });
  }, [ended, paying, status, priceChange]);

  // When the time runs out, or a payment or cancel answered, read the checkout again at once.
  useEffect(() => {
    if (status === "expired" || payState || cancelState || confirmState) {
      void queryClient.invalidateQueries({ queryKey: checkoutQueryKey(initial.id) });
    }
  }, [status, payState, cancelState, confirmState, queryClient, initial.id]);

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
    for (const name of ["email", "name", "address", "postcode", "city", "country"]) {
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

  const locked = ended || paying || checking;
  const values = payState?.values ?? {};
  const detail = (name: string) => values[name] ?? checkout.details[name] ?? "";

  return (
    <div className="two-col checkout-layout">
      <div className="stack">
        {checking ? (
          <section className="outcome" aria-label="Checkout outcome" aria-busy="true">
            <Alert tone="info" title="Checking your checkout…">
              <p>One moment: reading where this checkout stands.</p>
            </Alert>
          </section>
        ) : paying ? (
          <section ref={outcomeRef} tabIndex={-1} className="outcome" aria-label="Checkout outcome">
            <Alert
              tone="info"
              title="Confirming your payment…"
              action={
                nextAction && stripePublishableKey ? (
                  <StripeNextAction
                    publishableKey={stripePublishableKey}
                    clientSecret={nextAction.clientSecret}
                    confirming={confirming}
                    onAnswered={confirmWithShop}
                  />
                ) : null
              }
            >
              <p>
                {nextAction
                  ? "Your bank asks you to confirm this payment with them. Your items stay held meanwhile; this page moves on by itself."
                  : "Your bank is confirming the payment. Your items stay held meanwhile; this page moves on by itself."}
              </p>
            </Alert>
          </section>
        ) : ended ? (
          <section ref={outcomeRef} tabIndex={-1} className="outcome" aria-label="Checkout outcome">
            <Outcome
              checkout={checkout}
              status={status as EndedStatus}
              restartFormAction={restartFormAction}
              restarting={restarting}
            />
            {restartState && !restartState.ok ? <FormMessage state={restartState} /> : null}
          </section>
        ) : priceChange ? (
          <section ref={outcomeRef} tabIndex={-1} className="outcome" aria-label="Checkout outcome">
            <PriceChangeNotice change={priceChange} />
          </section>
        ) : (
          <div className="timer-sticky">
            <CountdownTimer remaining={remaining} phase={phase} />
            {holdNote ? <p className="small muted timer-note">{holdNote}</p> : null}
          </div>
        )}

        {!ended && !paying && !checking && !priceChange && phase === "warning" ? (
          <Alert tone="warning" title="Less than a minute left">
            Pay now, or keep filling in your details to keep your items held.
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
            {priceChange ? <input type="hidden" name="acceptTotalCents" value={priceChange.newTotalCents} /> : null}
            <fieldset disabled={locked}>
              <legend>{shipsGoods ? "Delivery details" : "Your details"}</legend>
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
                {shipsGoods ? (
                  <>
                    <Field
                      className="span-2"
                      label="Address"
                      name="address"
                      autoComplete="street-address"
                      required
                      defaultValue={detail("address")}
                      errors={payState?.fieldErrors?.address}
                    />
                    <Field
                      label="Postcode"
                      name="postcode"
                      autoComplete="postal-code"
                      required
                      defaultValue={detail("postcode")}
                      errors={payState?.fieldErrors?.postcode}
                    />
                    <Field
                      label="City"
                      name="city"
                      autoComplete="address-level2"
                      required
                      defaultValue={detail("city")}
                      errors={payState?.fieldErrors?.city}
                    />
                    {/* Keyed by its value: React resets a form after its action, and a select (unlike an input)
                        would fall back to the value it was first drawn with, not the one the shopper chose. */}
                    <SelectField
                      key={`country-${detail("country")}`}
                      className="span-2"
                      label="Country"
                      name="country"
                      autoComplete="country"
                      required
                      defaultValue={detail("country")}
                      errors={payState?.fieldErrors?.country}
                    >
                      <option value="">Choose a country</option>
                      {COUNTRIES.map(([code, name]) => (
                        <option key={code} value={code}>
                          {name}
                        </option>
                      ))}
                    </SelectField>
                  </>
                ) : null}
              </div>
            </fieldset>
            <fieldset disabled={locked}>
              <legend>Payment</legend>
              {stripePublishableKey ? (
                <StripeCardField
                  publishableKey={stripePublishableKey}
                  errors={payState?.fieldErrors?.paymentMethod ?? payState?.fieldErrors?.cardNumber}
                />
              ) : (
                <Field
                  label="Card number"
                  name="cardNumber"
                  inputMode="numeric"
                  autoComplete="cc-number"
                  placeholder="4242 4242 4242 4242"
                  required
                  hint="Test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined; 4000 0000 0000 3220 is confirmed by the bank a moment later."
                  errors={payState?.fieldErrors?.cardNumber}
                />
              )}
            </fieldset>
            <p className="muted small save-note" aria-live="polite">
              {locked ? "" : (saveNote ?? "")}
            </p>
            {payState && !payState.ok && !ended && !priceChange ? <FormMessage state={payState} /> : null}
            {/* A paid checkout offers its order above, never Pay again. */}
            {status === "completed" ? null : (
              <SubmitButton size="lg" className="btn-block" pending={submitting} disabled={locked}>
                {priceChange ? `Pay the new total ${formatMoney(priceChange.newTotalCents)}` : `Pay ${formatMoney(checkout.totalCents)}`}
              </SubmitButton>
            )}
          </form>
        </Card>
      </div>

      <Card className="summary" aria-label="Held items">
        <div className="row row-between">
          <h2 style={{ margin: 0 }}>{priceChange ? "Your items" : "Held for you"}</h2>
          <Badge
            tone={
              checking ? "info" : priceChange ? "warning" : ended ? (status === "completed" ? "success" : "danger") : phase === "warning" ? "warning" : "info"
            }
          >
            {checking ? "Checking" : priceChange ? "New prices" : badgeText[status]}
          </Badge>
        </div>
        <ul className="line-list" style={{ marginTop: "1rem" }}>
          {(priceChange?.lines ?? checkout.lines).map((line) => (
            <li key={lineKey(line)} className="line">
              <div>
                <span className="line-name">{shownName(line)}</span>
                <KitLineContents text={"variantId" in line ? kitContents[line.variantId] : undefined} />
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
          <span className="price">{formatMoney(priceChange?.newTotalCents ?? checkout.totalCents)}</span>
        </div>
        {!locked ? (
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

type PriceChange = NonNullable<FormState["priceChange"]>;

/** Prices changed since this checkout started: every line, old and new, and the new total to accept. */
function PriceChangeNotice({ change }: { change: PriceChange }) {
  return (
    <Alert tone="warning" title="Prices have changed">
      <p>Your hold ended and some prices changed since. Nothing was charged. The new prices:</p>
      <ul className="price-change-list">
        {change.lines.map((line) => (
          <li key={lineKey(line)}>
            <strong>{shownName(line)}</strong> × {line.quantity}:{" "}
            {line.unitPriceCents === line.oldUnitPriceCents ? (
              formatMoney(line.unitPriceCents)
            ) : (
              <>
                <s aria-label={`was ${formatMoney(line.oldUnitPriceCents)}`}>{formatMoney(line.oldUnitPriceCents)}</s>{" "}
                <span>now {formatMoney(line.unitPriceCents)}</span>
              </>
            )}
          </li>
        ))}
      </ul>
      <p>
        New total <strong>{formatMoney(change.newTotalCents)}</strong> (was {formatMoney(change.oldTotalCents)}). Enter your card
        again and press “Pay the new total”, or go <Link href="/cart">back to your cart</Link>.
      </p>
    </Alert>
  );
}

const badgeText: Record<CheckoutView["status"], string> = {
  active: "Held",
  paying: "Confirming",
  completed: "Paid",
  cancelled: "Cancelled",
  failed: "Declined",
  expired: "Expired",
};

/** An ended checkout says what happened, and offers the next step: the order, another card, or a new start. */
function Outcome({
  checkout,
  status,
  restartFormAction,
  restarting,
}: {
  checkout: CheckoutView;
  status: EndedStatus;
  restartFormAction: (formData: FormData) => void;
  restarting: boolean;
}) {
  const outcome = outcomeOf(checkout, status);
  const action =
    status === "completed" ? (
      checkout.orderId ? (
        <Link className="btn btn-primary" href={`/orders/${checkout.orderId}`}>
          View your order
        </Link>
      ) : null
    ) : (
      <form action={restartFormAction} className="row">
        {checkout.email ? <input type="hidden" name="email" value={checkout.email} /> : null}
        <input type="hidden" name="previousCheckoutId" value={checkout.id} />
        <SubmitButton variant="primary" pending={restarting}>
          {status === "failed" ? "Try another card" : "Start checkout again"}
        </SubmitButton>
        <Link href="/cart">Back to cart</Link>
      </form>
    );
  return (
    <Alert tone={outcome.tone} title={outcome.title} action={action}>
      <p>
        {outcome.text}
        {status === "failed" ? " Your details are kept: try another card and we hold the items again." : ""}
      </p>
    </Alert>
  );
}
