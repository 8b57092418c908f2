"use client";

import { useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useActionState } from "react";
import type { FormState } from "@/lib/action-state";
import { SubmitButton } from "@/components/ui/submit-button";

export type AdminAction = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/**
 * A one-button form for a server action on one record (release a hold, fulfil an order). After it succeeds
 * the live views in `refresh` are fetched again at once; a refusal shows its message beside the button.
 */
export function ActionButton({
  action,
  field,
  value,
  label,
  refresh,
}: {
  action: AdminAction;
  field: string;
  value: string;
  label: string;
  refresh: QueryKey[];
}) {
  const queryClient = useQueryClient();
  const [state, formAction] = useActionState<FormState | null, FormData>(async (previous, formData) => {
    const next = await action(previous, formData);
    if (next.ok) await Promise.all(refresh.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
    return next;
  }, null);

  return (
    <form action={formAction} className="admin-inline-form">
      <input type="hidden" name={field} value={value} />
      <SubmitButton variant="secondary" size="sm">
        {label}
      </SubmitButton>
      {state && !state.ok ? (
        <span role="alert" className="field-error">
          {state.message}
        </span>
      ) : null}
    </form>
  );
}
