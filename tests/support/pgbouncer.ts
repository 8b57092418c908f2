/**
 * A real PgBouncer (Debian's `pgbouncer` package) in transaction mode in front of the test run's PostgreSQL, for
 * tests of the app behind a connection pooler. Every database of the server is reachable through it under its
 * own name, as the server's `postgres` user.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../db/embedded";

export interface RunningPgBouncer {
  port: number;
  /** `serverUrl` (any database on the test server) rewritten to go through the pooler. */
  urlFor(serverUrl: string): string;
  logs(): string;
  stop(): Promise<void>;
}

export const PGBOUNCER_BIN = process.env.PGBOUNCER_PATH ?? "/usr/sbin/pgbouncer";

export async function startPgBouncer(serverUrl: string, options: { poolSize?: number } = {}): Promise<RunningPgBouncer> {
  if (!fs.existsSync(PGBOUNCER_BIN)) {
    throw new Error(`PgBouncer not found at ${PGBOUNCER_BIN}: apt-get install -y pgbouncer (or set PGBOUNCER_PATH)`);
  }
  const server = new URL(serverUrl);
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stockhold-pgbouncer-"));
  // PgBouncer refuses to run as root: it is started with `-u postgres` then, and must read its directory.
  fs.chmodSync(dir, 0o777);
  const config = path.join(dir, "pgbouncer.ini");
  fs.writeFileSync(
    config,
    [
      "[databases]",
      // The wildcard entry: any database name a client asks for, on the test server, as its superuser.
      `* = host=${server.hostname} port=${server.port} user=${decodeURIComponent(server.username)} password=${decodeURIComponent(server.password)}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      // Clients are the tests and their app servers; the server login is fixed above.
      "auth_type = any",
      "pool_mode = transaction",
      `default_pool_size = ${options.poolSize ?? 20}`,
      "max_client_conn = 2000",
      "max_db_connections = 0",
      "server_check_delay = 0",
      "ignore_startup_parameters =",
      `logfile = ${path.join(dir, "pgbouncer.log")}`,
      "",
    ].join("\n"),
  );
  fs.chmodSync(config, 0o644);

  const asRoot = os.userInfo().uid === 0;
  const child: ChildProcess = spawn(PGBOUNCER_BIN, [...(asRoot ? ["-u", "postgres"] : []), config], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const logs = () => {
    const file = path.join(dir, "pgbouncer.log");
    return output + (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
  };

  const deadline = Date.now() + 10_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}):\n${logs()}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`pgbouncer did not listen within 10 s:\n${logs()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    port,
    urlFor(url: string) {
      const through = new URL(url);
      through.hostname = "127.0.0.1";
      through.port = String(port);
      return through.toString();
    },
    logs,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", done);
        child.kill("SIGINT"); // immediate shutdown
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

