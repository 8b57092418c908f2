import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from "react";

type Labelled = { label: ReactNode; name: string; id?: string; hint?: ReactNode; errors?: string[]; className?: string };

/** What the control needs to be named and described by the frame around it. */
type ControlWiring = { id: string; name: string; "aria-invalid": true | undefined; "aria-describedby": string | undefined };

/**
 * The label, hint and errors around one form control, wired to it (aria-describedby, aria-invalid), so the label
 * is the control's accessible name and a screen reader reads the error with it.
 */
function FieldFrame({ label, name, id, hint, errors, className, control }: Labelled & { control: (wiring: ControlWiring) => ReactNode }) {
  const controlId = id ?? `field-${name}`;
  const hintId = hint ? `${controlId}-hint` : undefined;
  const errorId = errors?.length ? `${controlId}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={["field", errors?.length ? "field-invalid" : "", className ?? ""].filter(Boolean).join(" ")}>
      <label htmlFor={controlId} className="field-label">
        {label}
      </label>
      {control({ id: controlId, name, "aria-invalid": errors?.length ? true : undefined, "aria-describedby": describedBy })}
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

/** A labelled input with its hint and errors. */
export function Field({ label, name, id, hint, errors, className, ...input }: InputHTMLAttributes<HTMLInputElement> & Labelled) {
  return (
    <FieldFrame
      {...{ label, name, id, hint, errors, className }}
      control={(wiring) => <input {...wiring} className="input" {...input} />}
    />
  );
}

/** A labelled select, wired like Field. */
export function SelectField({
  label,
  name,
  id,
  hint,
  errors,
  className,
  children,
  ...select
}: SelectHTMLAttributes<HTMLSelectElement> & Labelled & { children: ReactNode }) {
  return (
    <FieldFrame
      {...{ label, name, id, hint, errors, className }}
      control={(wiring) => (
        <select {...wiring} className="select" {...select}>
          {children}
        </select>
      )}
    />
  );
}
