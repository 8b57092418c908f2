/**
 * The flat form fields of the new-product form's options and variant rows ("options.0.name",
 * "variants.2.sku", "variants.2.value.0"), read back into rows. Shared by the form and its server action.
 */

export interface OptionRow {
  name: string;
  /** As typed: "S, M, L". */
  values: string;
}

export interface VariantRow {
  sell: boolean;
  sku: string;
  /** One value per option, in the options' order. */
  values: string[];
  price: string;
  onHand: string;
}

/** The most options a product may have, and so the option rows the form shows. */
export const OPTION_ROWS = 3;

const indices = (values: Record<string, string>, pattern: RegExp) =>
  [...new Set(Object.keys(values).flatMap((key) => pattern.exec(key)?.[1] ?? []))].map(Number).sort((a, b) => a - b);

/** Every option row present in the fields (a forged fourth one too, so the schema can refuse it). */
export function optionRowsOf(values: Record<string, string>): OptionRow[] {
  return indices(values, /^options\.(\d{1,2})\.(?:name|values)$/).map((i) => ({
    name: values[`options.${i}.name`] ?? "",
    values: values[`options.${i}.values`] ?? "",
  }));
}

export function variantRowsOf(values: Record<string, string>): VariantRow[] {
  return indices(values, /^variants\.(\d{1,3})\.sku$/).map((i) => ({
    sell: values[`variants.${i}.sell`] === "on",
    sku: values[`variants.${i}.sku`] ?? "",
    values: indices(values, new RegExp(`^variants\\.${i}\\.value\\.(\\d)$`)).map((k) => values[`variants.${i}.value.${k}`] ?? ""),
    price: values[`variants.${i}.price`] ?? "",
    onHand: values[`variants.${i}.onHand`] ?? "",
  }));
}

/** Every combination of the options' values, the first option varying slowest: S/Blue, S/Red, M/Blue, … */
export function allCombinations(values: readonly (readonly string[])[]): string[][] {
  return values.reduce<string[][]>((combos, optionValues) => combos.flatMap((c) => optionValues.map((v) => [...c, v])), [[]]);
}

/** "trail-shirt" and [M, Forest green] → "TRAIL-SHIRT-M-FOREST-GREEN" (what skuSchema accepts, at most 64). */
export function suggestedSku(prefix: string, combination: readonly string[]): string {
  const part = (text: string) =>
    text
      .toUpperCase()
      .normalize("NFKD")
      .replace(/[^A-Z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "");
  return [part(prefix), ...combination.map(part)]
    .filter(Boolean)
    .join("-")
    .slice(0, 64)
    .replace(/-+$/, "");
}
