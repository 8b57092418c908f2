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

/**
 * A free port is only free until someone binds it: another test file's app or database may take it between
 * `freePort()` and PgBouncer's own bind. A start that lost its port is tried again on another; and since a
 * stranger on that port would accept connections too, ready means PgBouncer itself logged that it listens.
 */
export async function startPgBouncer(serverUrl: string, options: { poolSize?: number } = {}): Promise<RunningPgBouncer> {
  if (!fs.existsSync(PGBOUNCER_BIN)) {
    throw new Error(`PgBouncer not found at ${PGBOUNCER_BIN}: apt-get install -y pgbouncer (or set PGBOUNCER_PATH)`);
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startPgBouncerOnce(serverUrl, options);
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt >= 5) throw error;
    }
  }
}

class PortTaken extends Error {}

async function startPgBouncerOnce(serverUrl: string, options: { poolSize?: number }): Promise<RunningPgBouncer> {
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

  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  const listening = `listening on 127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(logs().includes(listening) && child.exitCode === null && (await accepts(port)))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const said = logs();
      removeDir();
      if (/address already in use/i.test(said)) throw new PortTaken(`port ${port} was taken`);
      throw new Error(`pgbouncer exited (${child.exitCode ?? child.signalCode}):\n${said}`);
    }
    if (Date.now() > deadline) {
      const said = logs();
      child.kill("SIGKILL");
      removeDir();
      throw new Error(`pgbouncer did not listen within 10 s:\n${said}`);
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
          removeDir();
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

