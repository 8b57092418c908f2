/**
 * The one launcher of the built app (`next start` on 127.0.0.1 and a free port) for tests over real HTTP and for
 * the bench. Ready means /api/health answered 2xx or 3xx: a 5xx (no database) is not ready. Every line the app
 * prints is kept for the whole run, so a log check sees all of it. `npm test` builds first; a missing or stale
 * build is made by global-setup.ts (tests/support/build.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { freePort } from "../../db/embedded";
import { nextBin } from "./build";

export interface RunningApp {
  baseUrl: string;
  port: number;
  process: ChildProcess;
  /** Everything the app wrote to stdout and stderr since it started, in order. */
  logs: string[];
  stop(): Promise<void>;
  /** Kills the app outright (SIGKILL), as a crash would, and waits until it is gone. */
  kill(): Promise<void>;
}

export const TEST_AUTH_SECRET = "test-auth-secret-0123456789abcdef0123456789";
export const TEST_CRON_SECRET = "test-cron-secret";
export const TEST_ADMIN_TOKEN = "test-admin-token";

/** Environment of every launched app: test secrets, and no limiter or background sweep unless a test sets one. */
const TEST_ENV: Record<string, string> = {
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
  AUTH_SECRET: TEST_AUTH_SECRET,
  AUTH_TRUST_HOST: "true",
  CRON_SECRET: TEST_CRON_SECRET,
  ADMIN_API_TOKEN: TEST_ADMIN_TOKEN,
  EXPIRY_SWEEP_SECONDS: "0",
  RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE: "0",
  RATE_LIMIT_SIGNINS_PER_ACCOUNT_PER_MINUTE: "0",
  RATE_LIMIT_SIGNINS_PER_IP_PER_MINUTE: "0",
  RATE_LIMIT_CHECKOUTS_PER_MINUTE: "0",
  // Every test client comes from 127.0.0.1: the per-address holding bounds are off unless a test sets them.
  RATE_LIMIT_CHECKOUTS_PER_IP_PER_HOUR: "0",
  RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR: "0",
};

/** True when an answer to the health check means the app can serve: 2xx or 3xx. */
export const isReadyStatus = (status: number) => status >= 200 && status < 400;

/**
 * Starts the app on a free port. A free port is only free until someone binds it: another test file may be handed
 * the same one. So the app names itself in its health answer (STOCKHOLD_INSTANCE_ID → X-Instance-Id), readiness
 * counts only its own answer, and a start that lost the port (EADDRINUSE) is tried again on another.
 */
export async function startApp(overrides: Record<string, string> = {}, readyWithinMs = 60_000): Promise<RunningApp> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startAppOnce(overrides, readyWithinMs);
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt >= 5) throw error;
    }
  }
}

class PortTaken extends Error {}

async function startAppOnce(overrides: Record<string, string>, readyWithinMs: number): Promise<RunningApp> {
  const port = await freePort();
  const instance = randomUUID();
  const logs: string[] = [];
  const child = spawn(process.execPath, [nextBin, "start", "--hostname", "127.0.0.1", "--port", String(port)], {
    // PORT: the test payment provider sends its webhooks to this server.
    // STOCKHOLD_SUPERVISOR_PID: the server stops if this test process dies without stopping it (db/supervised.ts).
    env: {
      ...process.env,
      ...TEST_ENV,
      PORT: String(port),
      STOCKHOLD_SUPERVISOR_PID: String(process.pid),
      STOCKHOLD_INSTANCE_ID: instance,
      ...overrides,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => logs.push(chunk.toString());
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const exited = () => new Promise<void>((resolve) => (gone() ? resolve() : child.once("exit", () => resolve())));
  const stop = () => {
    const done = exited();
    if (!gone()) {
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
    }
    return done;
  };
  const kill = () => {
    const done = exited();
    if (!gone()) child.kill("SIGKILL");
    return done;
  };

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyWithinMs;
  let last = "no answer";
  for (;;) {
    if (child.exitCode !== null) {
      const output = logs.join("");
      if (output.includes("EADDRINUSE")) throw new PortTaken(`port ${port} was taken`);
      throw new Error(`next start exited early:\n${output}`);
    }
    try {
      const response = await fetch(`${baseUrl}/api/health`, { redirect: "manual", signal: AbortSignal.timeout(5_000) });
      last = `${response.status} ${(await response.text()).slice(0, 200)}`;
      // Another file's server on this port answers too, but not with our instance's name.
      const ours = response.headers.get("x-instance-id") === (overrides.STOCKHOLD_INSTANCE_ID ?? instance);
      if (ours && isReadyStatus(response.status)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`next start was not ready within ${readyWithinMs / 1000} s (last health answer: ${last}):\n${logs.join("")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  return { baseUrl, port, process: child, logs, stop, kill };
}
