"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import type { AdminAction } from "./action-button";
import { FormField } from "./form-field";
import { LocationSelect, type LocationChoice } from "./location-choice";
import { NewVariantRows } from "./variant-rows-table";
import { OPTION_ROWS, optionRowsOf, variantRowsOf } from "./variant-rows";

/** What every new product is asked first, a kit too: its name, slug and price. */
export function NewProductBasics({ form, state, priceHint }: { form: string; state: FormState | null; priceHint: string }) {
  return (
    <>
      <FormField form={form} name="name" label="Name" state={state}>
        {(props) => <input {...props} className="input" type="text" required maxLength={120} autoComplete="off" />}
      </FormField>
      <FormField form={form} name="slug" label="Slug (optional)" hint="Made from the name when left empty." state={state}>
        {(props) => <input {...props} className="input" type="text" maxLength={80} autoComplete="off" />}
      </FormField>
      <FormField form={form} name="price" label="Price (USD)" hint={priceHint} state={state}>
        {(props) => <input {...props} className="input" type="text" inputMode="decimal" required />}
      </FormField>
    </>
  );
}

/**
 * Creates a product with its opening stock, or with options (up to three, such as Size: S, M, L): the first
 * submit proposes every combination as a variant row (SKU, price and opening stock each, editable, or left
 * out), the second creates the product with them. Works without JavaScript.
 */
export function CreateProductForm({ action }: { action: AdminAction }) {
  const [state, formAction] = useActionState<FormState | null, FormData>(action, null);
  const values = state?.ok === false ? (state.values ?? {}) : {};
  const typedOptions = optionRowsOf(values).some((row) => row.name.trim() || row.values.trim());
  const rows = variantRowsOf(values);
  const optionNames = Array.from({ length: OPTION_ROWS }, (_, i) => values[`options.${i}.name`]?.trim() ?? "");
  const optionsError = state?.fieldErrors?.options;
  return (
    <form
      action={formAction}
      className={rows.length > 0 ? "card stack variant-create-wide" : "card stack"}
      aria-labelledby="create-product-title"
      noValidate
    >
      {/* Enter in any field creates (or, with options, proposes the variants), never "Make variants" below. */}
      <button type="submit" className="visually-hidden" tabIndex={-1} aria-hidden="true" />
      <h2 id="create-product-title">New product</h2>
      <NewProductBasics form="create" state={state} priceHint="For example 12.50" />
      <FormField
        form="create"
        name="onHand"
        label="Opening stock"
        hint={typedOptions ? "With options, each variant has its own opening stock below." : undefined}
        state={state}
      >
        {(props) => <input {...props} className="input" type="number" min={0} step={1} required={!typedOptions} />}
      </FormField>
      <FormField form="create" name="description" label="Description (optional)" state={state}>
        {(props) => <textarea {...props} className="input" rows={2} maxLength={2000} />}
      </FormField>
      <details className="variant-options" open={typedOptions || Boolean(optionsError)}>
        <summary>Options: sizes, colours… (optional)</summary>
        <p className="field-hint">
          Up to {OPTION_ROWS}, such as Size with the values S, M, L. Every combination becomes a variant with its own SKU, price
          and stock.
        </p>
        {Array.from({ length: OPTION_ROWS }, (_, i) => (
          <div key={i} className="variant-option-row">
            <FormField form="create" name={`options.${i}.name`} label={`Option ${i + 1}`} state={state}>
              {(props) => <input {...props} className="input" type="text" maxLength={40} autoComplete="off" placeholder={i === 0 ? "Size" : undefined} />}
            </FormField>
            <FormField form="create" name={`options.${i}.values`} label={`Values of option ${i + 1}`} hint="Separated by commas" state={state}>
              {(props) => <input {...props} className="input" type="text" autoComplete="off" placeholder={i === 0 ? "S, M, L" : undefined} />}
            </FormField>
          </div>
        ))}
        {optionsError ? <p className="field-error">{optionsError.join(" ")}</p> : null}
        <div>
          <SubmitButton variant="secondary" name="intent" value="variants" formNoValidate>
            {rows.length > 0 ? "Make the variants again" : "Make variants"}
          </SubmitButton>
        </div>
      </details>
      {rows.length > 0 ? <NewVariantRows rows={rows} optionNames={optionNames} state={state} /> : null}
      <div>
        <SubmitButton>Create product</SubmitButton>
      </div>
      {state?.code === "review_variants" ? (
        // A step, not a refusal: the proposed rows are there to check.
        <p className="form-message" role="status">
          {state.message}
        </p>
      ) : (
        <FormMessage state={state} />
      )}
    </form>
  );
}

/**
 * Restocks a product or writes units off, always with a reason for the ledger; with several locations, at the
 * one chosen (the first active one by priority at first).
 */
