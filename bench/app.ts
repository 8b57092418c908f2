/**
 * The built app under load: `next start` on 127.0.0.1 against the bench database, and a lean HTTP client
 * (node:http with keep-alive) so the load generator takes as little of the shared CPU as it can.
 */
import { spawn, spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { freePort } from "../db/embedded";
import { childrenOf } from "./load";

export interface BenchApp {
  baseUrl: string;
  /** The pid of the process that serves requests (titled next-server). */
  serverPid: number;
  logs: string[];
  stop(): Promise<void>;
}

const nextBin = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");

/** The newest modification time under these paths (files the production build is made from). */
function newestSource(paths: string[]): { file: string; mtimeMs: number } {
  let newest = { file: "", mtimeMs: 0 };
  const visit = (full: string) => {
    const stat = fs.statSync(full, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(full)) visit(path.join(full, entry));
    } else if (stat.mtimeMs > newest.mtimeMs) {
      newest = { file: full, mtimeMs: stat.mtimeMs };
    }
  };
  paths.forEach((p) => visit(path.join(process.cwd(), p)));
  return newest;
}

/** Runs `next build` when there is no build or a source file changed since: the HTTP figures must be of this code. */
export function buildIfStale(log: (line: string) => void): void {
  const buildId = path.join(process.cwd(), ".next", "BUILD_ID");
  const built = fs.statSync(buildId, { throwIfNoEntry: false });
  const sources = ["app", "components", "lib", "db", "proxy.ts", "instrumentation.ts", "next.config.mjs", "package.json"];
  const newest = newestSource(sources);
  if (built && built.mtimeMs >= newest.mtimeMs) return;
  log(
    built
      ? `The build is older than ${path.relative(process.cwd(), newest.file)}: running \`next build\` …`
      : "No production build yet: running `next build` …",
  );
  const build = spawnSync(process.execPath, [nextBin, "build"], {
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (build.status !== 0) throw new Error("next build failed");
}

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** The next-server process: the spawned one, or a descendant if `next start` forked one. */
function findServerPid(rootPid: number): number {
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    if (commandOf(pid).startsWith("next-server")) return pid;
    queue.push(...childrenOf(pid));
  }
  return rootPid;
}

export async function startBenchApp(databaseUrl: string): Promise<BenchApp> {
  const port = await freePort();
  const logs: string[] = [];
  const child = spawn(process.execPath, [nextBin, "start", "--hostname", "127.0.0.1", "--port", String(port)], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      AUTH_SECRET: crypto.randomBytes(32).toString("base64url"),
      AUTH_TRUST_HOST: "true",
      // Measure the hold path, not the limiters or a background sweep.
      RATE_LIMIT_CHECKOUTS_PER_MINUTE: "0",
      RATE_LIMIT_REQUESTS_PER_IP_PER_MINUTE: "0",
      EXPIRY_SWEEP_SECONDS: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    logs.push(chunk.toString());
    if (logs.length > 200) logs.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);

  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
    });

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited early:\n${logs.join("")}`);
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`next start did not answer within 60 s:\n${logs.join("")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { baseUrl, serverPid: findServerPid(child.pid!), logs, stop };
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

/** `name=value` pairs of the Set-Cookie headers, joined as a Cookie header. */
export function cookieHeader(setCookies: string[]): string {
  return setCookies.map((c) => c.split(";")[0]!.trim()).join("; ");
}
