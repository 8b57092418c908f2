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

interface HistogramSeries {
  observe(value: number): void;
}

/**
 * A histogram for the per-request and per-query paths: its observe finds the bucket and adds three numbers to
 * arrays made once per series, with no label object, hashing or allocation (prom-client's Histogram validates and
 * hashes its labels on every observe). Callers keep the series of their labels (`series(...)`). It is registered
 * in the same registry and exposed in the same text format as prom-client's own.
 */
class SeriesHistogram {
  readonly type = "histogram";
  /** Every series by its label values (joined): one per label set, whichever copy of this module asks for it. */
  private readonly all = new Map<string, { labels: Record<string, string>; buckets: Float64Array; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly upperBounds: readonly number[],
    registry: client.Registry,
  ) {
    registry.registerMetric(this as unknown as client.Metric);
    // A histogram without labels shows its zeros before its first observation, as prom-client's does.
    if (labelNames.length === 0) this.series();
  }

  /** The series of these label values (in labelNames' order), made on first use: keep it. */
  series(...values: string[]): HistogramSeries {
    const key = values.join("\u0000");
    let data = this.all.get(key);
    if (!data) {
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] ?? ""]));
      data = { labels, buckets: new Float64Array(this.upperBounds.length), sum: 0, count: 0 };
      this.all.set(key, data);
    }
    const series = data;
    const bounds = this.upperBounds;
    return {
      observe(value: number) {
        if (!Number.isFinite(value)) return;
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i += 1;
        if (i < bounds.length) series.buckets[i]! += 1;
        series.sum += value;
        series.count += 1;
      },
    };
  }

  /** What the registry prints: cumulative buckets, +Inf, sum and count of every series. */
  async get() {
    const values = [...this.all.values()].flatMap(({ labels, buckets, sum, count }) => {
      let cumulative = 0;
      return [
        ...this.upperBounds.map((le, i) => {
          cumulative += buckets[i]!;
          return { labels: { le }, sharedLabels: labels, value: cumulative, metricName: `${this.name}_bucket` };
        }),
        { labels: { le: "+Inf" }, sharedLabels: labels, value: count, metricName: `${this.name}_bucket` },
        { labels: {}, sharedLabels: labels, value: sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: labels, value: count, metricName: `${this.name}_count` },
      ];
    });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: "sum" as const };
  }

  reset(): void {
    for (const series of this.all.values()) {
      series.buckets.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}

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
    poolWaitSeconds: new SeriesHistogram(
      "stockhold_db_pool_wait_seconds",
      "Time a query or transaction waited for a free pooled database connection",
      [],
      [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registry,
    ),
    poolWaitTimeouts: new client.Counter({
      name: "stockhold_db_pool_wait_timeouts_total",
      help: "Callers turned away (503) because no pooled connection was free in time",
      registers: [registry],
    }),
    httpSeconds: new SeriesHistogram(
      "stockhold_http_request_duration_seconds",
      "API requests by method, route and status, from the handler's start to its answer",
      ["method", "route", "status"],
      seconds,
      registry,
    ),
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

/** Every query's wait: the one series of a histogram without labels, kept. */
let poolWaits: HistogramSeries | undefined;

export function recordPoolWait(ms: number, timedOut: boolean): void {
  (poolWaits ??= metrics.poolWaitSeconds.series()).observe(ms / 1000);
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

/** Each (route, method, status)'s series, looked up without building a label object or a key string per request. */
const httpSeries = new Map<string, Map<string, Map<number, HistogramSeries>>>();

/** One answered API request: its duration into the series of its method, route and status. */
export function recordHttpRequest(method: string, pathname: string, status: number, ms: number): void {
  const route = routeOf(pathname);
  let byMethod = httpSeries.get(route);
  if (!byMethod) httpSeries.set(route, (byMethod = new Map()));
  let byStatus = byMethod.get(method);
  if (!byStatus) byMethod.set(method, (byStatus = new Map()));
  let series = byStatus.get(status);
  if (!series) byStatus.set(status, (series = metrics.httpSeconds.series(method, route, String(status))));
  series.observe(ms / 1000);
}

export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
}
