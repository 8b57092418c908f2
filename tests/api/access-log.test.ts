/**
 * The access log (lib/platform/http.ts `handler`): every API request's answered line at info, but the health
 * check's at debug — load balancers ask it every few seconds, and a line for each would bury the shop's own.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type RunningApp } from "../support/app-server";
import { HttpClient } from "../support/http";

let atInfo: RunningApp;
let atDebug: RunningApp;

beforeAll(async () => {
  [atInfo, atDebug] = await Promise.all([startApp({ LOG_LEVEL: "info" }), startApp({ LOG_LEVEL: "debug" })]);
});

afterAll(async () => {
  await Promise.all([atInfo?.stop(), atDebug?.stop()]);
});

type Line = Record<string, unknown>;

/** The JSON lines of `app` with this request id, once the line of `lastId` (asked last) has come through. */
async function linesOf(app: RunningApp, requestId: string, lastId: string): Promise<Line[]> {
  const read = () =>
    app.logs
      .join("")
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Line);
  for (let tries = 0; tries < 50 && !read().some((l) => l.requestId === lastId && l.event === "request"); tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(read().some((l) => l.requestId === lastId && l.event === "request"), "the last request's line").toBe(true);
  return read().filter((l) => l.requestId === requestId);
}

/** Asks the health check, then the product list, each with an id of its own. */
async function askBoth(app: RunningApp): Promise<{ healthId: string; productsId: string }> {
  const client = new HttpClient(app.baseUrl);
  const healthId = `health-${randomUUID()}`;
  const productsId = `products-${randomUUID()}`;
  expect((await client.get("/api/health", { "x-request-id": healthId })).status).toBe(200);
  expect((await client.get("/api/products", { "x-request-id": productsId })).status).toBe(200);
  return { healthId, productsId };
}

describe("access log", () => {
  it("at LOG_LEVEL=info, writes the product list's line and not the health check's", async () => {
    const { healthId, productsId } = await askBoth(atInfo);
    expect(await linesOf(atInfo, productsId, productsId)).toContainEqual(
      expect.objectContaining({ level: "info", event: "request", method: "GET", route: "/api/products", status: 200 }),
    );
    expect(await linesOf(atInfo, healthId, productsId)).toEqual([]);
  });

  it("at LOG_LEVEL=debug, writes the health check's line too, at debug", async () => {
    const { healthId, productsId } = await askBoth(atDebug);
    expect(await linesOf(atDebug, healthId, productsId)).toContainEqual(
      expect.objectContaining({ level: "debug", event: "request", method: "GET", route: "/api/health", status: 200, ms: expect.any(Number) }),
    );
  });
});
