/**
 * The shopper-facing inputs, one zod schema each, shared by the server actions (form fields arrive as strings)
 * and the Store API route handlers (JSON). Numbers may come as digit strings from forms only; JSON must send numbers.
 */
import "server-only";
import { z } from "zod";
import { catalogueSorts, MAX_PRODUCTS_PER_PAGE } from "./catalog";
import { COUNTRY_CODES } from "./checkout/countries";
import { env } from "./platform/env";

/**
 * Text PostgreSQL can store as given: no NUL character (text columns refuse it) and well-formed UTF-16, with no
 * lone surrogate — half a character, which jsonb refuses and UTF-8 cannot carry (a text column would silently
 * get U+FFFD instead of what was sent). Every free text that reaches the database passes this refinement.
 */
export function isStorableText(value: string): boolean {
  return !value.includes("\u0000") && !LONE_SURROGATE.test(value);
}
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
export const UNSTORABLE_TEXT_MESSAGE = "Remove the unusual characters.";

/** A string that PostgreSQL can store (see isStorableText); chain trims and lengths after it as usual. */
export const storableString = (message = UNSTORABLE_TEXT_MESSAGE) => z.string().refine(isStorableText, message);

/** A search box's text (the admin's lists): at most 200 characters PostgreSQL can compare against. */
export const searchTermSchema = storableString("Remove the unusual characters from the search.").max(200, "Keep the search under 200 characters.");

/**
 * A search typed into a page's address bar: cut to 200 characters, blank or unstorable text read as no search
 * at all (a page has no error answer to give; nothing stored could match it anyway).
 */
export function pageSearchTerm(value: string | string[] | undefined): string | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim().slice(0, 200);
  return text && isStorableText(text) ? text : undefined;
}

/** "3" from a form field becomes 3; anything that is not a plain whole number is left for zod to refuse. */
const wholeNumberFromForm = (value: unknown) =>
  typeof value === "string" && /^\s*-?\d{1,9}\s*$/.test(value) ? Number(value) : value;

/**
 * A quantity as JSON sends it: a number, never a string (the contract refuses `"2"` with 400). Forms send
 * every field as a string, so their schemas read digit strings first (`fromForm`).
 */
const quantity = (min: number, fromForm = false) => {
  const number = z
    .number({ error: "Quantity must be a whole number." })
    .int("Quantity must be a whole number.")
    .min(min, min === 0 ? "Quantity cannot be negative." : "Quantity must be at least 1.")
    .max(env.MAX_QUANTITY_PER_LINE, `At most ${env.MAX_QUANTITY_PER_LINE} of one product fit in a cart.`);
  return fromForm ? z.preprocess(wholeNumberFromForm, number) : number;
};

/** Product ids are opaque strings; an id that names no product is a 404, decided by lib/cart. */
const productId = z
  .string({ error: "productId is required." })
  .trim()
  .min(1, "productId is required.")
  .max(100)
  .refine(isStorableText, "productId is not valid.");

/** Variant ids are opaque strings too; one that names no variant on sale is a 404, decided by lib/cart. */
const variantId = z
  .string({ error: "variantId is not valid." })
  .trim()
  .min(1, "variantId is not valid.")
  .max(100, "variantId is not valid.")
  .refine(isStorableText, "variantId is not valid.");

/**
 * What a cart line is of: `variantId`, or `productId` alone for a product sold as one variant (lib/catalog/variants
 * answers 400 `variant_required` for one with several), or both (they must agree: a variant of another product is
 * a 404). In forms an empty field counts as not given.
 */
const lineChoice = (fromForm: boolean) => {
  const blankIsMissing = <T extends z.ZodType>(schema: T) =>
    fromForm ? z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), schema) : schema;
  return { productId: blankIsMissing(productId.optional()), variantId: blankIsMissing(variantId.optional()) };
};
const namesALine = (body: { productId?: string | undefined; variantId?: string | undefined }, context: z.RefinementCtx) => {
  if (body.productId === undefined && body.variantId === undefined) {
    context.addIssue({ code: "custom", path: ["variantId"], message: "Choose what to add: send variantId (or productId)." });
  }
};

