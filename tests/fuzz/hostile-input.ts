/**
 * Generators of hostile input for the fuzz tests, and the rules that say when an input would be acceptable
 * (those are filtered out: every input generated here must be refused). The rules mirror the contract: whole
 * quantities 1–50 (digit strings allowed from forms), emails, 12–19 digit card numbers, printable keys.
 */
import fc from "fast-check";

export const MAX_PER_LINE = 50;

export const injections = [
  "' or 1=1 --",
  "'; drop table stock_levels; --",
  "\"; select pg_sleep(10); --",
  "1; update stock_levels set on_hand = 0",
  "$$; select 1; $$",
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  "../../../../etc/passwd",
  "..%2f..%2fetc%2fpasswd",
  "%00",
  "\u0000",
  "a\u0000b",
  "\ud800",
  "${7*7}",
  "{{7*7}}",
  "__proto__",
  "constructor",
  "prototype",
  "\\",
  "\\u0000",
  "🙂",
  "NaN",
  "Infinity",
  "-Infinity",
  "-0",
  "1e309",
  "0x10",
  "1_000",
  "١٢",
  "\t\n",
  " ",
  "null",
  "undefined",
  "true",
  "[]",
  "{}",
];

/** Strings that can appear in a URL path segment (lone surrogates cannot be percent-encoded). */
const encodable = (s: string) => {
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
};

export const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom(...injections),
  fc.string({ minLength: 300, maxLength: 3000 }),
  fc.constantFrom("x".repeat(20_000), "é".repeat(9_000)),
);

export const hugeNumber = fc.constantFrom(
  1e308,
  -1e308,
  2 ** 53 + 2,
  2 ** 31,
  -(2 ** 31) - 1,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  1e21,
  5e-324,
);

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  hugeNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 5 })), { maxLength: 4 }),
  fc.object({ maxDepth: 2, maxKeys: 4 }),
);

/** An id for a path segment that names nothing (random, injection, numeric, uuid-shaped, very long). */
export const unknownId = fc
  .oneof(fc.uuid(), hostileString, fc.integer().map(String), fc.constantFrom("00000000-0000-0000-0000-000000000000", "1", "-1"))
  .filter((s) => s.length > 0 && !/^\.+$/.test(s.trim()) && encodable(s));

export const pathSegment = (s: string) => encodeURIComponent(s);

// ---- What would be accepted (the generators below never produce it).

export function acceptableQuantity(value: unknown, min: number): boolean {
  let n: number | undefined;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && /^\s*-?\d{1,9}\s*$/.test(value)) n = Number(value);
  return n !== undefined && Number.isInteger(n) && n >= min && n <= MAX_PER_LINE;
}

/** Liberal on purpose: anything shaped at all like an email counts as acceptable and is not generated. */
export const acceptableEmail = (value: unknown) => typeof value === "string" && /^\s*[^\s@]+@[^\s@]+\s*$/.test(value);

export const acceptableCard = (value: unknown) => typeof value === "string" && /^\d{12,19}$/.test(value.replace(/\s+/g, ""));

export const acceptableKey = (value: unknown) => typeof value === "string" && /^[\x21-\x7e]{1,255}$/.test(value.trim());

export const acceptableText = (value: unknown, max: number) =>
  value === undefined || (typeof value === "string" && value.trim().length <= max);

export const badQuantity = (min: number) => hostileValue.filter((v) => !acceptableQuantity(v, min));
export const badEmail = fc.oneof(hostileValue, fc.emailAddress().map((e) => `${e}@`)).filter((v) => !acceptableEmail(v));
export const badCard = fc.oneof(hostileValue, fc.constantFrom("4242 4242 4242 424", "42424242424242424242", "4242-4242-4242-4242")).filter((v) => !acceptableCard(v));
export const badKey = fc
  .oneof(fc.string({ maxLength: 7 }), fc.string({ minLength: 201, maxLength: 400 }), fc.constantFrom("with space", "key with spaces in it", "tab\tkey-123"))
  .filter((v) => !acceptableKey(v) && !/[\r\n\0]/.test(v) && /^[\x20-\x7e\t]*$/.test(v));

/** Text that a JSON parser refuses. */
export const malformedJson = fc
  .oneof(
    fc.string({ minLength: 1, maxLength: 60 }),
    fc.constantFrom("{", "{\"quantity\": }", "{'productId': 1}", "[1,2", "{\"a\":1,}", "NaN", "undefined", "{\"quantity\": 01}", "\u0000", "{\"x\":\"\\u00\"}", "{\"__proto__\": {\"admin\": true}"),
  )
  .filter((text) => {
    if (text.trim().length === 0) return false;
    try {
      JSON.parse(text);
      return false;
    } catch {
      return true;
    }
  });

export const wrongContentType = fc.constantFrom(
  "text/plain",
  "application/x-www-form-urlencoded",
  "application/xml",
  "text/json",
  "text/html",
  "application/octet-stream",
);
