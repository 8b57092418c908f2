/**
 * Runs once when a Next.js server starts. In the Node.js runtime of `npm run dev` / `npm start` it starts the
 * in-process expiry sweep (lib/cron.ts), the test payment provider's webhook delivery, ties the server's life
 * to its supervisor (db/supervised.ts), and sets up the metrics registry so process metrics count from the
 * start. `next build` also loads this file to prerender; it must not touch the database then, hence the
 * build-phase check before anything is imported.
 */
import type { Instrumentation } from "next";

export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.NEXT_PHASE !== "phase-production-build") {
    const { exitWhenOutputCloses, exitWithSupervisor } = await import("./db/supervised");
    exitWithSupervisor();
    exitWhenOutputCloses();
    // A configuration error (e.g. PAYMENT_PROVIDER=stripe without its keys) stops the server at once, rather than
    // leaving it up and failing every request.
    try {
      await import("./lib/platform/env");
    } catch (error) {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    }
    if (process.env.PAYMENT_PROVIDER === "stripe" && process.env.STOCKHOLD_CSP_ALLOWS_STRIPE !== "1") {
      console.warn(
        "PAYMENT_PROVIDER=stripe, but this build's Content-Security-Policy does not allow Stripe.js: the card field " +
          "will not load. Build again with PAYMENT_PROVIDER=stripe set (next.config.mjs).",
      );
    }
    await import("./lib/platform/metrics");
    // The pool counts its waits and answers 503 through lib/ (db/ imports nothing from lib/).
    const { connectPoolHooks } = await import("./lib/platform/pool-hooks");
    connectPoolHooks();
    const { startExpirySweep, startLineSweep } = await import("./lib/cron");
    startExpirySweep();
    startLineSweep();
    if ((process.env.PAYMENT_PROVIDER ?? "test") === "test") {
      // The built-in test provider delivers its webhooks from here, as a remote provider would.
      const { startWebhookDelivery } = await import("./lib/payments/test-provider");
      startWebhookDelivery();
    }
  }
}

/**
 * Errors that escape a page, server action or route (route handlers answer their own errors in lib/platform/http.ts):
 * one JSON log line with the request's id, the route and the error, never the request's headers or body.
 */
export const onRequestError: Instrumentation.onRequestError = async (error, request, context) => {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { errorFields, log, saneRequestId } = await import("./lib/platform/log");
  const header = request.headers["x-request-id"];
  const requestId = saneRequestId(Array.isArray(header) ? header[0] : header);
  log.error(
    {
      event: "request_error",
      ...(requestId ? { requestId } : {}),
      method: request.method,
      route: context.routePath,
      routeType: context.routeType,
      ...errorFields(error),
      digest: (error as { digest?: unknown }).digest,
    },
    "request failed",
  );
};