/** Store API bodies (JSON). */
export const addToCartSchema = z.object({ ...lineChoice(false), quantity: quantity(1) }).superRefine(namesALine);
export const setCartLineSchema = z.object({ quantity: quantity(0) });

/** The same inputs from forms (server actions), where numbers arrive as strings. */
export const addToCartFormSchema = z.object({ ...lineChoice(true), quantity: quantity(1, true) }).superRefine(namesALine);
export const setCartLineFormSchema = z.object({ quantity: quantity(0, true) });

/**
 * A cart line named in a path (`PUT /api/cart/lines/{variantId}`) or a form's fields: a variant id, or the id of a
 * product sold as one variant. Forms may send `variantId` beside `productId`; the variant wins.
 */
export const lineKeyParamSchema = z.object({ variantId });
export const lineKeyFormSchema = z
  .object(lineChoice(true))
  .superRefine(namesALine)
  .transform(({ productId: product, variantId: variant }) => ({ lineKey: variant ?? product ?? "" }));

/** Slugs as products have them (the schema's CHECK); anything else names no product. */
export const productSlugSchema = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/).max(200);

/**
 * `GET /api/products` query parameters. Query strings carry text: `limit` must be plain digits and `inStock` one
 * of true/false/1/0; an empty value counts as not given. Unknown parameters are ignored.
 */
export const productListQuerySchema = z.object({
  q: z.preprocess(
    (value) => (value === "" ? undefined : value),
    storableString("Remove the control characters from the search.")
      .max(200, "Keep the search under 200 characters.")
      .regex(/^[^\u0000-\u001f\u007f]*$/, "Remove the control characters from the search.")
      .optional(),
  ),
  sort: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.enum(catalogueSorts, { error: `sort is one of ${catalogueSorts.join(", ")}.` }).optional(),
  ),
  inStock: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z
      .enum(["true", "false", "1", "0"], { error: "inStock is true or false." })
      .transform((value) => value === "true" || value === "1")
      .optional(),
  ),
  cursor: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z.string().max(1000, "The cursor is not valid.").optional(),
  ),
  limit: z.preprocess(
    (value) => (value === "" ? undefined : value),
    z
      .string()
      .regex(/^\d{1,4}$/, `limit is a whole number from 1 to ${MAX_PRODUCTS_PER_PAGE}.`)
      .transform(Number)
      .pipe(
        z
          .number()
          .int()
          .min(1, `limit is a whole number from 1 to ${MAX_PRODUCTS_PER_PAGE}.`)
          .max(MAX_PRODUCTS_PER_PAGE, `limit is at most ${MAX_PRODUCTS_PER_PAGE}.`),
      )
      .optional(),
  ),
});
export type ProductListQuery = z.infer<typeof productListQuerySchema>;

const email = storableString("Enter a valid email address.")
  .trim()
  .toLowerCase()
  .max(254, "That email address is too long.")
  .pipe(z.email("Enter a valid email address."));

/** Empty form fields mean "not given". Control characters (other than line breaks and tabs) are refused. */
const optionalText = (max: number) =>
  z.preprocess(
    (value) => (typeof value === "string" && value.trim() === "" ? undefined : value),
    storableString()
      .trim()
      .max(max, `Keep it under ${max} characters.`)
      .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, UNSTORABLE_TEXT_MESSAGE)
      .optional(),
  );

/** `email` is required for guests; lib/checkout decides that, since only it knows who is shopping. */
export const startCheckoutSchema = z.object({
  email: z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), email.optional()),
  // "Try another card": the checkout whose details (name, address) the new one keeps.
  previousCheckoutId: z.preprocess((value) => (value === "" ? undefined : value), z.uuid().optional()),
});

/** Joining the line: `email` (guests) is where the offer is sent. */
export const joinLineSchema = z.object({
  email: z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), email.optional()),
});

const countryCode = z.enum(COUNTRY_CODES, "Choose a country from the list.");

/**
 * What the shopper types into the checkout form. Every field is optional: any of them counts as activity (the
 * page saves what is typed as it goes). Whether the delivery details are complete is checked when paying.
 */
export const checkoutDetailsSchema = z.object({
  email: z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), email.optional()),
  name: optionalText(200),
  address: optionalText(500),
  city: optionalText(200),
  postcode: optionalText(40),
  country: z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), countryCode.optional()),
});
export type CheckoutDetailsInput = z.infer<typeof checkoutDetailsSchema>;

