"use client";

import { useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useActionState, useId, useState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { Button } from "@/components/ui/button";
import { SubmitButton } from "@/components/ui/submit-button";

export type AdminAction = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/**
 * A one-button form for a server action on one record (release a hold, fulfil an order). After it succeeds
 * the live views in `refresh` are fetched again at once; a refusal shows its message beside the button.
 * With `confirm`, the button first asks: the question and a "yes" button appear in its place, or Cancel.
 */
export function ActionButton({
  action,
  field,
  value,
  label,
  refresh,
  confirm,
  extra = {},
}: {
  action: AdminAction;
  field: string;
  value: string;
  /** More hidden fields the action reads. */
  extra?: Record<string, string>;
  label: string;
  refresh: QueryKey[];
  confirm?: { question: string; yes: string };
}) {
  const queryClient = useQueryClient();
  const questionId = useId();
  const [asking, setAsking] = useState(false);
  const [state, formAction] = useActionState<FormState | null, FormData>(async (previous, formData) => {
    const next = await action(previous, formData);
    if (next.ok) await Promise.all(refresh.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
    setAsking(false);
    return next;
  }, null);

  const error =
    state && !state.ok ? (
      <span role="alert" className="field-error">
        {state.message}
      </span>
    ) : null;

  if (confirm && !asking) {
    return (
      <div className="admin-inline-form">
        <Button variant="secondary" size="sm" aria-haspopup="true" onClick={() => setAsking(true)}>
          {label}
        </Button>
        {error}
      </div>
    );
  }

  return (
    <form
      action={formAction}
      className={confirm ? "admin-inline-form admin-confirm" : "admin-inline-form"}
      role={confirm ? "group" : undefined}
      aria-labelledby={confirm ? questionId : undefined}
    >
      <input type="hidden" name={field} value={value} />
      {Object.entries(extra).map(([name, fieldValue]) => (
        <input key={name} type="hidden" name={name} value={fieldValue} />
      ))}
      {confirm ? (
        <span id={questionId} className="admin-confirm-question">
          {confirm.question}
        </span>
      ) : null}
      <SubmitButton variant={confirm ? "primary" : "secondary"} size="sm" autoFocus={Boolean(confirm)}>
        {confirm ? confirm.yes : label}
      </SubmitButton>
      {confirm ? (
        <Button variant="ghost" size="sm" onClick={() => setAsking(false)}>
          Cancel
        </Button>
      ) : null}
      {error}
    </form>
  );
}
