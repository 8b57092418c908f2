/**
 * The HTTP and pool-wait histograms (lib/platform/metrics.ts) keep each series' numbers in arrays of their own so
 * a request pays no label hashing; what GET /api/metrics prints must stay Prometheus's histogram format: one line
 * per bucket (cumulative, le first), +Inf, sum and count, each series once however often it is recorded.
 */
import { describe, expect, it } from "vitest";
import { metricsText, recordHttpRequest, recordPoolWait } from "@/lib/platform/metrics";

async function seriesLines(prefix: string): Promise<string[]> {
  return (await metricsText()).body.split("\n").filter((line) => line.startsWith(prefix));
}

describe("histograms of requests and pool waits", () => {
  it("count a request in its route's series, with cumulative buckets, sum and count, each line once", async () => {
    recordHttpRequest("GET", "/api/products/brass-lamp", 200, 7);
    recordHttpRequest("GET", "/api/products/oak-stool", 200, 30);
    recordHttpRequest("GET", "/api/products/oak-stool", 404, 3);
    const lines = await seriesLines("stockhold_http_request_duration_seconds");
    expect(new Set(lines).size).toBe(lines.length);
    const series = (suffix: string, labels: string) =>
      lines.filter((l) => l.startsWith(`stockhold_http_request_duration_seconds_${suffix}{${labels}`));
    const found = '{method="GET",route="/api/products/[slug]",status="200"}'.slice(1, -1);
    expect(series("bucket", `le="0.005",${found}}`)).toEqual([`stockhold_http_request_duration_seconds_bucket{le="0.005",${found}} 0`]);
    expect(series("bucket", `le="0.01",${found}}`)).toEqual([`stockhold_http_request_duration_seconds_bucket{le="0.01",${found}} 1`]);
    expect(series("bucket", `le="0.05",${found}}`)).toEqual([`stockhold_http_request_duration_seconds_bucket{le="0.05",${found}} 2`]);
    expect(series("bucket", `le="+Inf",${found}}`)).toEqual([`stockhold_http_request_duration_seconds_bucket{le="+Inf",${found}} 2`]);
    expect(series("count", `${found}}`)).toEqual([`stockhold_http_request_duration_seconds_count{${found}} 2`]);
    expect(Number(series("sum", `${found}}`)[0]!.split(" ")[1])).toBeCloseTo(0.037, 9);
    expect(series("count", 'method="GET",route="/api/products/[slug]",status="404"}')).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith("stockhold_http_request_duration_seconds_bucket{"))).toHaveLength(2 * 12);
  });

  it("count every pool wait in the one series of a histogram without labels", async () => {
    const before = await seriesLines("stockhold_db_pool_wait_seconds_count");
    expect(before).toEqual(["stockhold_db_pool_wait_seconds_count 0"]);
    recordPoolWait(0.2, false);
    recordPoolWait(2, true);
    expect(await seriesLines("stockhold_db_pool_wait_seconds_count")).toEqual(["stockhold_db_pool_wait_seconds_count 2"]);
    expect(await seriesLines('stockhold_db_pool_wait_seconds_bucket{le="0.001"}')).toEqual(['stockhold_db_pool_wait_seconds_bucket{le="0.001"} 1']);
    expect(await seriesLines("stockhold_db_pool_wait_timeouts_total")).toEqual(["stockhold_db_pool_wait_timeouts_total 1"]);
  });
});