/** The delivery details a shipping shop needs before it takes the money, each with its own message. */
export const DELIVERY_FIELDS = ["name", "address", "postcode", "city", "country"] as const;
const requiredText = (max: number, missing: string) =>
  z.preprocess((value) => (value === undefined || value === null ? "" : value), storableString().trim().min(1, missing).max(max, `Keep it under ${max} characters.`));
export const deliveryDetailsSchema = z.object({
  name: requiredText(200, "Enter the name to deliver to."),
  address: requiredText(500, "Enter the street address."),
  postcode: requiredText(40, "Enter the postcode."),
  city: requiredText(200, "Enter the city."),
  country: z.preprocess((value) => (value === undefined || value === null ? "" : value), z.enum(COUNTRY_CODES, "Choose the country to deliver to.")),
});

/** Splits checkout details into the email and the free-form details lib/checkout stores. */
export function toActivityInput(input: CheckoutDetailsInput): { email?: string; details?: Record<string, string> } {
  const { email: givenEmail, ...rest } = input;
  const details = Object.fromEntries(
    Object.entries(rest).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  return {
    ...(givenEmail ? { email: givenEmail } : {}),
    ...(Object.keys(details).length > 0 ? { details } : {}),
  };
}

/**
 * How the shopper pays: a card number (the built-in test provider) or a Stripe PaymentMethod id made in the
 * browser by Stripe Elements (PAYMENT_PROVIDER=stripe) — exactly one of the two.
 */
export const payBodySchema = z
  .object({
    // Card numbers: digits only once spaces are stripped, 12 to 19 of them.
    cardNumber: z
      .string({ error: "Enter your card number." })
      .transform((value) => value.replace(/\s+/g, ""))
      .pipe(z.string().regex(/^\d{12,19}$/, "A card number is 12 to 19 digits."))
      .optional(),
    // An empty hidden form field (Stripe Elements made none) is no payment method at all.
    paymentMethod: z.preprocess(
      (value) => (value === "" ? undefined : value),
      z.string().max(255, "The payment method is not valid.").regex(/^pm_[A-Za-z0-9_]+$/, "The payment method is not valid.").optional(),
    ),
    // "Pay the new total": the total the shopper was shown after a price change and accepted (a form sends text).
    acceptTotalCents: z.preprocess(
      (value) => (value === "" ? undefined : typeof value === "string" ? Number(value) : value),
      z.number({ error: "The accepted total is not valid." }).int("The accepted total is not valid.").min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    ),
  })
  .superRefine((body, context) => {
    if (body.cardNumber === undefined && body.paymentMethod === undefined) {
      context.addIssue({ code: "custom", path: ["cardNumber"], message: "Enter your card number." });
    } else if (body.cardNumber !== undefined && body.paymentMethod !== undefined) {
      context.addIssue({ code: "custom", path: ["paymentMethod"], message: "Send either a card number or a payment method, not both." });
    }
  });

/**
 * POST /api/checkout/{id}/pay: the payment, and optionally the checkout details with it (saved before paying,
 * as the checkout form does).
 */
export const payRequestSchema = z.intersection(payBodySchema, checkoutDetailsSchema);

/** Why the merchant cancels an order (kept on its ledger rows). */
export const cancelOrderBodySchema = z.object({
  reason: storableString("Remove the unusual characters.")
    .trim()
    .min(1, "Give a reason.")
    .max(200, "Use at most 200 characters.")
    .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, "Remove the unusual characters."),
});

const orderReason = () =>
  storableString("Remove the unusual characters.")
    .trim()
    .min(1, "Give a reason.")
    .max(200, "Use at most 200 characters.")
    .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, "Remove the unusual characters.");

/** Some units of an order line: a whole, positive number of them. */
const lineUnitsSchema = z.object({
  variantId: z.uuid("variantId is one of the order's lines."),
  quantity: z
    .number({ error: "quantity is a whole number of units." })
    .int("quantity is a whole number of units.")
    .min(1, "quantity is at least 1.")
    .max(100_000, "quantity is at most 100000."),
});
const lineUnitsListSchema = z.array(lineUnitsSchema).min(1, "Name at least one line.").max(200, "Name at most 200 lines.");

