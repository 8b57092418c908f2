/**
 * Who may run the shop: admin authorisation for pages, server actions and route handlers. The role is read
 * from the database on every call (through `currentAccount`), so a demoted admin loses access at once.
 */
import "server-only";
import { createHash, timingSafeEqual } from "node:crypto";
import { forbidden, redirect } from "next/navigation";
import { z } from "zod";
import { env } from "../platform/env";
import { DomainError } from "../platform/errors";
import { currentAccount } from "../accounts/identity";
import { MAX_KIT_COMPONENT_QUANTITY, MAX_PRODUCT_OPTIONS } from "@/db/schema";
import { MAX_KIT_COMPONENTS } from "../catalog/kits";
import { storableString } from "../store-schemas";
import type { Shopper } from "../accounts/shoppers";

/** Compares two secrets in constant time: both are hashed first, so lengths never leak either. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or null when there is no such header. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  const match = header?.match(/^Bearer\s+(.+)$/i);
  return match ? match[1]!.trim() : null;
}

const notSignedIn = () =>
  new DomainError("unauthenticated", "Sign in as an admin, or send Authorization: Bearer <ADMIN_API_TOKEN>.");
const notAnAdmin = () => new DomainError("forbidden", "Only admins may do this.");

/** The signed-in admin, for server actions. Throws 401 for a visitor and 403 for anyone else. */
export async function requireAdmin(): Promise<Shopper> {
  const account = await currentAccount();
  if (!account) throw notSignedIn();
  if (account.kind !== "admin") throw notAnAdmin();
  return account;
}

/**
 * The signed-in admin, for admin pages: a visitor is sent to sign in (and back here afterwards), a signed-in
 * shopper gets the 403 page.
 */
export async function requireAdminPage(returnTo: string): Promise<Shopper> {
  const account = await currentAccount();
  if (!account) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  if (account.kind !== "admin") forbidden();
  return account;
}

export interface AdminCaller {
  /** The admin's user id for the ledger; null for the API token, which belongs to no one. */
  actorId: string | null;
}

/**
 * Admin route handlers: an admin session, or `Authorization: Bearer <ADMIN_API_TOKEN>`.
 * A bearer header decides on its own: the right token passes, any other (or any token while ADMIN_API_TOKEN
 * is unset) is 403, because the caller did present credentials. Without one, the session decides: none is
 * 401, a signed-in non-admin is 403.
 */
export async function authoriseAdminRequest(request: Request): Promise<AdminCaller> {
  const token = bearerToken(request);
  if (token !== null) {
    if (env.ADMIN_API_TOKEN && sameSecret(token, env.ADMIN_API_TOKEN)) return { actorId: null };
    throw new DomainError("forbidden", "This API token is not valid.");
  }
  const admin = await requireAdmin();
  return { actorId: admin.id };
}

/**
 * Every admin server action's options for `shopperAction` (lib/platform/action-state.ts): the caller must be an
 * admin, checked before the form is read; a refused form keeps every field (none is secret).
 */
export const adminForm = { requires: requireAdmin, keep: "all" } as const;

// ---------------------------------------------------------------------------------------------------------
// Inputs of the admin API (JSON); the admin forms reuse the same field rules.
// ---------------------------------------------------------------------------------------------------------

/** A sanity bound on unit counts, far above any real shelf, that keeps sums well inside 32-bit integers. */
export const MAX_UNITS = 1_000_000;
export const MAX_PRICE_CENTS = 100_000_000;

export const productFields = {
  name: storableString().trim().min(1, "Enter a name.").max(120, "Use at most 120 characters."),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .max(80, "Use at most 80 characters.")
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "Use lowercase letters and digits, joined by single hyphens."),
  description: storableString().trim().max(2000, "Use at most 2000 characters."),
  reason: storableString().trim().min(1, "Give a reason.").max(200, "Use at most 200 characters."),
  /** Units one shopper may hold and buy of a product; null: no limit. */
  limitPerCustomer: z.number().int("Use a whole number.").min(1, "Allow at least 1, or no limit.").max(10_000, "Use at most 10000.").nullable(),
};

/** An option's name or value as shoppers read it: "Size", "M", "Forest green". */
const optionText = storableString().trim().min(1, "Enter a name.").max(40, "Use at most 40 characters.");

export const skuSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/, "Use 1 to 64 letters, digits, dots, slashes, hyphens or underscores, starting with a letter or digit.");

