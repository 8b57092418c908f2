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

// ---- Text PostgreSQL cannot store, paths Next.js cannot decode, references React cannot resolve.

/** Half a character: a lone UTF-16 surrogate (jsonb refuses it; UTF-8 cannot carry it). */
export const loneSurrogate = fc.constantFrom("\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "\ude42");

/**
 * Otherwise ordinary, short text with a NUL or a lone surrogate in it: the refused class a length or
 * character-class rule alone does not catch (printable ASCII around it, so no surrogate finds its pair).
 */
export const unstorableText = fc
  .tuple(fc.string({ maxLength: 12 }), fc.oneof(loneSurrogate, fc.constantFrom("\u0000", "\udbff\udbff", "\ude42\ud83d")), fc.string({ maxLength: 12 }))
  .map(([before, bad, after]) => `Fuzz ${before}${bad}${after}`);

/** Only the NUL class: what can travel in a multipart form field (lone surrogates become U+FFFD on the way). */
export const nulText = fc.tuple(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 })).map(([before, after]) => `Fuzz ${before}\u0000${after}`);

/** A path segment whose %-escapes do not decode to UTF-8 (truncated, overlong, surrogate, not hex, bare "%"). */
export const brokenEscapeSegment = fc
  .tuple(
    fc.constantFrom("", "a", "00000000-0000-0000-0000-000000000000", "fuzz-lamp"),
    fc.constantFrom("%E0%A4%A", "%C0%AF", "%", "%ZZ", "%E2%82", "%ED%A0%80", "%FF", "%C3%28", "%%", "%1", "%F0%9F%98", "%80"),
    fc.constantFrom("", "b", "%20"),
  )
  .map(([before, broken, after]) => `${before}${broken}${after}`)
  .filter((segment) => {
    try {
      decodeURIComponent(segment);
      return false;
    } catch {
      return true;
    }
  });

/**
 * Every tag React's reply decoder reads as a reference to another part of the body (parseModelString in
 * react-server-dom-*): "" (an outlined value), promises, server references, Map, Set, iterators, typed arrays,
 * DataView, blobs, streams and async iterables. Followed by a hex id and sometimes a ":path".
 */
export const REPLY_PART_TAGS = ["", "@", "h", "Q", "W", "i", "A", "O", "o", "U", "S", "s", "L", "l", "G", "g", "M", "m", "V", "B", "R", "r", "X", "x"] as const;

/** A reference by any of those tags to a part the body does not carry (parts 1–255; only part 0 is sent). */
export const missingPartReference = fc
  .tuple(fc.constantFrom(...REPLY_PART_TAGS), fc.integer({ min: 1, max: 255 }), fc.constantFrom("", ":a", ":0:b"))
  .map(([tag, id, path]) => `$${tag}${id.toString(16)}${path}`);
