"use client";

import { useActionState } from "react";
import type { FormState, ShortLineNote } from "@/lib/platform/action-state";
import { Alert } from "../ui/alert";
import { Field } from "../ui/field";
import { FormMessage } from "../ui/form-message";
import { SubmitButton } from "../ui/submit-button";
import "./line.css";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;
type PlainAction = (previous: FormState | null) => Promise<FormState>;

const noJoin: Action = async () => ({ ok: false });

function ShortLineList({ lines }: { lines: ShortLineNote[] }) {
  return (
    <ul>
      {lines.map((line) => (
        <li key={`${line.productId}:${line.name}`}>
          <strong>{line.name}</strong>:{" "}
          {line.component
            ? // A kit is short of one of its components: name it, that is what ran out.
              `its ${line.component.name} is ${line.component.available === 0 ? "sold out" : `short (only ${line.component.available} left)`}, so ${
                line.available === 0 ? "no kit can be made" : `only ${line.available} can be made`
              } (you asked for ${line.requested})`
            : line.available === 0
              ? `sold out (you asked for ${line.requested})`
              : `only ${line.available} left (you asked for ${line.requested})`}
        </li>
      ))}
    </ul>
  );
}

/**
 * The cart's way to checkout: an email for guests, the "Checkout" button, and, when some lines ask for more
 * than is available, which ones and the single "Adjust cart to available stock" action.
 */
export function CheckoutPanel({
  startAction,
  fitAction,
  joinAction,
  needsEmail,
  accountEmail,
  shortNow,
  cartSignature,
}: {
  startAction: Action;
  fitAction: PlainAction;
  /** "Join the line" after a refused start whose units others hold (or wait for). */
  joinAction?: Action;
  needsEmail: boolean;
  accountEmail: string | null;
  /** Lines that ask for more than is free right now (from the page's own reading of stock). */
  shortNow: ShortLineNote[];
  /** Identifies the cart's lines as rendered; a refusal for a cart that has changed since is not shown. */
  cartSignature: string;
}) {
  const [state, formAction, starting] = useActionState(startAction, null);
  const [fitState, fitFormAction, fitting] = useActionState(fitAction, null);
  const [joinState, joinFormAction, joining] = useActionState(joinAction ?? noJoin, null);
  // A refused checkout names exactly what could not be held (while the cart is as it was then); otherwise
  // the page's own reading of stock.
  const refused = state?.shortLines && state.values?.cartSignature === cartSignature ? state.shortLines : null;
  const shortLines = refused ?? (shortNow.length > 0 ? shortNow : null);
  const failedToHold = refused !== null;
  // Others hold what the cart needs (or wait for it already): waiting in line beats refreshing.
  const canJoin = failedToHold && joinAction !== undefined && state?.line?.canJoin === true;
  return (
    <div className="stack">
      {shortLines ? (
        <Alert
          tone={failedToHold ? "danger" : "warning"}
          title={failedToHold ? "We could not hold your cart" : "Some items are short"}
        >
          <p>
            {failedToHold
              ? "Nothing has been held or charged. These lines ask for more than is left:"
              : "These lines ask for more than is available right now:"}
          </p>
          <ShortLineList lines={shortLines} />
          {canJoin ? (
            <p className="small">
              {state?.line?.waiting
                ? "Other shoppers are already waiting for it. Join the line and the units freed next go to whoever joined first."
                : "Others are checking out with it now. Join the line and, if one of them does not pay in time, it is held for you."}
            </p>
          ) : null}
          <div className="row line-choices" style={{ marginTop: "0.75rem" }}>
            {canJoin ? (
              <form action={joinFormAction}>
                {/* A guest's email, as the refused start was given it: where the offer is sent if the tab is closed. */}
                {state?.values?.email ? <input type="hidden" name="email" value={state.values.email} /> : null}
                <SubmitButton size="sm" pending={joining}>
                  Join the line
                </SubmitButton>
              </form>
            ) : null}
            <form action={fitFormAction}>
              <SubmitButton variant="secondary" size="sm" pending={fitting}>
                Adjust cart to available stock
              </SubmitButton>
            </form>
          </div>
          {joinState && !joinState.ok ? <FormMessage state={joinState} /> : null}
        </Alert>
      ) : null}
      {fitState?.message && !shortLines ? <FormMessage state={fitState} /> : null}

      <form action={formAction} className="form">
        <input type="hidden" name="cartSignature" value={cartSignature} />
        {needsEmail ? (
          <Field
            label="Email"
            name="email"
            type="email"
            autoComplete="email"
            required
            defaultValue={state?.values?.email ?? ""}
            hint="For your receipt. You can check out as a guest."
            errors={state?.fieldErrors?.email}
          />
        ) : accountEmail ? (
          <p className="muted small">Checking out as {accountEmail}.</p>
        ) : null}
        <SubmitButton size="lg" className="btn-block" pending={starting}>
          Checkout
        </SubmitButton>
        {state && !state.ok && !state.shortLines && !state.fieldErrors?.email ? <FormMessage state={state} /> : null}
      </form>
    </div>
  );
}
