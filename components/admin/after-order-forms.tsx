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

export type AfterOrderLine = {
  variantId: string;
  /** "Trail Shirt — M". */
  label: string;
  /** Units that may still be refunded, and units still to ship. */
  refundable: number;
  shippable: number;
};

function useAdminForm(action: AdminAction) {
  const queryClient = useQueryClient();
  const router = useRouter();
  return useActionState(async (previous: FormState | null, formData: FormData) => {
    const next = await action(previous, formData);
    if (next.ok) {
      await Promise.all([queryClient.invalidateQueries({ queryKey: adminKeys.orders() }), queryClient.invalidateQueries({ queryKey: adminKeys.stock() })]);
      router.refresh();
    }
    return next;
  }, null);
}

/** One number field per line: how many of its units to refund or ship (0 up to what is left). */
function UnitsPerLine({ form, prefix, lines, max, state, verb }: {
  form: string;
  prefix: string;
  lines: AfterOrderLine[];
  max: (line: AfterOrderLine) => number;
  state: FormState | null;
  verb: string;
}) {
  return (
    <fieldset className="after-order-lines">
      <legend className="field-label">Units to {verb}, per line</legend>
      {lines
        .filter((line) => max(line) > 0)
        .map((line) => {
          const name = `${prefix}${line.variantId}`;
          return (
            <Field
              key={line.variantId}
              id={`${form}-${line.variantId}`}
              label={line.label}
              name={name}
              type="number"
              inputMode="numeric"
              min={0}
              max={max(line)}
              step={1}
              defaultValue={state?.ok ? "0" : (state?.values?.[name] ?? "0")}
              hint={`Up to ${max(line)}.`}
              errors={state?.fieldErrors?.[name]}
            />
          );
        })}
      {state?.fieldErrors?.lines ? <p className="field-error">{state.fieldErrors.lines.join(" ")}</p> : null}
    </fieldset>
  );
}

/**
 * What the merchant does after the order: refund units per line (back on sale or written off), ship units per line
 * with carrier and tracking, cancel an order nothing of which has shipped. Each form answers in words under it.
 */
export function AfterOrderForms({
  orderId,
  lines,
  requestKey,
  canCancel,
  refundAction,
  shipAction,
  cancelAction,
}: {
  orderId: string;
  lines: AfterOrderLine[];
  /** A fresh key per page view: submitting the same refund twice refunds once. */
  requestKey: string;
  canCancel: boolean;
  refundAction: AdminAction;
  shipAction: AdminAction;
  cancelAction: AdminAction;
}) {
  const [shipState, shipFormAction, shipping] = useAdminForm(shipAction);
  const [refundState, refundFormAction, refunding] = useAdminForm(refundAction);
  const [cancelState, cancelFormAction, cancelling] = useAdminForm(cancelAction);
  const canShip = lines.some((l) => l.shippable > 0);
  const canRefund = lines.some((l) => l.refundable > 0);
  return (
    <div className="after-order">
      {canShip ? (
        <form action={shipFormAction} className="card stack" aria-labelledby="ship-heading">
          <h3 id="ship-heading">Ship units</h3>
          <input type="hidden" name="orderId" value={orderId} />
          <UnitsPerLine form="ship" prefix="ship-" lines={lines} max={(l) => l.shippable} state={shipState} verb="ship" />
          <Field label="Carrier" name="carrier" id="ship-carrier" maxLength={60} defaultValue={shipState?.ok ? "" : (shipState?.values?.carrier ?? "")} errors={shipState?.fieldErrors?.carrier} />
          <Field
            label="Tracking number"
            name="trackingNumber"
            id="ship-tracking"
            maxLength={100}
            defaultValue={shipState?.ok ? "" : (shipState?.values?.trackingNumber ?? "")}
            hint="Sent to the shopper in the shipped email."
            errors={shipState?.fieldErrors?.trackingNumber}
          />
          <div>
            <SubmitButton size="sm" pending={shipping}>
              Ship these units
            </SubmitButton>
          </div>
          <FormMessage state={shipState} />
        </form>
      ) : null}
      {canRefund ? (
        <form action={refundFormAction} className="card stack" aria-labelledby="refund-heading">
          <h3 id="refund-heading">Refund</h3>
          <input type="hidden" name="orderId" value={orderId} />
          <input type="hidden" name="requestKey" value={requestKey} />
          <UnitsPerLine form="refund" prefix="refund-" lines={lines} max={(l) => l.refundable} state={refundState} verb="refund" />
          <label className="after-order-restock small">
            <input type="checkbox" name="restock" defaultChecked />
            Put the units back on sale (unshipped ones, and shipped ones that came back). Untick for damaged units.
          </label>
          <Field label="Reason for the refund" name="reason" id="refund-reason" required maxLength={200} defaultValue={refundState?.ok ? "" : (refundState?.values?.reason ?? "")} errors={refundState?.fieldErrors?.reason} />
          <div>
            <SubmitButton size="sm" variant="danger" pending={refunding}>
              Refund
            </SubmitButton>
          </div>
          <FormMessage state={refundState} />
        </form>
      ) : null}
      {canCancel ? (
        <form action={cancelFormAction} className="card stack" aria-labelledby="cancel-heading">
          <h3 id="cancel-heading">Cancel order</h3>
          <input type="hidden" name="orderId" value={orderId} />
          <Field
            label="Reason for cancelling"
            name="reason"
            id="cancel-reason"
            required
            maxLength={200}
            defaultValue={cancelState?.values?.reason ?? ""}
            hint="Nothing has shipped: the whole order is refunded and its units go back on sale."
            errors={cancelState?.fieldErrors?.reason}
          />
          <div>
            <SubmitButton variant="danger" size="sm" pending={cancelling}>
              Cancel order
            </SubmitButton>
          </div>
          {cancelState && !cancelState.fieldErrors ? <FormMessage state={cancelState} /> : null}
        </form>
      ) : null}
    </div>
  );
}
