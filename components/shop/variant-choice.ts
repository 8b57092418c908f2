/**
 * Which variant a shopper has chosen on a product's page, read from the URL (`?Size=M&Colour=Red`, or
 * `?variant=<sku>` for a shared link to one SKU), and the links of the option pickers. Plain functions, so the
 * server page and the live client view read the choice the same way (and without JavaScript it is only links).
 */

/** "Trail Shirt — M": the one way lines name their variant, shared with the server (lib/catalog/line-name.ts). */
export { lineName, optionsLabel } from "@/lib/catalog/line-name";

export type ProductOption = { name: string; values: string[] };

/** What the pickers need of a variant (the product page's VariantDetail). */
export type PickableVariant = {
  id: string;
  sku: string;
  options: Record<string, string>;
  priceCents: number;
  available: number;
};

/** Chosen option values by option name; an option not chosen yet is absent. */
export type OptionChoice = Record<string, string>;

type SearchParams = Record<string, string | string[] | undefined>;

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

/**
 * The choice a URL names: `?variant=<sku>` picks every option of that SKU; otherwise each option's own parameter,
 * if it is one of that option's values (anything else is ignored, not refused). An option with a single value is
 * always chosen: there is nothing to pick.
 */
export function choiceFromSearchParams(options: ProductOption[], variants: PickableVariant[], params: SearchParams): OptionChoice {
  const sku = first(params.variant)?.trim().toLowerCase();
  const bySku = sku ? variants.find((v) => v.sku.toLowerCase() === sku) : undefined;
  const choice: OptionChoice = {};
  for (const option of options) {
    const wanted = bySku ? bySku.options[option.name] : first(params[option.name]);
    if (wanted !== undefined && option.values.includes(wanted)) choice[option.name] = wanted;
    else if (option.values.length === 1) choice[option.name] = option.values[0]!;
  }
  return choice;
}

/** The variant a full choice names, or null while an option is still open (or no variant has that combination). */
export function chosenVariant<V extends PickableVariant>(options: ProductOption[], variants: V[], choice: OptionChoice): V | null {
  if (options.length === 0) return variants.length === 1 ? variants[0]! : null;
  if (options.some((o) => choice[o.name] === undefined)) return null;
  return variants.find((v) => options.every((o) => v.options[o.name] === choice[o.name])) ?? null;
}

/** The first option still to choose ("Size"), or null once every option is chosen. */
export function openOption(options: ProductOption[], choice: OptionChoice): ProductOption | null {
  return options.find((o) => choice[o.name] === undefined) ?? null;
}

/**
 * What picking `value` for `option` leads to, given the other options already chosen: `available` (some variant
 * with it has stock), `sold_out` (such variants exist, none has stock now) or `unavailable` (no variant combines
 * it with the rest of the choice).
 */
export function valueState(
  option: ProductOption,
  value: string,
  options: ProductOption[],
  variants: PickableVariant[],
  choice: OptionChoice,
): "available" | "sold_out" | "unavailable" {
  const matching = variants.filter(
    (v) => v.options[option.name] === value && options.every((o) => o.name === option.name || choice[o.name] === undefined || v.options[o.name] === choice[o.name]),
  );
  if (matching.length === 0) return "unavailable";
  return matching.some((v) => v.available > 0) ? "available" : "sold_out";
}

/** The page's URL with `option` set to `value` (the other choices kept, in the product's option order). */
export function choiceHref(slug: string, options: ProductOption[], choice: OptionChoice, option: string, value: string): string {
  const next = { ...choice, [option]: value };
  const params = new URLSearchParams();
  for (const o of options) {
    // A single-valued option is chosen anyway: it need not crowd the URL.
    if (next[o.name] !== undefined && o.values.length > 1) params.set(o.name, next[o.name]!);
  }
  const query = params.toString();
  return `/products/${slug}${query ? `?${query}` : ""}`;
}

/** Options whose values are colours get swatches; others a row of buttons. */
export function isColourOption(name: string): boolean {
  return /^(colou?r|shade|finish)$/i.test(name.trim());
}
