/**
 * How a pre-order's ship day reads to shoppers, for server code, client components and emails alike (no
 * server-only imports here). The day is a calendar day (YYYY-MM-DD) with no time zone: it is read as such (UTC),
 * so no reader's clock can move it to the day before.
 */

const dayInWords = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", timeZone: "UTC" });

/** "2027-03-14" → "14 March". */
export function shipDayInWords(day: string): string {
  return dayInWords.format(new Date(`${day.slice(0, 10)}T00:00:00Z`));
}

/** What the product page says of a variant sold as a pre-order: "Pre-order — ships around 14 March". */
export const preorderText = (day: string) => `Pre-order — ships around ${shipDayInWords(day)}`;

/** What an order line says while it waits for its delivery: "Ships around 14 March". */
export const shipsAroundText = (day: string) => `Ships around ${shipDayInWords(day)}`;
