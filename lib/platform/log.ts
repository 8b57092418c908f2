/**
 * Structured logs: one JSON object per line on stdout (pino), for whatever collects the app servers' output.
 * Every line written while a request is being served carries that request's id (`requestId`, the same value as
 * the X-Request-Id answer header set by proxy.ts). Secrets never reach a log line: credentials, cookies, card
 * numbers and passwords are redacted wherever they appear in a logged object.
 *
 * Lines are written to stdout asynchronously, off the request's path: a request queues its line and goes on; the
 * lines queued while one write is under way leave together in the next. Nothing is held back on purpose (no
 * minimum batch), so a line reaches the log reader within a write or two. On the way out every queued line is
 * written before the process ends: synchronously on `exit` (a signal, `process.exit`) and on `beforeExit`.
 */
import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import { DrizzleQueryError } from "drizzle-orm/errors";
import pino from "pino";
import { env } from "./env";

interface RequestContext {
  requestId: string;
}

const globalForLog = globalThis as unknown as {
  stockholdRequestContext?: AsyncLocalStorage<RequestContext>;
  stockholdLog?: pino.Logger;
};
const requestContext = (globalForLog.stockholdRequestContext ??= new AsyncLocalStorage<RequestContext>());

const SECRET_KEYS = ["authorization", "cookie", "set-cookie", "password", "passwordHash", "cardNumber", "token", "secret"];

/**
 * stdout (fd 1) written asynchronously. Pino registers a flush of such a destination on `exit` and `beforeExit`
 * (on-exit-leak-free); the one below says so here rather than leaning on that default (a second flush of an empty
 * destination writes nothing). tests/platform/log-flush.test.ts checks that no line is lost at exit.
 */
function asyncStdout(): pino.DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 0 });
  process.once("exit", () => {
    try {
      destination.flushSync();
    } catch {
      // closed or broken pipe: nobody is left to read the lines
    }
  });
  return destination;
}

export const log: pino.Logger = (globalForLog.stockholdLog ??= pino({
  level: env.LOG_LEVEL,
  base: { service: "stockhold", pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
  redact: {
    paths: [...SECRET_KEYS, ...SECRET_KEYS.map((key) => `*.${key}`), ...SECRET_KEYS.map((key) => `*.*.${key}`)],
    censor: "[redacted]",
  },
  mixin: () => {
    const context = requestContext.getStore();
    return context ? { requestId: context.requestId } : {};
  },
}, asyncStdout()));

/** The header that carries a request's id, in and out. */
export const REQUEST_ID_HEADER = "x-request-id";

/**
 * An incoming request id is kept when it is sane (what a load balancer or tracing proxy would send: 8 to 128
 * letters, digits and `-_.:`); anything else is replaced, so a client cannot inject text into the logs.
 */
export function saneRequestId(value: string | null | undefined): string | undefined {
  return value && /^[A-Za-z0-9._:-]{8,128}$/.test(value) ? value : undefined;
}

/** Runs `work` with this request id on every log line written inside it (also across awaits). */
export function withRequestId<T>(requestId: string, work: () => T): T {
  return requestContext.run({ requestId }, work);
}

/** The id of the request being served here, if any. */
export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

/** Runs `work` outside any request: for work shared by many requests (a batch of holds), no single id fits. */
export function outsideRequest<T>(work: () => T): T {
  return requestContext.exit(work);
}

/**
 * An error as a log field: name, message and SQLSTATE, never a query's text or its parameters (Drizzle puts
 * both into its own error's message, so the driver's error underneath is reported instead).
 */
export function errorFields(error: unknown): Record<string, unknown> {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof DrizzleQueryError; depth += 1) {
    current = current.cause;
  }
  if (!(current instanceof Error)) return { error: { message: String(current) } };
  const code = (current as { code?: unknown }).code;
  return { error: { name: current.name, message: current.message, ...(typeof code === "string" ? { code } : {}) } };
}
