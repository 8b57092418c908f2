"use client";

import { useActionState, useEffect, useRef } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { FormMessage } from "../ui/form-message";
import { SubmitButton } from "../ui/submit-button";
import { useInBrowser } from "./use-in-browser";

type Action = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/** How long the stepper waits after the last change before it saves (a run of clicks is one save). */
const SAVE_DELAY_MS = 500;

/**
 * A cart line's quantity, as a stepper that saves itself, and Remove. Neither touches stock. Without JavaScript
 * it is a plain number field with an "Update" button.
 */
export function CartLineControls({
  action,
  productId,
  variantId,
  productName,
  quantity,
  maxQuantity,
}: {
  action: Action;
  productId: string;
  /** The line's variant: the line's key (two sizes of one product are two lines). */
  variantId: string;
  /** The line's name with its variant ("Trail Shirt — M"). */
  productName: string;
  quantity: number;
  maxQuantity: number;
}) {
  const [updateState, updateAction, updating] = useActionState(action, null);
  const [removeState, removeAction, removing] = useActionState(action, null);
  const inBrowser = useInBrowser();
  const formRef = useRef<HTMLFormElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  /** A quantity the shopper chose that is not saved yet: the server's answers must not overwrite it. */
  const unsaved = useRef<number | null>(null);
  const inputId = `quantity-${variantId}`;
  const errors = updateState?.fieldErrors?.quantity;

  useEffect(() => () => clearTimeout(timer.current), []);
  // Keep the field in step with the server, but never overwrite a choice still to be saved or what is being typed.
  useEffect(() => {
    const input = inputRef.current;
    if (input && unsaved.current === null && document.activeElement !== input) input.value = String(quantity);
  }, [quantity]);

  function scheduleSave(next: number) {
    clearTimeout(timer.current);
    if (!Number.isInteger(next) || next < 1 || next > maxQuantity) return;
    unsaved.current = next;
    timer.current = setTimeout(() => {
      unsaved.current = null;
      formRef.current?.requestSubmit();
    }, SAVE_DELAY_MS);
  }

  function step(by: number) {
    const input = inputRef.current;
    if (!input) return;
    const current = Number.isInteger(Number(input.value)) ? Number(input.value) : quantity;
    const next = Math.min(maxQuantity, Math.max(1, current + by));
    input.value = String(next);
    scheduleSave(next);
  }

  return (
    <div className="line-controls">
      <form ref={formRef} action={updateAction} className="row stepper-form">
        <input type="hidden" name="productId" value={productId} />
        <input type="hidden" name="variantId" value={variantId} />
        <label htmlFor={inputId} className="visually-hidden">
          Quantity of {productName}
        </label>
        <div className="stepper">
          {inBrowser ? (
            <button
              type="button"
              className="stepper-button"
              aria-label={`One fewer ${productName}`}
              aria-controls={inputId}
              onClick={() => step(-1)}
            >
              −
            </button>
          ) : null}
          <input
            ref={inputRef}
            id={inputId}
            name="quantity"
            type="number"
            inputMode="numeric"
            min={1}
            max={maxQuantity}
            defaultValue={quantity}
            required
            className="input input-quantity"
            aria-invalid={errors ? true : undefined}
            onChange={(event) => scheduleSave(Number(event.currentTarget.value))}
          />
          {inBrowser ? (
            <button
              type="button"
              className="stepper-button"
              aria-label={`One more ${productName}`}
              aria-controls={inputId}
              onClick={() => step(1)}
            >
              +
            </button>
          ) : null}
        </div>
        {inBrowser ? (
          <span className="muted small save-state" aria-live="polite">
            {updating ? "Saving…" : updateState?.ok ? "Saved" : ""}
          </span>
        ) : (
          <SubmitButton variant="secondary" size="sm" pending={updating} aria-label={`Update quantity of ${productName}`}>
            Update
          </SubmitButton>
        )}
      </form>
      <form action={removeAction}>
        <input type="hidden" name="productId" value={productId} />
        <input type="hidden" name="variantId" value={variantId} />
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
