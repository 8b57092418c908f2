/**
 * The test launcher reaches the server it started: a port that was free when chosen can be taken by another test
 * file's server before `next start` binds it, and that server answers the health check too.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, expect, it, vi } from "vitest";

// The first port handed out is one another server already listens on; later ones are really free.
const taken = { port: 0 };
vi.mock("../../db/embedded", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../db/embedded")>();
  let first = true;
  return {
    ...original,
    freePort: async () => {
      if (first && taken.port) {
        first = false;
        return taken.port;
      }
      return original.freePort();
    },
  };
});

const { startApp } = await import("../support/app-server");

// Another file's server: healthy, but not ours.
const impostor = http.createServer((_, response) => {
  response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
});
await new Promise<void>((resolve) => impostor.listen(0, "127.0.0.1", resolve));
taken.port = (impostor.address() as AddressInfo).port;
afterAll(() => new Promise<void>((resolve) => impostor.close(() => resolve())));

it("ignores another server on its port and starts again on a free one", async () => {
  const app = await startApp();
  try {
    expect(app.port).not.toBe(taken.port);
    const health = await fetch(`${app.baseUrl}/api/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get("x-instance-id")).toMatch(/^[0-9a-f-]{36}$/);
  } finally {
    await app.stop();
  }
});
