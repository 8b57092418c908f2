import Link from "next/link";
import {
  choiceHref,
  isColourOption,
  valueState,
  type OptionChoice,
  type PickableVariant,
  type ProductOption,
} from "./variant-choice";
import "./variant-picker.css";

/**
 * One group of links per option, in the product's option order: buttons, or swatches for a colour. Picking is
 * following a link (the choice lives in the URL, so it can be shared and needs no JavaScript). Values that are
 * sold out, or that no variant combines with the rest of the choice, stay visible, struck through.
 */
export function VariantPicker({
  slug,
  options,
  variants,
  choice,
}: {
  slug: string;
  options: ProductOption[];
  variants: PickableVariant[];
  choice: OptionChoice;
}) {
  return (
    <div className="variant-picker">
      {options.map((option) => {
        const labelId = `option-${option.name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
        const swatches = isColourOption(option.name);
        return (
          <div key={option.name} className="variant-option" role="group" aria-labelledby={labelId}>
            <p className="variant-option-label" id={labelId}>
              {option.name}
              {choice[option.name] !== undefined ? <span className="muted">: {choice[option.name]}</span> : null}
            </p>
            <ul className="variant-values">
              {option.values.map((value) => {
                const state = valueState(option, value, options, variants, choice);
                const chosen = choice[option.name] === value;
                const note = state === "sold_out" ? "sold out" : state === "unavailable" ? "not available" : null;
                return (
                  <li key={value}>
                    <Link
                      href={choiceHref(slug, options, choice, option.name, value)}
                      scroll={false}
                      replace
                      className={[
                        "variant-value",
                        swatches ? "variant-swatch" : null,
                        chosen ? "is-chosen" : null,
                        note ? "is-unavailable" : null,
                      ]
                        .filter(Boolean)
                        .join(" ")}
                      aria-current={chosen ? "true" : undefined}
                      // "L, sold out": the visible value first (speech control finds it by that), then why it is struck.
                      aria-label={note ? `${value}, ${note}` : undefined}
                      title={note ? `${value}: ${note}` : undefined}
                    >
                      {swatches ? (
                        <span className="swatch-dot" style={{ background: value.toLowerCase().replace(/\s+/g, "") }} aria-hidden="true" />
                      ) : null}
                      <span className="variant-value-text">{value}</span>
                    </Link>
                  </li>
                );
              })}
            </ul>
          </div>
        );
      })}
    </div>
  );
}
