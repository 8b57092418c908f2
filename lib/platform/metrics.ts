/**
 * Prometheus metrics of this app server (prom-client), read at GET /api/metrics with METRICS_TOKEN. Each app
 * server counts what it did itself; Prometheus scrapes every one and adds them up. The registry lives on
 * globalThis so development reloads keep counting instead of registering twice.
 *
 * Callers use the small record* functions below, never prom-client itself.
 */
import "server-only";
import client from "prom-client";
import { DomainError } from "./errors";
import { errorFields, log, outsideRequest } from "./log";
import { countHoldOutcomes } from "../inventory/hold-outcome-counts";

function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: "stockhold_" });
  const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  return {
    registry,
    holdRequests: new client.Counter({
      name: "stockhold_hold_requests_total",
      help: "Checkout starts by outcome: held (a new hold), existing (the shopper's open checkout), insufficient_stock, empty_cart, not_found, line_limit",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    holdBatchSize: new client.Histogram({
      name: "stockhold_hold_batch_size",
      help: "Checkout starts decided together in one transaction",
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers: [registry],
    }),
    holdBatchSeconds: new client.Histogram({
      name: "stockhold_hold_batch_duration_seconds",
      help: "Time of one batch of holds, from sending it to PostgreSQL to its commit (including lock waits)",
      buckets: seconds,
      registers: [registry],
    }),
    holdBatchFailures: new client.Counter({
      name: "stockhold_hold_batch_failures_total",
      help: "Batches of holds that failed as a whole (each request is then retried on its own)",
      registers: [registry],
    }),
    holdsExpired: new client.Counter({
      name: "stockhold_holds_expired_total",
      help: "Holds released because their time was up (by the sweep or the cron)",
      registers: [registry],
    }),
    holdsReleased: new client.Counter({
      name: "stockhold_holds_released_total",
      help: "Holds released before their time: cancelled checkouts, declined payments, admin releases",
      registers: [registry],
    }),
    payments: new client.Counter({
      name: "stockhold_payments_total",
      help: "Payment attempts answered, by outcome (paid, declined, or the error code)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    poolWaitSeconds: new client.Histogram({
      name: "stockhold_db_pool_wait_seconds",
      help: "Time a query or transaction waited for a free pooled database connection",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    poolWaitTimeouts: new client.Counter({
      name: "stockhold_db_pool_wait_timeouts_total",
      help: "Callers turned away (503) because no pooled connection was free in time",
      registers: [registry],
    }),
    httpSeconds: new client.Histogram({
      name: "stockhold_http_request_duration_seconds",
      help: "API requests by method, route and status, from the handler's start to its answer",
      labelNames: ["method", "route", "status"] as const,
      buckets: seconds,
      registers: [registry],
    }),
  };
}

type Metrics = ReturnType<typeof createMetrics>;
const globalForMetrics = globalThis as unknown as { stockholdMetrics?: Metrics };
export const metrics: Metrics = (globalForMetrics.stockholdMetrics ??= createMetrics());

/**
 * One batch of checkout starts has been decided (and committed): counts each outcome, the batch's size and
 * time, logs it, and adds it to the admin dashboard's per-minute counts (after the commit, never waited for).
 */
export function recordHoldOutcomes(outcomes: readonly { outcome: string }[], batchSize: number, ms: number): void {
  const counts: Record<string, number> = {};
  for (const { outcome } of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
  for (const [outcome, n] of Object.entries(counts)) metrics.holdRequests.inc({ outcome }, n);
  metrics.holdBatchSize.observe(batchSize);
  metrics.holdBatchSeconds.observe(ms / 1000);
  outsideRequest(() => {
    log.info({ event: "hold_batch", batchSize, ms: Math.round(ms * 10) / 10, outcomes: counts }, "hold batch decided");
    countHoldOutcomes(counts);
  });
}

export function recordHoldBatchFailure(batchSize: number, error: unknown): void {
  metrics.holdBatchFailures.inc();
  outsideRequest(() => log.warn({ event: "hold_batch_failed", batchSize, ...errorFields(error) }, "hold batch failed"));
}

export function recordExpired(n: number): void {
  if (n > 0) metrics.holdsExpired.inc(n);
}

export function recordReleased(n: number): void {
  if (n > 0) metrics.holdsReleased.inc(n);
}

/** A payment attempt's answer: "paid", "declined", or the error code it ended with. */
export function recordPayment(outcome: string, ms?: number): void {
  metrics.payments.inc({ outcome });
  log.info({ event: "payment", outcome, ...(ms === undefined ? {} : { ms: Math.round(ms) }) }, "payment answered");
}

/**
 * Runs a payment and records how it was answered: `outcomeOf` its result (e.g. "paid", "pending"), or the
 * error's code (e.g. payment_declined).
 */
export async function measurePayment<T>(pay: () => Promise<T>, outcomeOf: (result: T) => string = () => "paid"): Promise<T> {
  const started = performance.now();
  try {
    const result = await pay();
    recordPayment(outcomeOf(result), performance.now() - started);
    return result;
  } catch (error) {
    const code = typeof (error as { code?: unknown }).code === "string" ? (error as { code: string }).code : "error";
    recordPayment(error instanceof DomainError ? code : "error", performance.now() - started);
    throw error;
  }
}

export function recordPoolWait(ms: number, timedOut: boolean): void {
  metrics.poolWaitSeconds.observe(ms / 1000);
  if (timedOut) metrics.poolWaitTimeouts.inc();
}

/** Paths already turned into routes: a request names its route without running the two regexes again. */
const routeOfPath = new Map<string, string>();
/** Enough for every route of the shop and the ids of a busy minute; past it the cache starts afresh. */
const MAX_CACHED_PATHS = 2_000;

/** Ids in paths become placeholders, so each route is one series, not one per checkout or product. */
export function routeOf(pathname: string): string {
  let route = routeOfPath.get(pathname);
  if (route === undefined) {
    route = pathname
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "[id]")
      .replace(/^\/api\/products\/(?!\[id\]$)[^/]+$/, "/api/products/[slug]")
      .slice(0, 100);
    if (routeOfPath.size >= MAX_CACHED_PATHS) routeOfPath.clear();
    routeOfPath.set(pathname, route);
  }
  return route;
}

type Series = ReturnType<Metrics["httpSeconds"]["labels"]>;
/** Each (route, method, status)'s series, looked up without building a label object or a key string per request. */
const httpSeries = new Map<string, Map<string, Map<number, Series>>>();

/** One answered API request: its duration into the series of its method, route and status. */
export function recordHttpRequest(method: string, pathname: string, status: number, ms: number): void {
  const route = routeOf(pathname);
  let byMethod = httpSeries.get(route);
  if (!byMethod) httpSeries.set(route, (byMethod = new Map()));
  let byStatus = byMethod.get(method);
  if (!byStatus) byMethod.set(method, (byStatus = new Map()));
  let series = byStatus.get(status);
  if (!series) byStatus.set(status, (series = metrics.httpSeconds.labels(method, route, String(status))));
  series.observe(ms / 1000);
}

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
}
