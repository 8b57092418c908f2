/**
 * The countries the shop ships to, as ISO 3166-1 alpha-2 codes with their English names: the checkout's country
 * select, the check of what it sends (lib/store-schemas.ts), and the name shown wherever an order's address is.
 * Safe for client components (no server-only imports).
 */
export const COUNTRIES = [
  ["AT", "Austria"],
  ["AU", "Australia"],
  ["BE", "Belgium"],
  ["BG", "Bulgaria"],
  ["CA", "Canada"],
  ["CH", "Switzerland"],
  ["CY", "Cyprus"],
  ["CZ", "Czechia"],
  ["DE", "Germany"],
  ["DK", "Denmark"],
  ["EE", "Estonia"],
  ["ES", "Spain"],
  ["FI", "Finland"],
  ["FR", "France"],
  ["GB", "United Kingdom"],
  ["GR", "Greece"],
  ["HR", "Croatia"],
  ["HU", "Hungary"],
  ["IE", "Ireland"],
  ["IS", "Iceland"],
  ["IT", "Italy"],
  ["JP", "Japan"],
  ["LI", "Liechtenstein"],
  ["LT", "Lithuania"],
  ["LU", "Luxembourg"],
  ["LV", "Latvia"],
  ["MT", "Malta"],
  ["NL", "Netherlands"],
  ["NO", "Norway"],
  ["NZ", "New Zealand"],
  ["PL", "Poland"],
  ["PT", "Portugal"],
  ["RO", "Romania"],
  ["SE", "Sweden"],
  ["SG", "Singapore"],
  ["SI", "Slovenia"],
  ["SK", "Slovakia"],
  ["US", "United States"],
] as const satisfies readonly (readonly [string, string])[];

export type CountryCode = (typeof COUNTRIES)[number][0];

export const COUNTRY_CODES = COUNTRIES.map(([code]) => code) as [CountryCode, ...CountryCode[]];

const names = new Map<string, string>(COUNTRIES);

/** The country's name for a code; text stored before the select existed is shown as it was typed. */
export const countryName = (value: string | undefined): string | undefined => (value ? (names.get(value) ?? value) : undefined);
