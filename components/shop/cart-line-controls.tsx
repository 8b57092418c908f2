"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/action-state";
import { FormMessage } from "../ui/form-message";
import { SubmitButton } from "../ui/submit-button";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/** Change a cart line's quantity, or remove it. Neither touches stock. */
export function CartLineControls({
  action,
  productId,
  productName,
  quantity,
  maxQuantity,
}: {
  action: Action;
  productId: string;
  productName: string;
  quantity: number;
  maxQuantity: number;
}) {
  const [updateState, updateAction, updating] = useActionState(action, null);
  const [removeState, removeAction, removing] = useActionState(action, null);
  const inputId = `quantity-${productId}`;
  const errors = updateState?.fieldErrors?.quantity;
  return (
    <div className="line-controls">
      <form action={updateAction} className="row">
        <input type="hidden" name="productId" value={productId} />
        <label htmlFor={inputId} className="visually-hidden">
          Quantity of {productName}
        </label>
        <input
          id={inputId}
          key={quantity}
          name="quantity"
          type="number"
          inputMode="numeric"
          min={1}
          max={maxQuantity}
          defaultValue={quantity}
          required
          className="input input-quantity"
          aria-invalid={errors ? true : undefined}
        />
        <SubmitButton variant="secondary" size="sm" pending={updating} aria-label={`Update quantity of ${productName}`}>
          Update
        </SubmitButton>
      </form>
      <form action={removeAction}>
        <input type="hidden" name="productId" value={productId} />
        <input type="hidden" name="quantity" value="0" />
        <SubmitButton variant="ghost" size="sm" pending={removing} aria-label={`Remove ${productName}`}>
          Remove
        </SubmitButton>
      </form>
      {updateState && !updateState.ok ? <FormMessage state={updateState} /> : null}
      {removeState && !removeState.ok ? <FormMessage state={removeState} /> : null}
    </div>
  );
}