/** A product's options: at most three, each with its values in the order shown; names and values unique. */
export const productOptionsSchema = z
  .array(
    z.object({
      name: optionText,
      values: z
        .array(optionText)
        .min(1, "Give the option at least one value.")
        .max(100, "Use at most 100 values.")
        .refine((values) => new Set(values.map((v) => v.toLowerCase())).size === values.length, "Each value may appear once."),
    }),
  )
  .max(MAX_PRODUCT_OPTIONS, `A product has at most ${MAX_PRODUCT_OPTIONS} options.`)
  .refine((options) => new Set(options.map((o) => o.name.toLowerCase())).size === options.length, "Each option name may appear once.");

/** One variant as the admin gives it: its SKU, its value of each option, and optionally its own price and stock. */
export const newVariantSchema = z.object({
  sku: skuSchema,
  options: z.record(optionText, optionText).default({}),
  priceCents: z.number().int().min(0).max(MAX_PRICE_CENTS).optional(),
  onHand: z.number().int().min(0).max(MAX_UNITS).optional(),
  /** Takes pre-orders against units on their way once the shelf is empty. */
  preorder: z.boolean().optional(),
});

export const newProductSchema = z.object({
  name: productFields.name,
  slug: productFields.slug.optional(),
  priceCents: z.number().int().min(0).max(MAX_PRICE_CENTS),
  onHand: z.number().int().min(0).max(MAX_UNITS).optional(),
  description: productFields.description.optional(),
  limitPerCustomer: productFields.limitPerCustomer.optional(),
  options: productOptionsSchema.optional(),
  variants: z.array(newVariantSchema).min(1, "Give at least one variant.").max(250, "Use at most 250 variants.").optional(),
  /** A kit: the variants it is made of and how many of each one kit takes (it has no stock of its own). */
  kit: z
    .array(
      z.object({
        variantId: z.string().max(64),
        quantity: z.number().int().min(1, "A kit takes at least 1 of each component.").max(MAX_KIT_COMPONENT_QUANTITY),
      }),
    )
    .min(1, "A kit is made of at least one component.")
    .max(MAX_KIT_COMPONENTS, `A kit is made of at most ${MAX_KIT_COMPONENTS} components.`)
    .optional(),
})
  .refine((p) => p.kit === undefined || p.limitPerCustomer == null, {
    path: ["limitPerCustomer"],
    message: "A kit's limit is its components': set the limit on them.",
  })
  .refine((p) => p.kit === undefined || (p.variants === undefined && (p.options ?? []).length === 0 && !p.onHand), {
    path: ["kit"],
    message: "A kit has no stock, options or variants of its own: its components have them.",
  })
  // Without variants the product is one variant holding `onHand`; with options, the variants must be listed.
  // Checked even when other fields are wrong, so one answer names every missing field.
  .refine((p) => p.kit !== undefined || p.variants !== undefined || p.onHand !== undefined, {
    path: ["onHand"],
    message: "Give the opening stock (onHand).",
    when: (payload) => typeof payload.value === "object" && payload.value !== null,
  })
  .refine((p) => p.variants !== undefined || (p.options ?? []).length === 0, { path: ["variants"], message: "List the variants of a product with options." });

export const variantChangesSchema = z
  .object({
    sku: skuSchema,
    priceCents: z.number().int().min(0).max(MAX_PRICE_CENTS),
    retired: z.boolean(),
    preorder: z.boolean(),
  })
  .partial()
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, "Send at least one field to change.");

export const stockAdjustmentSchema = z.object({
  delta: z
    .number()
    .int()
    .min(-MAX_UNITS)
    .max(MAX_UNITS)
    .refine((delta) => delta !== 0, "The change must not be zero."),
  reason: productFields.reason,
});

/** The stock the admin moves between locations: a whole number of units (a string such as "2" is refused). */
export const unitCountSchema = z.number().int("Give a whole number of units.").min(1, "Move at least one unit.").max(MAX_UNITS);

/** A location's name and place in the order holds draw on locations (lowest priority first). */
export const locationFields = {
  name: storableString().trim().min(1, "Enter a name.").max(80, "Use at most 80 characters."),
  priority: z.number().int("Give a whole number.").min(-1_000_000).max(1_000_000),
};

export const newLocationSchema = z.object({ name: locationFields.name, priority: locationFields.priority.optional() });

/** Rename, reorder or (de)activate a location: any of its fields, at least one. */
export const locationChangesSchema = z
  .object({ ...locationFields, active: z.boolean() })
  .partial()
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, "Send at least one field to change.");

/** Free units of one variant moved from one location to another, with a reason for the ledger. */
export const stockTransferSchema = z.object({
  variantId: z.uuid("variantId is a variant's id."),
  fromLocationId: z.uuid("fromLocationId is a location's id."),
  toLocationId: z.uuid("toLocationId is a location's id."),
  quantity: unitCountSchema,
  reason: productFields.reason,
});
