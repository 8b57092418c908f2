/**
 * What a server action hands back to its form: a readable message and per-field errors, never a stack trace.
 * The one shape of every server action (`shopperAction`: read the form → find the shopper → call lib → answer) and
 * the one place where domain errors become form state, as `handler()` in lib/platform/http.ts is for routes.
 */
import "server-only";
import { unstable_rethrow } from "next/navigation";
import { z, type ZodError } from "zod";
import { InsufficientStockError } from "../checkout";
import type { PaymentNextAction } from "../payments/provider";
import { formFields } from "../store-schemas";
import { toDomainError } from "./errors";

export interface ShortLineNote {
  productId: string;
  name: string;
  requested: number;
  available: number;
  /** For a kit's line: the component that is short ("Lamp"), and how many of it are left. */
  component?: { name: string; available: number };
}

export interface FormState {
  ok: boolean;
  message?: string;
  /** The error code from lib/platform/errors.ts, so a form can react to a kind of failure (e.g. checkout_expired). */
  code?: string;
  fieldErrors?: Record<string, string[]>;
  /** Cart lines that could not be held, with what is left of each. */
  shortLines?: ShortLineNote[];
  /** A refused start whose units are in others' holds (or others wait for them): the shopper may join the line. */
  line?: { canJoin: boolean; waiting: boolean };
  /** Prices changed since a lapsed checkout started (409 `price_changed`): the new lines and total to accept. */
  priceChange?: {
    lines: { productId: string; name: string; quantity: number; oldUnitPriceCents: number; unitPriceCents: number }[];
    oldTotalCents: number;
    newTotalCents: number;
  };
  /** A payment waiting for the shopper's bank (3-D Secure): what the browser must do with the provider. */
  nextAction?: PaymentNextAction;
  /** The values the shopper typed, so a refused form keeps them (never passwords or card numbers). */
  values?: Record<string, string>;
}

/** Adds a message under a field's name (an own property: a field may be named like `constructor`). */
function addFieldError(fieldErrors: Record<string, string[]>, key: string, message: string): void {
  if (Object.hasOwn(fieldErrors, key)) fieldErrors[key]!.push(message);
  else fieldErrors[key] = [message];
}

export function fieldErrorsOf(error: ZodError, values?: Record<string, string>): FormState {
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of error.issues) addFieldError(fieldErrors, issue.path.map(String).join(".") || "form", issue.message);
  return { ok: false, message: "Please check the highlighted fields.", fieldErrors, values };
}

/**
 * Turns anything an action threw into form state. Next.js control flow (redirect, notFound) is rethrown.
 * `names` turns variant (or product) ids of a shortage into names ("Trail Shirt — M").
 */
export function formStateOf(
  error: unknown,
  options: { values?: Record<string, string>; names?: Map<string, string> } = {},
): FormState {
  unstable_rethrow(error);
  const domainError = toDomainError(error);
  const state: FormState = { ok: false, code: domainError.code, message: domainError.message, values: options.values };
  if (error instanceof InsufficientStockError) {
    state.shortLines = error.lines.map(({ component, ...line }) => ({
      ...line,
      name: error.names[line.variantId] ?? options.names?.get(line.variantId) ?? options.names?.get(line.productId) ?? "An item",
      ...(component ? { component: { name: error.names[component.variantId] ?? "a part of it", available: component.available } } : {}),
    }));
  }
  const line = domainError.details.line as FormState["line"] | undefined;
  if (line && typeof line.canJoin === "boolean") state.line = { canJoin: line.canJoin, waiting: Boolean(line.waiting) };
  if (domainError.code === "price_changed") state.priceChange = domainError.details as FormState["priceChange"];
  const issues = domainError.details.issues;
  if (Array.isArray(issues)) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of issues as { path?: string[]; message?: string }[]) {
      if (issue.message) addFieldError(fieldErrors, issue.path?.join(".") || "form", issue.message);
    }
    if (Object.keys(fieldErrors).length > 0) state.fieldErrors = fieldErrors;
  }
  return state;
}

