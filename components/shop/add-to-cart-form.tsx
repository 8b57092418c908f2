"use client";

import Link from "next/link";
import { useActionState, useEffect, useRef } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { SubmitButton } from "../ui/submit-button";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/**
 * "Add to cart", optionally with a quantity. Adding never holds stock; checkout does. The button's accessible
 * name names the product (a catalogue page has one per card). The outcome takes one reserved line, so the card
 * keeps its height: "Added — view cart".
 */
export function AddToCartForm({
  action,
  productId,
  productName,
  available,
  maxQuantity,
  withQuantity = false,
}: {
  action: Action;
  productId: string;
  productName: string;
  available: number;
  maxQuantity: number;
  withQuantity?: boolean;
}) {
  const [state, formAction, pending] = useActionState(action, null);
  const formRef = useRef<HTMLFormElement>(null);
  const refocus = useRef(false);
  const soldOut = available <= 0;

  // The button is disabled while the action runs, which sends focus to the page body: give it back, so a
  // keyboard user stays on this card.
  useEffect(() => {
    if (pending || !refocus.current) return;
    refocus.current = false;
    formRef.current?.querySelector<HTMLButtonElement>("button[type=submit]")?.focus();
  }, [pending]);

  return (
    <form
      ref={formRef}
      action={formAction}
      className="add-to-cart-form"
      onSubmit={(event) => {
        refocus.current = event.currentTarget.contains(document.activeElement);
      }}
    >
      <input type="hidden" name="productId" value={productId} />
      <div className="add-to-cart">
        {withQuantity ? (
          <div className="field">
            <label htmlFor={`quantity-${productId}`} className="field-label">
              Quantity
            </label>
            <input
              id={`quantity-${productId}`}
              name="quantity"
              type="number"
              inputMode="numeric"
              min={1}
              max={Math.max(1, Math.min(maxQuantity, available))}
              defaultValue={1}
              required
              className="input input-quantity"
              disabled={soldOut}
            />
          </div>
        ) : (
          <input type="hidden" name="quantity" value="1" />
        )}
        <SubmitButton
          pending={pending}
          disabled={soldOut}
          className={withQuantity ? undefined : "btn-block"}
          title={soldOut ? `${productName} is out of stock` : undefined}
          // The visible words first (so speech control finds it by them), then which product.
          aria-label={`Add to cart: ${productName}`}
        >
          Add to cart
        </SubmitButton>
      </div>
      <div className="add-to-cart-note">
        {state?.ok ? (
          <>
            <span className="visually-hidden" role="status">
              {state.message}
            </span>
            <span aria-hidden="true">Added — </span>
            <Link href="/cart">view cart</Link>
          </>
        ) : state?.message ? (
          <span className="form-message-error" role="alert">
            {state.fieldErrors?.quantity?.[0] ?? state.message}
          </span>
        ) : null}
      </div>
    </form>
  );
}
