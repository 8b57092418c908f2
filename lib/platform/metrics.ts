/**
 * Prometheus metrics of this app server, read at GET /api/metrics with METRICS_TOKEN. Each app server counts what
 * it did itself; Prometheus scrapes every one and adds them up. The metrics live on globalThis so development
 * reloads and every bundle that imports this module count in one place instead of registering twice.
 *
 * The text exposition is written here rather than taken from a client library: the one we used (prom-client)
 * brought @opentelemetry/api into node_modules, and Next.js's tracer uses an installed copy of that package on every
 * request whenever it can resolve one, instead of its own bundled one (tests/platform/next-tracer.test.ts). Callers
 * use the small record* functions below.
 */
import "server-only";
import fs from "node:fs";
import { DomainError } from "./errors";
import { errorFields, log, outsideRequest } from "./log";
import { countHoldOutcomes } from "../inventory/hold-outcome-counts";

/** Prometheus's text format, version 0.0.4. */
const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type MetricType = "counter" | "gauge" | "histogram";
/** One exposed line: the name (with its suffix), its labels in order, and the value. */
type Sample = readonly [name: string, labels: readonly (readonly [string, string])[], value: number];

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  samples(): Sample[] | Promise<Sample[]>;
}

const escapeHelp = (help: string) => help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

function formatValue(value: number): string {
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  if (Number.isNaN(value)) return "NaN";
  return String(value);
}

function formatSample([name, labels, value]: Sample): string {
  const inner = labels.map(([label, v]) => `${label}="${escapeLabel(v)}"`).join(",");
  return `${name}${inner ? `{${inner}}` : ""} ${formatValue(value)}\n`;
}

class Registry {
  private readonly all: Metric[] = [];
  readonly contentType = CONTENT_TYPE;

  register<M extends Metric>(metric: M): M {
    this.all.push(metric);
    return metric;
  }

  /** Every metric as HELP, TYPE and its samples, a blank line between two metrics. */
  async metrics(): Promise<string> {
    const blocks = await Promise.all(
      this.all.map(async (metric) => {
        const head = `# HELP ${metric.name} ${escapeHelp(metric.help)}\n# TYPE ${metric.name} ${metric.type}\n`;
        return head + (await metric.samples()).map(formatSample).join("");
      }),
    );
    return blocks.join("\n");
  }
}

/** Label values in labelNames' order, joined: the key of one series. */
const keyOf = (values: readonly string[]) => values.join("\u0000");

/**
 * A counter. One without labels shows 0 before its first count; one with labels shows a series once it counted.
 */
class Counter {
  readonly type = "counter";
  private readonly all = new Map<string, { labels: [string, string][]; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[] = [],
  ) {
    if (labelNames.length === 0) this.all.set("", { labels: [], value: 0 });
  }

  inc(labelsOrBy?: Record<string, string> | number, by = 1): void {
    const labels = typeof labelsOrBy === "object" ? labelsOrBy : {};
    const amount = typeof labelsOrBy === "number" ? labelsOrBy : by;
    if (!Number.isFinite(amount) || amount < 0) return; // a counter only goes up
    const values = this.labelNames.map((name) => labels[name] ?? "");
    const key = keyOf(values);
    let series = this.all.get(key);
    if (!series) {
      series = { labels: this.labelNames.map((name, i) => [name, values[i]!]), value: 0 };
      this.all.set(key, series);
    }
    series.value += amount;
  }

  samples(): Sample[] {
    return [...this.all.values()].map(({ labels, value }) => [this.name, labels, value] as const);
  }
}

interface HistogramSeries {
  observe(value: number): void;
}

/**
 * A histogram whose observe finds the bucket and adds three numbers to arrays made once per series, with no
 * label object, hashing or allocation. Callers on the per-request and per-query paths keep the series of their
 * labels (`series(...)`); one without labels also takes `observe`, and shows its zeros before its first one.
 */
