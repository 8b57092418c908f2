/**
 * GET /api/health, the load balancers' check: 200 `{ ok: true }` while the database answers, 503
 * `database_unavailable` with Retry-After while it does not. The tests' app launcher counts only a 2xx/3xx
 * answer as ready, so an app without its database is never taken for a working one.
 */
import { describe, expect, it } from "vitest";
import { freePort } from "@/db/embedded";
import { appForFile } from "../support/app-for-file";
import { startApp } from "../support/app-server";
import { HttpClient } from "../support/http";

const app = appForFile();

describe("GET /api/health", () => {
  it("answers 200 with exactly { ok: true } as JSON, never cached", async () => {
    const answer = await new HttpClient(app.baseUrl).get("/api/health");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect(answer.body).toEqual({ ok: true });
    expect(answer.headers.get("cache-control")).toBe("no-store");
  });

  it("answers 503 database_unavailable while the database does not answer, and the launcher does not call that ready", async () => {
    // A database address nothing listens on.
    const nowhere = `postgres://postgres:postgres@127.0.0.1:${await freePort()}/stockhold`;
    const refused = await startApp({ DATABASE_URL: nowhere }, 6_000).then(
      () => null,
      (error: unknown) => String(error),
    );
    expect(refused).toMatch(/was not ready within 6 s \(last health answer: 503 /);
    expect(refused).toContain('"code":"database_unavailable"');
  });
});
