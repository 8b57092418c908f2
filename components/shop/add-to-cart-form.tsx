"use client";

import Link from "next/link";
import { useActionState, useEffect, useRef } from "react";
import { useQueryClient } from "@tanstack/react-query";
import type { FormState } from "@/lib/platform/action-state";
import { shopperQuery } from "../shopper-nav";
import { SubmitButton } from "../ui/submit-button";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/**
 * "Add to cart", optionally with a quantity. Adding never holds stock; checkout does. The button's accessible
 * name names the product (a catalogue page has one per card). The outcome takes one reserved line, so the card
 * keeps its height: "Added — view cart". A product sold in several variants sends the chosen one (`variantId`);
 * until one is chosen the button says what to choose ("Choose a size") and cannot be pressed.
 */
export function AddToCartForm({
  action,
  productId,
  variantId = null,
  productName,
  available,
  maxQuantity,
  withQuantity = false,
  chooseFirst = null,
  buttonText = "Add to cart",
}: {
  action: Action;
  productId: string;
  variantId?: string | null;
  /** The product's name, with the chosen variant's ("Trail Shirt — M"). */
  productName: string;
  available: number;
  maxQuantity: number;
  withQuantity?: boolean;
  /** "Choose a size": shown instead of "Add to cart" while no variant is chosen. */
  chooseFirst?: string | null;
  /** The button's words once a variant is chosen: "Pre-order" for one sold against units on their way. */
  buttonText?: string;
}) {
  const [state, formAction, pending] = useActionState(action, null);
  const formRef = useRef<HTMLFormElement>(null);
  const refocus = useRef(false);
  const soldOut = available <= 0;
  const blocked = soldOut || chooseFirst !== null;
  const client = useQueryClient();

  // The header's cart count: a cached shop page cannot bring it back with the action's answer, so it is asked again.
  useEffect(() => {
    if (state?.ok) void client.invalidateQueries({ queryKey: shopperQuery.queryKey });
  }, [state, client]);

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
      {variantId ? <input type="hidden" name="variantId" value={variantId} /> : null}
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
              disabled={blocked}
            />
          </div>
        ) : (
          <input type="hidden" name="quantity" value="1" />
        )}
        <SubmitButton
          pending={pending}
          disabled={blocked}
          className={withQuantity ? undefined : "btn-block"}
          title={chooseFirst ?? (soldOut ? `${productName} is out of stock` : undefined)}
          // The visible words first (so speech control finds it by them), then which product.
          aria-label={chooseFirst ? `${chooseFirst}: ${productName}` : `${buttonText}: ${productName}`}
        >
          {chooseFirst ?? buttonText}
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
