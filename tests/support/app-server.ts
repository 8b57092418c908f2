/**
 * Starts the built app (`next start`) against this test file's database, for tests over real HTTP.
 * `npm test` builds first; a missing build is made here (see global-setup.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort } from "../../db/embedded";

export interface RunningApp {
  baseUrl: string;
  port: number;
  process: ChildProcess;
  logs: string[];
  stop(): Promise<void>;
}

export const TEST_AUTH_SECRET = "test-auth-secret-0123456789abcdef0123456789";
export const TEST_CRON_SECRET = "test-cron-secret";
export const TEST_ADMIN_TOKEN = "test-admin-token";

export async function startApp(overrides: Record<string, string> = {}): Promise<RunningApp> {
  const port = await freePort();
  const logs: string[] = [];
  const child = spawn(
    process.execPath,
    [path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next"), "start", "--port", String(port)],
    {
      env: {
        ...process.env,
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
        ...overrides,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const keep = (chunk: Buffer) => {
    logs.push(chunk.toString());
    if (logs.length > 200) logs.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited early:\n${logs.join("")}`);
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      await response.arrayBuffer();
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`next start did not answer within 60 s:\n${logs.join("")}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  return {
    baseUrl,
    port,
    process: child,
    logs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A client that keeps its cookies, like a browser: one client is one shopper. */
export class HttpClient {
  private readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  async request<T = any>( // eslint-disable-line @typescript-eslint/no-explicit-any -- response shapes vary per test
    method: string,
    urlPath: string,
    options: { json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["content-type"] ??= "application/json";
    }
    const response = await fetch(`${this.baseUrl}${urlPath}`, { method, headers, body, redirect: "manual" });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(cookie) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get<T = any>(urlPath: string, headers?: Record<string, string>) { // eslint-disable-line @typescript-eslint/no-explicit-any
    return this.request<T>("GET", urlPath, { headers });
  }

  post<T = any>(urlPath: string, json?: unknown, headers?: Record<string, string>) { // eslint-disable-line @typescript-eslint/no-explicit-any
    return this.request<T>("POST", urlPath, { json: json ?? {}, headers });
  }

  put<T = any>(urlPath: string, json?: unknown, headers?: Record<string, string>) { // eslint-disable-line @typescript-eslint/no-explicit-any
    return this.request<T>("PUT", urlPath, { json: json ?? {}, headers });
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }
}
