/**
 * Next.js's tracer (next/dist/server/lib/trace/tracer) uses an installed @opentelemetry/api on every request whenever
 * it can resolve one, instead of its own bundled copy. The shop exports no traces, and its health check is measured
 * against the build from before logs and metrics came in (BENCHMARKS.md, #26), so no dependency may bring that
 * package in (prom-client did; lib/platform/metrics.ts writes the Prometheus text itself).
 */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

describe("Next.js's tracer", () => {
  it("finds no @opentelemetry/api installed, so it runs on its own bundled no-op copy", () => {
    const fromApp = createRequire(import.meta.url);
    const fromTracer = createRequire(fromApp.resolve("next/dist/server/lib/trace/tracer.js"));
    expect(() => fromTracer.resolve("@opentelemetry/api")).toThrow(/Cannot find module/);
    expect(() => fromApp.resolve("@opentelemetry/api")).toThrow(/Cannot find module/);
  });
});
