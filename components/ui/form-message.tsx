import type { FormState } from "@/lib/platform/action-state";

/** The outcome of a form's last submit, announced to screen readers. */
export function FormMessage({ state, id }: { state: FormState | null; id?: string }) {
  if (!state?.message) return <p id={id} className="form-message" aria-live="polite" />;
  return (
    <p
      id={id}
      className={`form-message ${state.ok ? "form-message-ok" : "form-message-error"}`}
      role={state.ok ? "status" : "alert"}
    >
      {state.message}
    </p>
  );
}
