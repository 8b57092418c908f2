"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import type { AdminAction } from "./action-button";
import { FormField } from "./form-field";

/**
 * A product's limit per customer (empty: no limit), and what the line does to holds on it: while shoppers wait,
 * idle holds last the contended time instead of the usual one.
 */
export function LineSettingsForm({
  action,
  product,
  holdText,
  contendedHoldText,
}: {
  action: AdminAction;
  product: { id: string; limitPerCustomer: number | null };
  /** "15 minutes": how long an idle hold lasts. */
  holdText: string;
  /** "5 minutes": how long it lasts while shoppers wait in line for it. */
  contendedHoldText: string;
}) {
  const [state, formAction] = useActionState<FormState | null, FormData>(action, null);
  return (
    <form action={formAction} className="card stack" aria-labelledby="line-settings-title" noValidate>
      <h2 id="line-settings-title">Limit and the line</h2>
      <input type="hidden" name="productId" value={product.id} />
      <FormField
        form="line"
        name="limitPerCustomer"
        label="Limit per customer"
        hint="Units one shopper may hold and buy, counted over open checkouts and paid orders, by account and by guest email. Empty means no limit."
        state={state}
      >
        {({ defaultValue, ...props }) => (
          <input
            {...props}
            className="input"
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            defaultValue={defaultValue ?? (product.limitPerCustomer === null ? "" : String(product.limitPerCustomer))}
          />
        )}
      </FormField>
      <p className="muted small">
        {holdText === contendedHoldText
          ? `Idle holds last ${holdText}, also while shoppers wait in line.`
          : `While shoppers wait in line, idle holds last ${contendedHoldText} instead of ${holdText}.`}
      </p>
      <div>
        <SubmitButton>Save limit</SubmitButton>
      </div>
      <FormMessage state={state} />
    </form>
  );
}
