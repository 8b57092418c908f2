import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from "react";

/**
 * A labelled input with its hint and errors wired to it (aria-describedby, aria-invalid), so the label is the
 * input's accessible name and a screen reader reads the error with it.
 */
export function Field({
  label,
  name,
  id,
  hint,
  errors,
  className,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & {
  label: ReactNode;
  name: string;
  hint?: ReactNode;
  errors?: string[];
}) {
  const inputId = id ?? `field-${name}`;
  const hintId = hint ? `${inputId}-hint` : undefined;
  const errorId = errors?.length ? `${inputId}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={["field", errors?.length ? "field-invalid" : "", className ?? ""].filter(Boolean).join(" ")}>
      <label htmlFor={inputId} className="field-label">
        {label}
      </label>
      <input
        id={inputId}
        name={name}
        className="input"
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy}
        {...input}
      />
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p id={errorId} className="field-error">
          {errors.join(" ")}
        </p>
      ) : null}
    </div>
  );
}

/** A labelled select, wired like Field: its label names it, its hint and errors describe it. */
export function SelectField({
  label,
  name,
  id,
  hint,
  errors,
  className,
  children,
  ...select
}: SelectHTMLAttributes<HTMLSelectElement> & {
  label: ReactNode;
  name: string;
  hint?: ReactNode;
  errors?: string[];
  children: ReactNode;
}) {
  const selectId = id ?? `field-${name}`;
  const hintId = hint ? `${selectId}-hint` : undefined;
  const errorId = errors?.length ? `${selectId}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={["field", errors?.length ? "field-invalid" : "", className ?? ""].filter(Boolean).join(" ")}>
      <label htmlFor={selectId} className="field-label">
        {label}
      </label>
      <select
        id={selectId}
        name={name}
        className="select"
        aria-invalid={errors?.length ? true : undefined}
        aria-describedby={describedBy}
        {...select}
      >
        {children}
      </select>
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p id={errorId} className="field-error">
          {errors.join(" ")}
        </p>
      ) : null}
    </div>
  );
}
