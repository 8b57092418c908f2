"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import type { AdminAction } from "./action-button";
import { FormField } from "./form-field";

/** Creates a product with its opening stock. */
export function CreateProductForm({ action }: { action: AdminAction }) {
  const [state, formAction] = useActionState<FormState | null, FormData>(action, null);
  return (
    <form action={formAction} className="card stack" aria-labelledby="create-product-title" noValidate>
      <h2 id="create-product-title">New product</h2>
      <FormField form="create" name="name" label="Name" state={state}>
        {(props) => <input {...props} className="input" type="text" required maxLength={120} autoComplete="off" />}
      </FormField>
      <FormField form="create" name="slug" label="Slug (optional)" hint="Made from the name when left empty." state={state}>
        {(props) => <input {...props} className="input" type="text" maxLength={80} autoComplete="off" />}
      </FormField>
      <FormField form="create" name="price" label="Price (USD)" hint="For example 12.50" state={state}>
        {(props) => <input {...props} className="input" type="text" inputMode="decimal" required />}
      </FormField>
      <FormField form="create" name="onHand" label="Opening stock" state={state}>
        {(props) => <input {...props} className="input" type="number" min={0} step={1} required />}
      </FormField>
      <FormField form="create" name="description" label="Description (optional)" state={state}>
        {(props) => <textarea {...props} className="input" rows={2} maxLength={2000} />}
      </FormField>
      <div>
        <SubmitButton>Create product</SubmitButton>
      </div>
      <FormMessage state={state} />
    </form>
  );
}

/** Restocks a product or writes units off, always with a reason for the ledger. */
export function AdjustStockForm({ action, products }: { action: AdminAction; products: { id: string; name: string }[] }) {
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

/** Edits a product's name, price, description and picture. */
export function EditProductForm({ action, product }: { action: AdminAction; product: EditableProduct }) {
  const [state, formAction] = useActionState<FormState | null, FormData>(action, null);
  // After a refusal each field shows what was typed (defaultValue from the state); otherwise the saved product.
  return (
    <form action={formAction} className="card stack" aria-labelledby="edit-product-title" noValidate>
      <h2 id="edit-product-title">Details</h2>
      <input type="hidden" name="productId" value={product.id} />
      <FormField form="edit" name="name" label="Name" state={state}>
        {({ defaultValue, ...props }) => (
          <input {...props} className="input" type="text" required maxLength={120} autoComplete="off" defaultValue={defaultValue ?? product.name} />
        )}
      </FormField>
      <FormField form="edit" name="price" label="Price (USD)" hint="For example 12.50. Holds already made keep their price." state={state}>
        {({ defaultValue, ...props }) => (
          <input {...props} className="input" type="text" inputMode="decimal" required defaultValue={defaultValue ?? priceText(product.priceCents)} />
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
