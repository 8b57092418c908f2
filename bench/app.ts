/**
 * The built app under load: `next start` on 127.0.0.1 against the bench database, and a lean HTTP client
 * (node:http with keep-alive) so the load generator takes as little of the shared CPU as it can.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { startApp } from "../tests/support/app-server";
import { childrenOf } from "./load";

export interface BenchApp {
  baseUrl: string;
  /** The pid of the process that serves requests (titled next-server). */
  serverPid: number;
  logs: string[];
  stop(): Promise<void>;
}

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** The next-server process: the spawned one, or a descendant if `next start` forked one. */
export function findServerPid(rootPid: number): number {
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (commandOf(pid).startsWith("next-server")) return pid;
    queue.push(...childrenOf(pid));
  }
  return rootPid;
}

/**
 * The built app on the bench database, started by the tests' launcher (ready on a 2xx/3xx health answer),
 * with the pid of the process that serves requests for its memory and CPU figures.
 */
export async function startBenchApp(databaseUrl: string): Promise<BenchApp> {
  const app = await startApp({ DATABASE_URL: databaseUrl, AUTH_SECRET: crypto.randomBytes(32).toString("base64url") });
  return { baseUrl: app.baseUrl, serverPid: findServerPid(app.process.pid!), logs: app.logs, stop: app.stop };
}

export interface JsonResponse {
  status: number;
  body: unknown;
  setCookies: string[];
}

/** One keep-alive connection per concurrent caller, as many browsers would open. */
export function createHttpClient(baseUrl: string, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const origin = new URL(baseUrl);

  function send(method: "GET" | "POST", urlPath: string, json?: unknown, cookie?: string): Promise<JsonResponse> {
    const body = json === undefined ? undefined : JSON.stringify(json);
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          agent,
          host: origin.hostname,
          port: origin.port,
          method,
          path: urlPath,
          headers: {
            ...(body !== undefined
              ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
              : {}),
            ...(cookie ? { cookie } : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: response.statusCode ?? 0, body: parsed, setCookies: response.headers["set-cookie"] ?? [] });
          });
          response.on("error", reject);
        },
      );
      request.setTimeout(30_000, () => request.destroy(new Error(`${method} ${urlPath} timed out`)));
      request.on("error", reject);
      request.end(body);
    });
  }

  return {
    get: (urlPath: string) => send("GET", urlPath),
    post: (urlPath: string, json: unknown, cookie?: string) => send("POST", urlPath, json, cookie),
    close: () => agent.destroy(),
  };
}

/**
 * Stops what a bench started (its apps and its database) once, whichever comes first: the end of the run, or
 * Ctrl-C / SIGTERM, which would otherwise leave app servers and a temporary PostgreSQL running (the process then
 * exits 130). Returns the stop to await at the end of the run.
 */
export function stopOnceOrOnSignal(log: (line: string) => void, what: string, stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const shutdown = () => (stopping ??= stop());
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping ${what} …`);
      void shutdown().finally(() => process.exit(130));
    });
  }
  return shutdown;
}
