/**
 * The launchers of the test run's PgBouncer and PostgreSQL keep the port they bind: a port that was free when
 * chosen can be taken by someone else before the server binds it (several runs share the machine), and that
 * someone accepts connections too. Each launcher must notice and start again on another port.
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeEach, expect, inject, it, vi } from "vitest";

// The first port handed out after `handOutTaken()` is one a stranger already listens on; later ones are free.
const taken = { port: 0, next: false };
vi.mock("../../db/embedded", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../db/embedded")>();
  return {
    ...original,
    freePort: async () => {
      if (taken.next) {
        taken.next = false;
        return taken.port;
      }
      return original.freePort();
    },
  };
});

const { startPgBouncer } = await import("./pgbouncer");
const { startEmbeddedPostgresOnFreePort } = await import("./embedded-on-free-port");

// A stranger on the port: it accepts connections and says nothing.
const stranger = net.createServer((socket) => socket.on("error", () => {}));
await new Promise<void>((resolve) => stranger.listen(0, "127.0.0.1", resolve));
taken.port = (stranger.address() as net.AddressInfo).port;
afterAll(() => new Promise<void>((resolve) => stranger.close(() => resolve())));
beforeEach(() => {
  taken.next = true;
});

async function answers(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    const [row] = await sql<{ one: number }[]>`select 1 as one`;
    return row!.one;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

it("PgBouncer starts again on another port when its port was taken, and answers there", async () => {
  const bouncer = await startPgBouncer(inject("serverUrl"));
  try {
    expect(taken.next).toBe(false);
    expect(bouncer.port).not.toBe(taken.port);
    expect(await answers(bouncer.urlFor(inject("serverUrl")))).toBe(1);
  } finally {
    await bouncer.stop();
  }
});

it("the test run's PostgreSQL starts again on another port when its port was taken", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stockhold-port-race-"));
  // PostgreSQL runs as the `postgres` OS user when we are root: it must be able to enter the directory.
  fs.chmodSync(dir, 0o755);
  const database = await startEmbeddedPostgresOnFreePort({ dataDir: path.join(dir, "data"), settings: { fsync: "off" } });
  try {
    expect(taken.next).toBe(false);
    expect(new URL(database.url).port).not.toBe(String(taken.port));
    expect(await answers(database.url)).toBe(1);
  } finally {
    await database.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
