"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import type { AdminAction } from "./action-button";
import { FormField } from "./form-field";
import { LocationSelect, type LocationChoice } from "./location-choice";
import "./variant-forms.css";

const priceText = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;

function useFormState(action: AdminAction) {
  return useActionState<FormState | null, FormData>(action, null);
}

/** One option of a product, its values in order, and a field to add one more ("XL"). */
export function AddOptionValueForm({
  action,
  productId,
  option,
  index,
}: {
  action: AdminAction;
  productId: string;
  option: { name: string; values: string[] };
  index: number;
}) {
  const [state, formAction] = useFormState(action);
  const titleId = `option-${index}-title`;
  return (
    <form action={formAction} className="variant-option" aria-labelledby={titleId} noValidate>
      <h3 id={titleId}>{option.name}</h3>
      <ul className="variant-values" aria-label={`Values of ${option.name}`}>
        {option.values.map((value) => (
          <li key={value}>{value}</li>
        ))}
      </ul>
      <input type="hidden" name="productId" value={productId} />
      <input type="hidden" name="optionName" value={option.name} />
      <div className="admin-inline-form variant-add-value">
        <FormField form={`option-${index}`} name="value" label={`New value of ${option.name}`} state={state}>
          {(props) => <input {...props} className="input" type="text" required maxLength={40} autoComplete="off" />}
        </FormField>
        <SubmitButton variant="secondary" size="sm">
          Add value
        </SubmitButton>
      </div>
      <FormMessage state={state} />
    </form>
  );
}

/** Adds a variant: a value of each option, its SKU, its price (the product's when empty) and opening stock. */
export function AddVariantForm({
  action,
  productId,
  options,
}: {
  action: AdminAction;
  productId: string;
  options: { name: string; values: string[] }[];
}) {
  const [state, formAction] = useFormState(action);
  const typed = state?.ok === false ? (state.values ?? {}) : {};
  return (
    <form action={formAction} className="card stack" aria-labelledby="add-variant-title" noValidate>
      <h2 id="add-variant-title">Add a variant</h2>
      <input type="hidden" name="productId" value={productId} />
      <div className="variant-fields">
        {options.map((option, i) => {
          const chosen = typed[`option.${option.name}`] ?? "";
          return (
            <div key={option.name} className="field">
              <label htmlFor={`add-variant-option-${i}`} className="field-label">
                {option.name}
              </label>
              {/* Keyed by its default: a form reset restores a select's first default. */}
              <select key={chosen} id={`add-variant-option-${i}`} name={`option.${option.name}`} className="select" defaultValue={chosen} required>
                <option value="" disabled>
                  Choose
                </option>
                {option.values.map((value) => (
                  <option key={value} value={value}>
                    {value}
                  </option>
                ))}
              </select>
            </div>
          );
        })}
      </div>
      <FormField form="add-variant" name="sku" label="SKU" state={state}>
        {(props) => <input {...props} className="input" type="text" required maxLength={64} autoComplete="off" />}
      </FormField>
      <div className="variant-fields">
        <FormField form="add-variant" name="price" label="Price (optional)" hint="The product's when empty." state={state}>
          {(props) => <input {...props} className="input" type="text" inputMode="decimal" />}
        </FormField>
        <FormField form="add-variant" name="onHand" label="Opening stock" state={state}>
          {({ defaultValue, ...props }) => (
            <input {...props} className="input" type="number" min={0} step={1} required defaultValue={defaultValue ?? "0"} />
          )}
        </FormField>
      </div>
      <div>
        <SubmitButton>Add variant</SubmitButton>
      </div>
      <FormMessage state={state} />
    </form>
  );
}

export interface EditableVariant {
  id: string;
  sku: string;
  priceCents: number;
  label: string;
}

/** Changes one variant's SKU and price. */
export function EditVariantForm({ action, productId, variant }: { action: AdminAction; productId: string; variant: EditableVariant }) {
  const [state, formAction] = useFormState(action);
  return (
    <form action={formAction} className="stack" aria-labelledby="edit-variant-title" noValidate>
      <h3 id="edit-variant-title">SKU and price</h3>
      <input type="hidden" name="productId" value={productId} />
      <input type="hidden" name="variantId" value={variant.id} />
      <div className="variant-fields variant-fields-wide">
        <FormField form="edit-variant" name="sku" label="SKU" state={state}>
          {({ defaultValue, ...props }) => (
            <input {...props} className="input" type="text" required maxLength={64} autoComplete="off" defaultValue={defaultValue ?? variant.sku} />
          )}
        </FormField>
        <FormField form="edit-variant" name="price" label="Price (USD)" state={state}>
          {({ defaultValue, ...props }) => (
            <input {...props} className="input" type="text" inputMode="decimal" required defaultValue={defaultValue ?? priceText(variant.priceCents)} />
          )}
        </FormField>
      </div>
      <p className="field-hint">Holds already made keep their price.</p>
      <div>
        <SubmitButton>Save variant</SubmitButton>
      </div>
      <FormMessage state={state} />
    </form>
  );
}

/**
 * Restocks one variant or writes units of it off, at a location (the first active one by priority unless another
 * is chosen; the choice is shown only when the shop has several), with a reason for the ledger.
 */
export function VariantStockForm({
  action,
  productId,
  variant,
  locations = [],
}: {
  action: AdminAction;
  productId: string;
  variant: EditableVariant;
  locations?: readonly LocationChoice[];
}) {
  const [state, formAction] = useFormState(action);
  const direction = state?.ok === false ? state.values?.direction : undefined;
  return (
    <form action={formAction} className="stack" aria-labelledby="variant-stock-title" noValidate>
      <h3 id="variant-stock-title">Restock or write off</h3>
      <input type="hidden" name="productId" value={productId} />
      <input type="hidden" name="variantId" value={variant.id} />
      <fieldset className="field admin-choice">
        <legend className="field-label">Change</legend>
        <label>
          <input type="radio" name="direction" value="restock" defaultChecked={direction !== "write_off"} /> Restock
        </label>{" "}
        <label>
          <input type="radio" name="direction" value="write_off" defaultChecked={direction === "write_off"} /> Write off
        </label>
      </fieldset>
      {locations.length > 1 ? (
        <FormField form="variant-stock" name="locationId" label="Location" state={state}>
          {(props) => (
            <LocationSelect props={props} locations={locations} chosen={locations.find((l) => l.active)?.id ?? ""} inactiveNote="inactive: write-offs only" />
          )}
        </FormField>
      ) : null}
      <div className="variant-fields">
        <FormField form="variant-stock" name="quantity" label="Units" state={state}>
          {(props) => <input {...props} className="input" type="number" min={1} step={1} required />}
        </FormField>
        <FormField form="variant-stock" name="reason" label="Reason" hint="Shown in the ledger." state={state}>
          {(props) => <input {...props} className="input" type="text" required maxLength={200} autoComplete="off" />}
        </FormField>
      </div>
      <div>
        <SubmitButton>Save stock change</SubmitButton>
      </div>
      <FormMessage state={state} />
    </form>
  );
}
