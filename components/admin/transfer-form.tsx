"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import type { AdminAction } from "./action-button";
import { FormField } from "./form-field";
import { LocationSelect, type LocationChoice } from "./location-choice";

/**
 * Moves free units of one variant from one location to another, with a reason for the ledger. Only units neither
 * held nor sold can move; a refusal says how many are free. Works without JavaScript.
 */
export function TransferStockForm({
  action,
  productId,
  variants,
  locations,
  variantId,
}: {
  action: AdminAction;
  productId: string;
  /** The product's variants to choose from; with one, it is the one moved. */
  variants: { id: string; label: string }[];
  locations: readonly LocationChoice[];
  /** The variant chosen at first (the one being managed). */
  variantId?: string | undefined;
}) {
  const [state, formAction] = useActionState<FormState | null, FormData>(action, null);
  const active = locations.filter((l) => l.active);
  const from = locations[0]?.id ?? "";
  const to = active.find((l) => l.id !== from)?.id ?? locations[1]?.id ?? "";
  return (
    <form action={formAction} className="card stack" aria-labelledby="transfer-title" noValidate>
      <h2 id="transfer-title">Move stock between locations</h2>
      <input type="hidden" name="productId" value={productId} />
      {variants.length === 1 ? (
        <input type="hidden" name="variantId" value={variants[0]!.id} />
      ) : (
        <FormField form="transfer" name="variantId" label="Variant" state={state}>
          {({ defaultValue, ...props }) => {
            const chosen = defaultValue ?? variantId ?? variants[0]?.id ?? "";
            return (
              <select key={chosen} {...props} className="select" defaultValue={chosen} required>
                {variants.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.label}
                  </option>
                ))}
              </select>
            );
          }}
        </FormField>
      )}
      <div className="variant-fields">
        <FormField form="transfer" name="fromLocationId" label="From" state={state}>
          {(props) => <LocationSelect props={props} locations={locations} chosen={from} />}
        </FormField>
        <FormField form="transfer" name="toLocationId" label="To" state={state}>
          {(props) => <LocationSelect props={props} locations={locations} chosen={to} inactiveNote="inactive: takes no stock" />}
        </FormField>
      </div>
      <div className="variant-fields">
        <FormField form="transfer" name="quantity" label="Units" state={state}>
          {(props) => <input {...props} className="input" type="number" min={1} step={1} required />}
        </FormField>
        <FormField form="transfer" name="reason" label="Reason" hint="Shown in the ledger." state={state}>
          {(props) => <input {...props} className="input" type="text" required maxLength={200} autoComplete="off" />}
        </FormField>
      </div>
      <p className="field-hint">Only free units move: never ones held in a checkout or sold and not yet shipped.</p>
      <div>
        <SubmitButton>Move stock</SubmitButton>
      </div>
      <FormMessage state={state} />
    </form>
  );
}
