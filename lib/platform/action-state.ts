/**
 * What a server action hands back to its form: a readable message and per-field errors, never a stack trace.
 * The one place where domain errors become form state (route handlers use lib/platform/http.ts instead).
 */
import "server-only";
import { unstable_rethrow } from "next/navigation";
import type { ZodError } from "zod";
import { InsufficientStockError } from "../checkout";
import { toDomainError } from "./errors";

export interface ShortLineNote {
  productId: string;
  name: string;
  requested: number;
  available: number;
}

export interface FormState {
  ok: boolean;
  message?: string;
  /** The error code from lib/platform/errors.ts, so a form can react to a kind of failure (e.g. checkout_expired). */
  code?: string;
  fieldErrors?: Record<string, string[]>;
  /** Cart lines that could not be held, with what is left of each. */
  shortLines?: ShortLineNote[];
  /** Prices changed since a lapsed checkout started (409 `price_changed`): the new lines and total to accept. */
  priceChange?: {
    lines: { productId: string; name: string; quantity: number; oldUnitPriceCents: number; unitPriceCents: number }[];
    oldTotalCents: number;
    newTotalCents: number;
  };
  /** The values the shopper typed, so a refused form keeps them (never passwords or card numbers). */
  values?: Record<string, string>;
}

export function fieldErrorsOf(error: ZodError, values?: Record<string, string>): FormState {
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".") || "form";
    (fieldErrors[key] ??= []).push(issue.message);
  }
  return { ok: false, message: "Please check the highlighted fields.", fieldErrors, values };
}

/**
 * Turns anything an action threw into form state. Next.js control flow (redirect, notFound) is rethrown.
 * `names` turns product ids of a shortage into product names.
 */
export function formStateOf(
  error: unknown,
  options: { values?: Record<string, string>; names?: Map<string, string> } = {},
): FormState {
  unstable_rethrow(error);
  const domainError = toDomainError(error);
  const state: FormState = { ok: false, code: domainError.code, message: domainError.message, values: options.values };
  if (error instanceof InsufficientStockError) {
    state.shortLines = error.lines.map((line) => ({
      ...line,
      name: error.names[line.productId] ?? options.names?.get(line.productId) ?? "An item",
    }));
  }
  if (domainError.code === "price_changed") state.priceChange = domainError.details as FormState["priceChange"];
  const issues = domainError.details.issues;
  if (Array.isArray(issues)) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of issues as { path?: string[]; message?: string }[]) {
      const key = issue.path?.join(".") || "form";
      if (issue.message) (fieldErrors[key] ??= []).push(issue.message);
    }
    if (Object.keys(fieldErrors).length > 0) state.fieldErrors = fieldErrors;
  }
  return state;
}
