/**
 * Typed domain errors thrown by lib/. `toDomainError` is the one place that classifies any error; lib/platform/http.ts
 * turns it into an HTTP answer. Answers never carry stack traces or SQL: unexpected errors are logged instead.
 */
import type { ZodError } from "zod";
import { errorFields, log } from "./log";

export type ErrorCode =
  | "invalid_request"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "variant_required"
  | "kit_in_kit"
  | "empty_cart"
  | "insufficient_stock"
  | "quantity_limit"
  | "checkout_completed"
  | "checkout_closed"
  | "checkout_expired"
  | "payment_declined"
  | "payment_in_progress"
  | "payment_not_failed"
  | "capture_failed"
  | "price_changed"
  | "product_unavailable"
  | "invariant_violation"
  | "conflict"
  | "location_inactive"
  | "awaiting_delivery"
  | "limit_per_customer"
  | "in_stock"
  | "preorders_waiting"
  | "payload_too_large"
  | "unsupported_media_type"
  | "rate_limited"
  | "database_unavailable"
  | "internal_error";

const statusOf: Record<ErrorCode, number> = {
  invalid_request: 400,
  variant_required: 400,
  kit_in_kit: 400,
  empty_cart: 400,
  quantity_limit: 400,
  unauthenticated: 401,
  payment_declined: 402,
  forbidden: 403,
  not_found: 404,
  insufficient_stock: 409,
  checkout_completed: 409,
  payment_in_progress: 409,
  payment_not_failed: 409,
  capture_failed: 409,
  price_changed: 409,
  product_unavailable: 409,
  invariant_violation: 409,
  conflict: 409,
  location_inactive: 409,
  awaiting_delivery: 409,
  limit_per_customer: 409,
  in_stock: 409,
  preorders_waiting: 409,
  checkout_closed: 410,
  checkout_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  database_unavailable: 503,
};

/** Marks a DomainError whichever copy of this module made it (each route bundle may carry its own copy). */
const DOMAIN_ERROR = Symbol.for("stockhold.domain-error");

export class DomainError extends Error {
  readonly [DOMAIN_ERROR] = true;

  /**
   * `instanceof DomainError` recognises a DomainError made by another bundle's copy of this module too (say, by
   * state kept on globalThis across route bundles), so it is never taken for an unexpected error. Subclasses
   * keep the ordinary check.
   */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== DomainError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as { [DOMAIN_ERROR]?: unknown })[DOMAIN_ERROR] === true;
  }

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }

  get status(): number {
    return statusOf[this.code];
  }
}

export function invalidRequest(error: ZodError, message = "The request is not valid."): DomainError {
  return new DomainError("invalid_request", message, {
    issues: error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
  });
}

export const notFound = (what = "resource") => new DomainError("not_found", `No such ${what}.`);

// postgres.js and Node network errors that mean "the database cannot be reached right now".
const unavailableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up or shutting down)
  "53300", // too_many_connections
  // The time limits set on every connection (db/client.ts): the work is undone, a retry may well succeed.
  "55P03", // lock_not_available (lock_timeout)
  "57014", // query_canceled (statement_timeout)
  "25P03", // idle_in_transaction_session_timeout
]);

/** The driver's or Node's error code, on the error itself or on one it wraps (Drizzle wraps the driver's). */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") return code;
  const cause = (error as { cause?: unknown }).cause;
  return cause && cause !== error ? errorCodeOf(cause) : undefined;
}

function domainErrorCause(error: unknown, depth = 0): DomainError | undefined {
  if (typeof error !== "object" || error === null || depth > 5) return undefined;
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof DomainError) return cause;
  return cause && cause !== error ? domainErrorCause(cause, depth + 1) : undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const code = errorCodeOf(error);
  return code !== undefined && unavailableCodes.has(code);
}

/** Maps any error to a DomainError; logs the ones a client did not cause. */
export function toDomainError(error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  // Drizzle wraps what the driver layer throws (e.g. db/client.ts's "pool busy") in its own query error.
  const wrapped = domainErrorCause(error);
  if (wrapped) return wrapped;
  if (isDatabaseUnavailable(error)) {
    log.warn({ event: "database_unavailable", code: errorCodeOf(error) }, "database unavailable");
    return new DomainError(
      "database_unavailable",
      "The shop cannot reach its database right now. Please try again in a moment.",
      {},
      { "Retry-After": "2" },
    );
  }
  log.error(
    { event: "unexpected_error", ...errorFields(error), stack: error instanceof Error ? error.stack : undefined },
    "unexpected error",
  );
  return new DomainError("internal_error", "Something went wrong on our side. Please try again.");
}

/**
 * The constraint a PostgreSQL unique violation (23505) names, or null for any other error. Drizzle wraps the
 * driver's error, so the code may sit on a `cause`.
 */
export function uniqueViolation(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const e = current as { code?: unknown; constraint_name?: unknown; constraint?: unknown; cause?: unknown };
    if (e.code === "23505") return String(e.constraint_name ?? e.constraint ?? "");
    current = e.cause;
  }
  return null;
}