/** POST /api/admin/orders/{id}/refund: chosen lines (none: the whole order), whether units go back on sale, why. */
export const refundOrderBodySchema = z.strictObject({
  lines: lineUnitsListSchema.optional(),
  restock: z.boolean({ error: "restock is true or false." }),
  reason: orderReason(),
});
export type RefundOrderBody = z.infer<typeof refundOrderBodySchema>;

/** A carrier's name and a tracking number: printable text only (they go into the shopper's email). */
const shippingText = (what: string, max: number) =>
  storableString(`The ${what} has unusual characters.`)
    .trim()
    .min(1, `The ${what} is empty.`)
    .max(max, `The ${what} is at most ${max} characters.`)
    .regex(/^[^\p{Cc}\p{Cf}]*$/u, `The ${what} has control characters.`);

/**
 * POST /api/admin/orders/{id}/fulfil (optional body): chosen lines (none: everything left), or what is allocated at
 * one location, with the carrier and tracking number of the parcel.
 */
export const fulfilOrderBodySchema = z.object({
  lines: lineUnitsListSchema.optional(),
  locationId: z.uuid("locationId is a location's id.").optional(),
  trackingNumber: shippingText("tracking number", 100).optional(),
  carrier: shippingText("carrier", 60).optional(),
});
export type FulfilOrderBody = z.infer<typeof fulfilOrderBodySchema>;

/** One key per payment attempt, chosen by the client: a retry with the same key gets the first answer. */
export const idempotencyKeySchema = z
  .string({ error: "The Idempotency-Key header is required." })
  .trim()
  .min(1, "The Idempotency-Key must be 1 to 255 visible characters.")
  .max(255, "The Idempotency-Key must be 1 to 255 visible characters.")
  .regex(/^[\x21-\x7e]+$/, "The Idempotency-Key must be 1 to 255 visible characters.");

export const signInSchema = z.object({
  email,
  password: z.string().min(1, "Enter your password.").max(200),
});

/** A password someone chooses: at sign-up and when setting a new one with a reset link. */
const newPassword = storableString()
  .min(8, "Use at least 8 characters.")
  .max(200, "Use at most 200 characters.");

export const signUpSchema = z.object({
  name: optionalText(100),
  email,
  password: newPassword,
});

/** "Forgot password": the address to send the link to. */
export const passwordResetRequestSchema = z.object({ email });

/** The reset form: the link's token (checked by lib/accounts) and the new password. */
export const passwordResetSchema = z.object({
  token: z.string().max(200),
  password: newPassword,
});

/** A verification link's token, posted back by the page's "Confirm" button. */
export const verifyEmailSchema = z.object({ token: z.string().max(200) });

/** Where to go after signing in: a path on this site only, never another origin. */
export function safeCallbackPath(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 500) return fallback;
  // "/x" is local; "//host" and "/\host" are other origins to a browser; control characters are never needed.
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return fallback;
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback;
  return value;
}

/**
 * FormData as a plain object of its string fields, for zod. Server actions are public endpoints: a hand-made
 * request can pass anything where the form's FormData should be, and that reads as an empty form.
 */
export function formFields(formData: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!(formData instanceof FormData)) return fields;
  for (const [key, value] of formData.entries()) {
    if (typeof value === "string" && !key.startsWith("$ACTION")) fields[key] = value;
  }
  return fields;
}

/** "Notify me when it's back": the email may be left out by a signed-in shopper (their account's is used). */
export const notifyMeSchema = z.object({
  email: z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), email.optional()),
});

/**
 * Guest order lookup: the email the order was placed with and its number as printed ("#3f2a9c1d", with or
 * without "#"), or the whole order id.
 */
export const orderLookupSchema = z.object({
  email,
  orderNumber: z
    .string("Enter the order number.")
    .trim()
    .toLowerCase()
    .transform((value) => value.replace(/^#/, ""))
    .pipe(
      z
        .string()
        .regex(
          /^[0-9a-f]{8}(-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$/,
          "Enter the order number as printed, like #3f2a9c1d.",
        ),
    ),
});
