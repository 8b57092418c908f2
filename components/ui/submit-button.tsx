"use client";

import { useFormStatus } from "react-dom";
import { Button, Spinner, type ButtonProps } from "./button";

/**
 * A form's submit button with a pending state. The label stays the same while pending (screen readers and
 * tests find buttons by name); a spinner and aria-busy show the wait, and disabling it stops double submits.
 */
export function SubmitButton({ children, disabled, pending: pendingProp, ...props }: ButtonProps & { pending?: boolean }) {
  const status = useFormStatus();
  const pending = pendingProp ?? status.pending;
  return (
    <Button type="submit" disabled={disabled || pending} aria-busy={pending || undefined} {...props}>
      {pending ? <Spinner /> : null}
      {children}
    </Button>
  );
}
