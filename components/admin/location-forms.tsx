"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import type { AdminAction } from "./action-button";
import { FormField } from "./form-field";

/** Adds a location: a name and, optionally, its priority (empty: after every other). Works without JavaScript. */
export function AddLocationForm({ action }: { action: AdminAction }) {
  const [state, formAction] = useActionState<FormState | null, FormData>(action, null);
  return (
    <form action={formAction} className="card stack location-add" aria-labelledby="add-location-title" noValidate>
      <h2 id="add-location-title">Add a location</h2>
      <div className="location-fields">
        <FormField form="add-location" name="name" label="Name" hint="Such as Back room or Warehouse East." state={state}>
          {(props) => <input {...props} className="input" type="text" required maxLength={80} autoComplete="off" />}
        </FormField>
        <FormField form="add-location" name="priority" label="Priority" hint="Optional: empty puts it after the others." state={state}>
          {(props) => <input {...props} className="input" type="number" step={1} inputMode="numeric" />}
        </FormField>
        <div>
          <SubmitButton>Add location</SubmitButton>
        </div>
      </div>
      <FormMessage state={state} />
    </form>
  );
}

/** Renames a location and changes its priority, in one form. */
export function EditLocationForm({ action, location }: { action: AdminAction; location: { id: string; name: string; priority: number } }) {
  const [state, formAction] = useActionState<FormState | null, FormData>(action, null);
  const form = `location-${location.id.slice(0, 8)}`;
  return (
    <form action={formAction} className="stack" aria-label={`Name and priority of ${location.name}`} noValidate>
      <input type="hidden" name="locationId" value={location.id} />
      <div className="location-fields">
        <FormField form={form} name="name" label="Name" state={state}>
          {({ defaultValue, ...props }) => (
            <input {...props} className="input" type="text" required maxLength={80} autoComplete="off" defaultValue={defaultValue ?? location.name} />
          )}
        </FormField>
        <FormField form={form} name="priority" label="Priority" state={state}>
          {({ defaultValue, ...props }) => (
            <input {...props} className="input" type="number" step={1} inputMode="numeric" required defaultValue={defaultValue ?? String(location.priority)} />
          )}
        </FormField>
        <div>
          <SubmitButton variant="secondary">Save</SubmitButton>
        </div>
      </div>
      <FormMessage state={state} />
    </form>
  );
}
