/** Money is integer cents everywhere; this is the one place that turns it into text. */
const dollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });

export function formatMoney(cents: number): string {
  return dollars.format(cents / 100);
}
