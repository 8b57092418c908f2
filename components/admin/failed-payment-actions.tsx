"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useActionState } from "react";
import type { FormState } from "@/lib/platform/action-state";
import { Field } from "@/components/ui/field";
import { FormMessage } from "@/components/ui/form-message";
import { SubmitButton } from "@/components/ui/submit-button";
import { adminKeys } from "./queries";

type AdminAction = (previous: FormState | null, formData: FormData) => Promise<FormState>;

/**
 * An order whose payment failed or was never captured: retry the capture (while the provider still holds the
 * authorization), or — once the payment has failed — cancel the order, which puts its units back on sale.
 */
export function FailedPaymentActions({
  orderId,
  canCancel,
  retryAction,
  cancelAction,
}: {
  orderId: string;
  /** The payment failed (nothing is held at the provider): cancelling is allowed. */
  canCancel: boolean;
  retryAction: AdminAction;
  cancelAction: AdminAction;
}) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const after = (action: AdminAction) => async (previous: FormState | null, formData: FormData) => {
    const next = await action(previous, formData);
    if (next.ok) {
      await Promise.all([queryClient.invalidateQueries({ queryKey: adminKeys.orders() }), queryClient.invalidateQueries({ queryKey: adminKeys.stock() })]);
      router.refresh();
    }
    return next;
  };
  const [retryState, retryFormAction, retrying] = useActionState(after(retryAction), null);
  const [cancelState, cancelFormAction, cancelling] = useActionState(after(cancelAction), null);
  return (
    <div className="stack failed-payment-actions">
      <form action={retryFormAction} className="row">
        <input type="hidden" name="orderId" value={orderId} />
        <SubmitButton size="sm" pending={retrying}>
          Retry capture
        </SubmitButton>
        <span className="muted small">Takes the money if the provider still holds the authorization.</span>
      </form>
      {retryState ? <FormMessage state={retryState} /> : null}
      {canCancel ? (
        <form action={cancelFormAction} className="stack">
          <input type="hidden" name="orderId" value={orderId} />
          <Field
            label="Reason for cancelling"
            name="reason"
            required
            maxLength={200}
            defaultValue={cancelState?.values?.reason ?? ""}
            hint="The order is cancelled and its units go back on sale."
            errors={cancelState?.fieldErrors?.reason}
          />
          <div>
            <SubmitButton variant="danger" size="sm" pending={cancelling}>
              Cancel order
            </SubmitButton>
          </div>
        </form>
      ) : null}
      {cancelState && !cancelState.fieldErrors ? <FormMessage state={cancelState} /> : null}
    </div>
  );
}
