import type { ReactNode } from "react";
import type { FormState } from "@/lib/platform/action-state";

export interface ControlProps {
  id: string;
  name: string;
  "aria-invalid"?: boolean;
  "aria-describedby"?: string;
  defaultValue?: string;
}

/**
 * A labelled control (input, select or textarea) with its hint and its own error message wired to it, in the
 * shop's field style. A refused form shows what was typed again.
 */
export function FormField({
  form,
  name,
  label,
  hint,
  state,
  children,
}: {
  form: string;
  name: string;
  label: string;
  hint?: string;
  state: FormState | null;
  children: (props: ControlProps) => ReactNode;
}) {
  const id = `${form}-${name}`;
  const errors = state?.fieldErrors?.[name];
  const describedBy = [hint ? `${id}-hint` : null, errors ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div className={errors ? "field field-invalid" : "field"}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children({
        id,
        name,
        "aria-invalid": errors ? true : undefined,
        "aria-describedby": describedBy || undefined,
        defaultValue: state?.ok === false ? state.values?.[name] : undefined,
      })}
      {hint ? (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      ) : null}
      {errors ? (
        <p id={`${id}-error`} className="field-error">
          {errors.join(" ")}
        </p>
      ) : null}
    </div>
  );
}