export function AdjustStockForm({
  action,
  products,
  locations = [],
}: {
  action: AdminAction;
  products: { id: string; name: string }[];
  locations?: readonly LocationChoice[];
}) {
  const [state, formAction] = useActionState<FormState | null, FormData>(action, null);
  const direction = state?.ok === false ? state.values?.direction : undefined;
  const directionErrors = state?.fieldErrors?.direction;
  return (
    <form action={formAction} className="card stack" aria-labelledby="adjust-stock-title" noValidate>
      <h2 id="adjust-stock-title">Restock or write off</h2>
      <FormField form="adjust" name="productId" label="Product" state={state}>
        {({ defaultValue, ...props }) => (
          // Keyed by its default: a form reset restores a select's first default, so a new one needs a new select.
          <select key={defaultValue ?? ""} {...props} className="select" defaultValue={defaultValue ?? ""} required>
            <option value="" disabled>
              Choose a product
            </option>
            {products.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        )}
      </FormField>
      <fieldset className="field admin-choice" aria-describedby={directionErrors ? "adjust-direction-error" : undefined}>
        <legend className="field-label">Change</legend>
        <label>
          <input type="radio" name="direction" value="restock" defaultChecked={direction !== "write_off"} /> Restock: a
          delivery arrives
        </label>
        <label>
          <input type="radio" name="direction" value="write_off" defaultChecked={direction === "write_off"} /> Write off:
          damaged or lost
        </label>
        {directionErrors ? (
          <p id="adjust-direction-error" className="field-error">
            {directionErrors.join(" ")}
          </p>
        ) : null}
      </fieldset>
      {locations.length > 1 ? (
        <FormField form="adjust" name="locationId" label="Location" state={state}>
          {(props) => (
            <LocationSelect props={props} locations={locations} chosen={locations.find((l) => l.active)?.id ?? ""} inactiveNote="inactive: write-offs only" />
          )}
        </FormField>
      ) : null}
      <FormField form="adjust" name="quantity" label="Units" state={state}>
        {(props) => <input {...props} className="input" type="number" min={1} step={1} required />}
      </FormField>
      <FormField form="adjust" name="reason" label="Reason" hint="Shown in the ledger." state={state}>
        {(props) => <input {...props} className="input" type="text" required maxLength={200} autoComplete="off" />}
      </FormField>
      <div>
        <SubmitButton>Save change</SubmitButton>
      </div>
      <FormMessage state={state} />
    </form>
  );
}

export interface EditableProduct {
  id: string;
  name: string;
  priceCents: number;
  description: string;
  imageUrl: string | null;
}

const priceText = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;

/**
 * Edits a product's name, price, description and picture. With variants, the price set here becomes every
 * variant's price (each one's own is set in its row below).
 */
export function EditProductForm({ action, product, hasVariants = false }: { action: AdminAction; product: EditableProduct; hasVariants?: boolean }) {
  const [state, formAction] = useActionState<FormState | null, FormData>(action, null);
  // After a refusal each field shows what was typed (defaultValue from the state); otherwise the saved product.
  return (
    <form action={formAction} className="card stack" aria-labelledby="edit-product-title" noValidate>
      <h2 id="edit-product-title">Details</h2>
      <input type="hidden" name="productId" value={product.id} />
      {hasVariants ? <input type="hidden" name="hasVariants" value="true" /> : null}
      <FormField form="edit" name="name" label="Name" state={state}>
        {({ defaultValue, ...props }) => (
          <input {...props} className="input" type="text" required maxLength={120} autoComplete="off" defaultValue={defaultValue ?? product.name} />
        )}
      </FormField>
      <FormField
        form="edit"
        name="price"
        label={hasVariants ? "Price of every variant (optional)" : "Price (USD)"}
        hint={
          hasVariants
            ? "Empty keeps each variant's own price (set under Variants); a price here sets every variant to it. Holds already made keep their price."
            : "For example 12.50. Holds already made keep their price."
        }
        state={state}
      >
        {({ defaultValue, ...props }) => (
          <input
            {...props}
            className="input"
            type="text"
            inputMode="decimal"
            required={!hasVariants}
            defaultValue={defaultValue ?? (hasVariants ? "" : priceText(product.priceCents))}
            placeholder={hasVariants ? `From ${priceText(product.priceCents)}` : undefined}
          />
        )}
      </FormField>
      <FormField form="edit" name="description" label="Description" state={state}>
        {({ defaultValue, ...props }) => (
          <textarea {...props} className="input" rows={3} maxLength={2000} defaultValue={defaultValue ?? product.description} />
        )}
      </FormField>
      <FormField
        form="edit"
        name="imageUrl"
        label="Picture URL (optional)"
        hint="An https:// address or a path on this site; shown instead of the initials tile. Empty removes it."
        state={state}
      >
        {({ defaultValue, ...props }) => (
          <input {...props} className="input" type="url" maxLength={500} autoComplete="off" defaultValue={defaultValue ?? product.imageUrl ?? ""} />
        )}
      </FormField>
      <div>
        <SubmitButton>Save</SubmitButton>
      </div>
      <FormMessage state={state} />
    </form>
  );
}
