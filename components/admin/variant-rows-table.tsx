import type { FormState } from "@/lib/platform/action-state";
import type { VariantRow } from "./variant-rows";
import "./variant-forms.css";

/**
 * The proposed variants of a new product, one row per combination: whether to sell it, its SKU, its price (the
 * product's when empty) and its opening stock (received at the first active location by priority). Each cell shows
 * its own error after a refused submit.
 */
export function NewVariantRows({ rows, optionNames, state }: { rows: VariantRow[]; optionNames: string[]; state: FormState | null }) {
  const errorOf = (i: number, field: string) => state?.fieldErrors?.[`variants.${i}.${field}`];
  const rowsError = state?.fieldErrors?.variants;
  return (
    <fieldset className="variant-rows">
      <legend className="field-label">Variants</legend>
      <p className="field-hint">
        Untick a combination you do not sell. An empty price is the product&apos;s price. Opening stock arrives at the
        first active location.
      </p>
      <div className="admin-scroll">
        <table className="table admin-table variant-rows-table">
          <thead>
            <tr>
              <th scope="col">Sell</th>
              <th scope="col">{optionNames.filter(Boolean).join(" / ") || "Variant"}</th>
              <th scope="col">SKU</th>
              <th scope="col">Price</th>
              <th scope="col">Stock</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => {
              const label = row.values.join(" / ");
              const errors = ["sku", "price", "onHand", "values"].flatMap((field) => errorOf(i, field) ?? []);
              return (
                <tr key={`${i}-${label}`}>
                  <td className="variant-row-sell">
                    <input type="checkbox" name={`variants.${i}.sell`} defaultChecked={row.sell} aria-label={`Sell ${label}`} />
                  </td>
                  <th scope="row" className="variant-row-label">
                    {label}
                    {row.values.map((value, k) => (
                      <input key={k} type="hidden" name={`variants.${i}.value.${k}`} value={value} />
                    ))}
                    {errors.length > 0 ? (
                      <p id={`variant-row-${i}-error`} className="field-error">
                        {errors.join(" ")}
                      </p>
                    ) : null}
                  </th>
                  <td data-label="SKU">
                    <input
                      className="input variant-sku"
                      name={`variants.${i}.sku`}
                      defaultValue={row.sku}
                      aria-label={`SKU of ${label}`}
                      aria-invalid={errorOf(i, "sku") ? true : undefined}
                      aria-describedby={errors.length > 0 ? `variant-row-${i}-error` : undefined}
                      maxLength={64}
                      autoComplete="off"
                    />
                  </td>
                  <td data-label="Price">
                    <input
                      className="input variant-price"
                      name={`variants.${i}.price`}
                      defaultValue={row.price}
                      aria-label={`Price of ${label}`}
                      aria-invalid={errorOf(i, "price") ? true : undefined}
                      inputMode="decimal"
                      placeholder="—"
                    />
                  </td>
                  <td data-label="Stock">
                    <input
                      className="input variant-stock"
                      name={`variants.${i}.onHand`}
                      defaultValue={row.onHand}
                      aria-label={`Opening stock of ${label}`}
                      aria-invalid={errorOf(i, "onHand") ? true : undefined}
                      type="number"
                      min={0}
                      step={1}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {rowsError ? <p className="field-error">{rowsError.join(" ")}</p> : null}
    </fieldset>
  );
}
