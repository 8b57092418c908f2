"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import type { AdminAction } from "../action-button";
import { FormField } from "../form-field";
import "./incoming.css";

export type VariantChoiceOption = { id: string; label: string };
export type LocationChoiceOption = { id: string; name: string };

/** The location select: empty means the first active location by priority, as the API's default. */
function LocationSelect({ locations, ...props }: { locations: LocationChoiceOption[] } & React.SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <select {...props} className="select">
      <option value="">First by priority ({locations[0]?.name ?? "none"})</option>
      {locations.map((l) => (
        <option key={l.id} value={l.id}>
          {l.name}
        </option>
      ))}
    </select>
  );
}

/**
 * Records a delivery: which variant, where it arrives, how many units and the day they are expected. Works
 * without JavaScript; a refused form keeps what was typed and says what is wrong beside each field.
 */
export function RecordDeliveryForm({
  action,
  productId,
  variants,
  locations,
}: {
  action: AdminAction;
  productId: string;
  variants: VariantChoiceOption[];
  locations: LocationChoiceOption[];
}) {
  const [state, formAction] = useActionState<FormState | null, FormData>(action, null);
  const form = "record-delivery";
  return (
    <form action={formAction} className="card stack" aria-labelledby="record-delivery-title" noValidate>
      <h3 id="record-delivery-title">Record a delivery</h3>
      <input type="hidden" name="productId" value={productId} />
      <div className="incoming-fields">
        {variants.length === 1 ? (
          <input type="hidden" name="variantId" value={variants[0]!.id} />
        ) : (
          <FormField form={form} name="variantId" label="Variant" state={state}>
            {({ defaultValue, ...props }) => (
              <select {...props} className="select" defaultValue={defaultValue ?? ""}>
                <option value="">Choose a variant</option>
                {variants.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.label}
                  </option>
                ))}
              </select>
            )}
          </FormField>
        )}
        <FormField form={form} name="locationId" label="Arrives at" state={state}>
          {({ defaultValue, ...props }) => <LocationSelect {...props} locations={locations} defaultValue={defaultValue ?? ""} />}
        </FormField>
        <FormField form={form} name="quantity" label="Units" state={state}>
          {(props) => <input {...props} className="input input-quantity" type="number" min={1} step={1} inputMode="numeric" required />}
        </FormField>
        <FormField form={form} name="expectedAt" label="Expected on" state={state}>
          {(props) => <input {...props} className="input" type="date" required />}
        </FormField>
        <div>
          <SubmitButton>Record delivery</SubmitButton>
        </div>
      </div>
      <FormMessage state={state} />
    </form>
  );
}

/**
 * Receives units of one variant on its way: they go on the shelf at a location, taken from its open deliveries
 * oldest expected first. Receiving more than is on its way is refused in words.
 */
export function ReceiveForm({
  action,
  productId,
  variantId,
  label,
  locations,
  open,
}: {
  action: AdminAction;
  productId: string;
  variantId: string;
  /** Units are on their way: the form is shown. Once none are, only its last answer stays ("Received 3 …"). */
  open: boolean;
  /** "Trail Shirt — M": which variant, for the form's name. */
  label: string;
  locations: LocationChoiceOption[];
}) {
  const [state, formAction] = useActionState<FormState | null, FormData>(action, null);
  const form = `receive-${variantId.slice(0, 8)}`;
  if (!open) return state?.ok ? <FormMessage state={state} /> : null;
  return (
    <form action={formAction} className="stack incoming-receive" aria-label={`Receive ${label}`} noValidate>
      <input type="hidden" name="productId" value={productId} />
      <input type="hidden" name="variantId" value={variantId} />
      <div className="incoming-fields">
        {locations.length > 1 ? (
          <FormField form={form} name="locationId" label="At" state={state}>
            {({ defaultValue, ...props }) => <LocationSelect {...props} locations={locations} defaultValue={defaultValue ?? ""} />}
          </FormField>
        ) : null}
        <FormField form={form} name="quantity" label="Units received" state={state}>
          {(props) => <input {...props} className="input input-quantity" type="number" min={1} step={1} inputMode="numeric" required />}
        </FormField>
        <div>
          <SubmitButton variant="secondary">Receive</SubmitButton>
        </div>
      </div>
      <FormMessage state={state} />
    </form>
  );
}