/** What React's `useActionState` calls: the last state and the submitted form (none for a lone button). */
export type FormAction = (previous: FormState | null, formData?: FormData) => Promise<FormState>;

/** What an action's body gets besides its checked input. */
export interface FormContext {
  /** Every string field as submitted (unchecked). */
  fields: Record<string, string>;
  /** The fields a refused form shows again (`keep`). */
  values?: Record<string, string>;
}

type ActionOptions<S extends z.ZodType> = {
  /** The form's fields. A form that does not check out is answered with per-field errors and nothing else runs. */
  schema?: S;
  /** The fields a refused form shows again: named ones, or all of them. Never passwords or card numbers. */
  keep?: readonly string[] | "all";
  /**
   * Fields the page fills in itself (an id, a key), each with what to say when it does not check out: the page
   * is stale or hand-made, and pointing at a field nobody can see would help no one. Said before any field error.
   */
  hidden?: Record<string, string>;
};

/**
 * Who the action is for, from lib/accounts/identity (or lib/admin/access), at most one of:
 * - `shopper`: whose cart or checkout it works on, found once the form checks out (finding one may make a guest,
 *   which bad input must not do). It may answer null ("no cart yet"); the action decides what that means.
 * - `requires`: who may run it at all (an admin, a signed-in account), checked before the form is read, so a
 *   refusal tells a stranger nothing about the form. It throws a DomainError to refuse.
 */
type Who<W> =
  | { shopper?: undefined; requires?: undefined }
  | { shopper: () => Promise<W>; requires?: undefined }
  | { requires: () => Promise<W>; shopper?: undefined };

/** The form of an action that reads no fields (its button is the whole form). */
const noFields = z.object({});

/**
 * Wraps a server action: reads the FormData (a hand-made request may send anything: that reads as an empty
 * form), checks it with `schema`, finds the shopper, runs `run` with both. Whatever goes wrong becomes form state:
 * a zod refusal names its fields, a DomainError says its message (and code), anything else says a generic message
 * and is logged (lib/platform/errors.ts). Nothing is thrown to the page but Next.js's own control flow
 * (`redirect()`, `notFound()`), so bad input is never a 500.
 */
export function shopperAction<S extends z.ZodType = typeof noFields, W = null>(
  options: ActionOptions<S> & Who<W>,
  run: (input: z.infer<S>, shopper: W, form: FormContext) => Promise<FormState>,
): FormAction {
  const schema = (options.schema ?? noFields) as S;
  return async (_previous, formData) => {
    const fields = formFields(formData);
    const values = keptValues(fields, options.keep);
    try {
      const allowed = options.requires ? await options.requires() : undefined;
      const parsed = schema.safeParse(fields);
      if (!parsed.success) return refusal(parsed.error, options.hidden, values);
      const shopper = options.shopper ? await options.shopper() : (allowed ?? null);
      return await run(parsed.data, shopper as W, { fields, values });
    } catch (error) {
      return formStateOf(error, { values });
    }
  };
}

function keptValues(fields: Record<string, string>, keep: ActionOptions<z.ZodType>["keep"]): Record<string, string> | undefined {
  if (keep === undefined) return undefined;
  if (keep === "all") return fields;
  return Object.fromEntries(keep.filter((name) => fields[name] !== undefined).map((name) => [name, fields[name]!]));
}

function refusal(error: ZodError, hidden: Record<string, string> | undefined, values?: Record<string, string>): FormState {
  const field = hidden && error.issues.map((issue) => String(issue.path[0])).find((name) => Object.hasOwn(hidden, name));
  const stale = field === undefined ? undefined : hidden?.[field];
  if (stale) return { ok: false, message: stale, values };
  return fieldErrorsOf(error, values);
}
