/**
 * How a line names its variant, for server code and client components alike (no server-only imports here).
 */

/** A variant's options as shoppers read them: "M", "M / Red"; "" for a product without options. */
export function optionsLabel(options: Record<string, string>): string {
  return Object.values(options).join(" / ");
}

/** A line's name with its variant: "Trail Shirt — M"; a product without options keeps its plain name. */
export function lineName(name: string, options: Record<string, string> | undefined): string {
  const label = options ? optionsLabel(options) : "";
  return label ? `${name} — ${label}` : name;
}
