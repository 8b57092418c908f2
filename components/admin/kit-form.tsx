"use client";

import { useQuery } from "@tanstack/react-query";
import { useActionState, useState } from "react";
import type { KitComponentChoice } from "@/lib/admin/kits";
import type { FormState } from "@/lib/platform/action-state";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import type { AdminAction } from "./action-button";
import { FormField } from "./form-field";
import { NewProductBasics } from "./product-forms";
import { kitAvailabilityQuery, type KitDraft } from "./queries";
import "./kit-form.css";

/**
 * A component row as the admin fills it in: the variant chosen ("" for none yet) and how many one kit takes. `key`
 * only keeps React's rows apart; the fields are named by position (`kit.0.variantId`, …), as the action reads them.
 */
type Row = { key: number; variantId: string; quantity: string };

/** The most component rows the form offers (a kit lists at most MAX_KIT_COMPONENTS). */
const MAX_ROWS = 20;

/** Two empty rows: where a new kit starts (a refused one keeps the rows picked: they are this form's state). */
const emptyRows = (): Row[] => [0, 1].map((key) => ({ key, variantId: "", quantity: "1" }));

/** The rows that name a variant and a whole number ≥ 1: what the live availability is asked about. */
function draftOf(rows: readonly Row[]): KitDraft {
  return rows.flatMap((row) => {
    const quantity = Number(row.quantity);
    return row.variantId && Number.isInteger(quantity) && quantity >= 1 && quantity <= 1000 ? [{ variantId: row.variantId, quantity }] : [];
  });
}

/**
 * Makes a kit from other products' variants: name, slug, price, and a row per component (which variant, how many
 * one kit takes). While components are picked, how many kits could be sold now is read live (each component's
 * available units ÷ what one kit takes; the fewest is the kit's). Without JavaScript the two rows still submit.
 */
export function CreateKitForm({ action, choices }: { action: AdminAction; choices: readonly KitComponentChoice[] }) {
  const [rows, setRows] = useState<Row[]>(emptyRows);
  const [state, formAction] = useActionState<FormState | null, FormData>(async (previous: FormState | null, data: FormData) => {
    const next = await action(previous, data);
    // A kit made: the next one starts from empty rows.
    if (next.ok) setRows(emptyRows());
    return next;
  }, null);
  const draft = draftOf(rows);
  const { data, error, isFetching } = useQuery(kitAvailabilityQuery(draft));
  const names = new Map(choices.map((c) => [c.variantId, c]));
  const setRow = (key: number, change: Partial<Row>) => setRows((current) => current.map((row) => (row.key === key ? { ...row, ...change } : row)));
  const nextKey = Math.max(-1, ...rows.map((r) => r.key)) + 1;
  const kitError = state?.fieldErrors?.kit;

  return (
    <form action={formAction} className="card stack kit-form" aria-labelledby="create-kit-title" noValidate>
      <h2 id="create-kit-title">New kit</h2>
      <p className="field-hint">A gift set or bundle: sold as one product, made of other products. It has no stock of its own.</p>
      <NewProductBasics form="kit" state={state} priceHint="For example 39.00" />
      <fieldset className="kit-rows" aria-describedby={kitError ? "kit-rows-error" : undefined}>
        <legend className="field-label">In the kit</legend>
        <ul className="kit-row-list">
          {rows.map((row, i) => {
            const level = data?.kit.components.find((c) => c.variantId === row.variantId);
            const variantErrors = state?.fieldErrors?.[`kit.${i}.variantId`];
            const quantityErrors = state?.fieldErrors?.[`kit.${i}.quantity`];
            return (
              <li key={row.key} className="kit-row">
                <div className="field">
                  <label htmlFor={`kit-${row.key}-variant`} className="visually-hidden">
                    Product {i + 1}
                  </label>
                  <select
                    id={`kit-${row.key}-variant`}
                    name={`kit.${i}.variantId`}
                    className="select"
                    value={row.variantId}
                    aria-invalid={variantErrors ? true : undefined}
                    onChange={(event) => setRow(row.key, { variantId: event.target.value })}
                  >
                    <option value="">Choose a product</option>
                    {choices.map((c) => (
                      <option key={c.variantId} value={c.variantId}>
                        {c.name} ({c.sku})
                      </option>
                    ))}
                  </select>
                  {variantErrors ? <p className="field-error">{variantErrors.join(" ")}</p> : null}
                </div>
                <div className="field kit-row-quantity">
                  <label htmlFor={`kit-${row.key}-quantity`} className="visually-hidden">
                    How many of product {i + 1} one kit takes
                  </label>
                  <input
                    id={`kit-${row.key}-quantity`}
                    name={`kit.${i}.quantity`}
                    className="input"
                    type="number"
                    min={1}
                    step={1}
                    value={row.quantity}
                    aria-invalid={quantityErrors ? true : undefined}
                    onChange={(event) => setRow(row.key, { quantity: event.target.value })}
                  />
                  <span className="muted small" aria-hidden="true">
                    per kit
                  </span>
                </div>
                <span className="kit-row-level muted small" aria-live="polite">
                  {quantityErrors ? <span className="field-error">{quantityErrors.join(" ")}</span> : level ? `${level.available} available: enough for ${level.kits}` : ""}
                </span>
                <Button
                  variant="ghost"
                  size="sm"
                  aria-label={`Remove product ${i + 1}`}
                  disabled={rows.length === 1}
                  onClick={() => setRows((current) => current.filter((r) => r.key !== row.key))}
                >
                  ✕
                </Button>
              </li>
            );
          })}
        </ul>
        {kitError ? (
          <p id="kit-rows-error" className="field-error">
            {kitError.join(" ")}
          </p>
        ) : null}
        {rows.length < MAX_ROWS ? (
          <div>
            <Button variant="secondary" size="sm" onClick={() => setRows((current) => [...current, { key: nextKey, variantId: "", quantity: "1" }])}>
              Add a product
            </Button>
          </div>
        ) : null}
      </fieldset>
      <div className="kit-availability" role="status" aria-live="polite" aria-label="Kits available">
        {draft.length === 0 ? (
          <span className="muted">Choose what goes in the kit to see how many could be sold.</span>
        ) : error ? (
          <span className="field-error">{error.message}</span>
        ) : data ? (
          <>
            <strong className="kit-availability-count">{data.kit.available}</strong> {data.kit.available === 1 ? "kit" : "kits"} could be sold now{" "}
            {data.kit.available === 0 ? <Badge tone="danger">None</Badge> : null}
            <span className="muted small kit-availability-why">{limitingText(data.kit.components, names)}</span>
          </>
        ) : (
          <span className="muted">{isFetching ? "Counting…" : ""}</span>
        )}
      </div>
      <FormField form="kit" name="description" label="Description (optional)" state={state}>
        {(props) => <textarea {...props} className="input" rows={2} maxLength={2000} />}
      </FormField>
      <div>
        <SubmitButton>Create kit</SubmitButton>
      </div>
      <FormMessage state={state} />
    </form>
  );
}

/** Which component sets the limit: "Lamp allows the fewest (3 available, 1 per kit)". */
function limitingText(components: { variantId: string; name: string; available: number; quantity: number; kits: number }[], names: Map<string, KitComponentChoice>) {
  const fewest = [...components].sort((a, b) => a.kits - b.kits)[0];
  if (!fewest || components.length < 2) return "";
  const name = names.get(fewest.variantId)?.name ?? fewest.name;
  return ` · ${name} allows the fewest (${fewest.available} available, ${fewest.quantity} per kit)`;
}