class Histogram {
  readonly type = "histogram";
  /** Every series by its label values (joined): one per label set, whichever copy of this module asks for it. */
  private readonly all = new Map<string, { labels: [string, string][]; buckets: Float64Array; sum: number; count: number }>();
  private unlabelled: HistogramSeries | undefined;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly upperBounds: readonly number[],
  ) {
    if (labelNames.length === 0) this.unlabelled = this.series();
  }

  /** The series of these label values (in labelNames' order), made on first use: keep it. */
  series(...values: string[]): HistogramSeries {
    const key = keyOf(values);
    let data = this.all.get(key);
    if (!data) {
      const labels = this.labelNames.map((name, i): [string, string] => [name, values[i] ?? ""]);
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

  /** For a histogram without labels. */
  observe(value: number): void {
    (this.unlabelled ??= this.series()).observe(value);
  }

  /** Cumulative buckets (le first, then the series' labels), +Inf, sum and count of every series. */
  samples(): Sample[] {
    return [...this.all.values()].flatMap(({ labels, buckets, sum, count }) => {
      let cumulative = 0;
      return [
        ...this.upperBounds.map((le, i): Sample => {
          cumulative += buckets[i]!;
          return [`${this.name}_bucket`, [["le", String(le)], ...labels], cumulative];
        }),
        [`${this.name}_bucket`, [["le", "+Inf"], ...labels], count] as const,
        [`${this.name}_sum`, labels, sum] as const,
        [`${this.name}_count`, labels, count] as const,
      ];
    });
  }
}

/** A value read when scraped (process figures): nothing is counted in between. */
function gauge(name: string, help: string, read: () => Sample[] | Promise<Sample[]>, type: MetricType = "gauge"): Metric {
  return { name, help, type, samples: read };
}

/** Open file descriptors, where /proc says (Linux); none elsewhere. */
function openFds(): number | null {
  try {
    return fs.readdirSync("/proc/self/fd").length - 1; // less the one readdir held open
  } catch {
    return null;
  }
}

/** The process's own figures (CPU, memory, event loop lag), each read only when Prometheus scrapes. */
function processMetrics(registry: Registry, prefix: string): void {
  const one = (name: string, value: number | null): Sample[] => (value === null ? [] : [[name, [], value]]);
  const cpu = (pick: (usage: NodeJS.CpuUsage) => number) => () => pick(process.cpuUsage()) / 1e6;
  const startTime = Math.round(Date.now() / 1000 - process.uptime());
  const [major = "", minor = "", patch = ""] = process.version.slice(1).split(".");
  const n = (name: string) => `${prefix}${name}`;
  for (const [name, help, read, type] of [
    ["process_cpu_user_seconds_total", "Total user CPU time spent in seconds.", cpu((u) => u.user), "counter"],
    ["process_cpu_system_seconds_total", "Total system CPU time spent in seconds.", cpu((u) => u.system), "counter"],
    ["process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", cpu((u) => u.user + u.system), "counter"],
    ["process_start_time_seconds", "Start time of the process since unix epoch in seconds.", () => startTime, "gauge"],
    ["process_resident_memory_bytes", "Resident memory size in bytes.", () => process.memoryUsage.rss(), "gauge"],
    ["process_open_fds", "Number of open file descriptors.", openFds, "gauge"],
    ["nodejs_heap_size_total_bytes", "Process heap size from Node.js in bytes.", () => process.memoryUsage().heapTotal, "gauge"],
    ["nodejs_heap_size_used_bytes", "Process heap size used from Node.js in bytes.", () => process.memoryUsage().heapUsed, "gauge"],
    ["nodejs_external_memory_bytes", "Node.js external memory size in bytes.", () => process.memoryUsage().external, "gauge"],
  ] as const satisfies readonly (readonly [string, string, () => number | null, MetricType])[]) {
    registry.register(gauge(n(name), help, () => one(n(name), read()), type));
  }
  // How late a callback queued now runs: the event loop's lag at the moment of the scrape.
  registry.register(
    gauge(n("nodejs_eventloop_lag_seconds"), "Lag of event loop in seconds.", async () => {
      const queued = performance.now();
      const ran = await new Promise<number>((resolve) => setImmediate(() => resolve(performance.now())));
      return one(n("nodejs_eventloop_lag_seconds"), (ran - queued) / 1000);
    }),
  );
  const version = [["version", process.version], ["major", major], ["minor", minor], ["patch", patch]] as const;
  registry.register(gauge(n("nodejs_version_info"), "Node.js version info.", () => [[n("nodejs_version_info"), version, 1]]));
}

function createMetrics() {
  const registry = new Registry();
  processMetrics(registry, "stockhold_");
  const seconds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  return {
    registry,
    holdRequests: registry.register(
      new Counter(
        "stockhold_hold_requests_total",
        "Checkout starts by outcome: held (a new hold), existing (the shopper's open checkout), insufficient_stock, empty_cart, not_found, line_limit",
        ["outcome"],
      ),
    ),
    holdBatchSize: registry.register(
      new Histogram("stockhold_hold_batch_size", "Checkout starts decided together in one transaction", [], [1, 2, 4, 8, 16, 32, 64]),
    ),
    holdBatchSeconds: registry.register(
      new Histogram(
        "stockhold_hold_batch_duration_seconds",
        "Time of one batch of holds, from sending it to PostgreSQL to its commit (including lock waits)",
        [],
        seconds,
      ),
    ),
    holdBatchFailures: registry.register(
      new Counter("stockhold_hold_batch_failures_total", "Batches of holds that failed as a whole (each request is then retried on its own)"),
    ),
    holdsExpired: registry.register(
      new Counter("stockhold_holds_expired_total", "Holds released because their time was up (by the sweep or the cron)"),
    ),
    holdsReleased: registry.register(
      new Counter("stockhold_holds_released_total", "Holds released before their time: cancelled checkouts, declined payments, admin releases"),
    ),
    payments: registry.register(
      new Counter("stockhold_payments_total", "Payment attempts answered, by outcome (paid, declined, or the error code)", ["outcome"]),
    ),
    poolWaitSeconds: registry.register(
      new Histogram(
        "stockhold_db_pool_wait_seconds",
        "Time a query or transaction waited for a free pooled database connection",
        [],
        [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      ),
    ),
    poolWaitTimeouts: registry.register(
      new Counter("stockhold_db_pool_wait_timeouts_total", "Callers turned away (503) because no pooled connection was free in time"),
    ),
    httpSeconds: registry.register(
      new Histogram(
        "stockhold_http_request_duration_seconds",
        "API requests by method, route and status, from the handler's start to its answer",
        ["method", "route", "status"],
        seconds,
      ),
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
