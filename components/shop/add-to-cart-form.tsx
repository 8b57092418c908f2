"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/action-state";
import { FormMessage } from "../ui/form-message";
import { SubmitButton } from "../ui/submit-button";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/** "Add to cart", optionally with a quantity. Adding never holds stock; checkout does. */
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
  const soldOut = available <= 0;
  const messageId = `add-${productId}-message`;
  return (
    <form action={formAction} className="add-to-cart-form">
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
        >
          Add to cart
        </SubmitButton>
      </div>
      <FormMessage state={state} id={messageId} />
    </form>
  );
}
