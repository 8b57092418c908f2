"use client";

import { useQueryClient, type QueryKey } from "@tanstack/react-query";
import { useActionState, useEffect, useId, useState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { Button } from "@/components/ui/button";
import { SubmitButton } from "@/components/ui/submit-button";
import type { AdminAction } from "./action-button";

/**
 * A one-button form for a server action (fulfil from a location, deactivate a location) that also works without
 * JavaScript: the form posts the server action itself, so the page re-renders with its answer. With JavaScript a
 * `confirm` question comes first (the button's click is held back until "yes"); without it the button submits
 * at once. Its outcome, ok or not, is said beside the button.
 */
export function LocationActionButton({
  action,
  fields,
  label,
  confirm,
  refresh = [],
  variant = "secondary",
}: {
  action: AdminAction;
  /** The hidden fields the action reads. */
  fields: Record<string, string>;
  label: string;
  confirm?: { question: string; yes: string };
  /** Live views (React Query) fetched again after it succeeds. */
  refresh?: QueryKey[];
  variant?: "primary" | "secondary";
}) {
  const queryClient = useQueryClient();
  const questionId = useId();
  const [state, formAction] = useActionState<FormState | null, FormData>(action, null);
  // The question stands for the answer it was asked after: a new answer (the form was sent) closes it.
  const [askedAfter, setAskedAfter] = useState<FormState | null | undefined>(undefined);
  const asking = confirm !== undefined && askedAfter === state;
  const setAsking = (on: boolean) => setAskedAfter(on ? state : undefined);

  useEffect(() => {
    if (!state?.ok) return;
    for (const queryKey of refresh) void queryClient.invalidateQueries({ queryKey });
    // Only a new answer refreshes; `refresh` is a fresh array on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state]);

  return (
    <form
      action={formAction}
      className={asking ? "admin-inline-form admin-confirm" : "admin-inline-form"}
      role={asking ? "group" : undefined}
      aria-labelledby={asking ? questionId : undefined}
    >
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {asking ? (
        <>
          <span id={questionId} className="admin-confirm-question">
            {confirm?.question}
          </span>
          <SubmitButton variant="primary" size="sm" autoFocus>
            {confirm?.yes}
          </SubmitButton>
          <Button variant="ghost" size="sm" onClick={() => setAsking(false)}>
            Cancel
          </Button>
        </>
      ) : (
        <SubmitButton
          variant={variant}
          size="sm"
          aria-haspopup={confirm ? "true" : undefined}
          onClick={
            confirm
              ? (event) => {
                  event.preventDefault();
                  setAsking(true);
                }
              : undefined
          }
        >
          {label}
        </SubmitButton>
      )}
      {state?.message ? (
        <span role={state.ok ? "status" : "alert"} className={state.ok ? "form-message-ok small" : "field-error"}>
          {state.message}
        </span>
      ) : null}
    </form>
  );
}
