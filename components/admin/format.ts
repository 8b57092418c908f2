/** Display helpers for the admin views; deterministic, so the server and every browser render the same text. */

/** "2025-01-31 14:05:09 UTC", whatever the viewer's time zone. */
export const formatTime = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

export const shortId = (id: string) => id.slice(0, 8);

/** A change in units with its sign: "+3", "-2", "0". */
export const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

/** A variant's name as shoppers read it: "Trail Shirt — M / Red"; a product without options keeps its plain name. */
export function variantName(name: string, options: Record<string, string>): string {
  const label = Object.values(options).join(" / ");
  return label ? `${name} — ${label}` : name;
}
