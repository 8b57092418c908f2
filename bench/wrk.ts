/**
 * wrk (a C load generator) driven from the HTTP bench: one run writes its whole latency histogram, so runs of
 * the same requests can be pooled exactly (rates summed over time, percentiles over every request).
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { round1 } from "./load";

export interface WrkSettings {
  wrk: string;
  connections: number;
  threads: number;
  /**
   * How long each connection waits before its first request, so all of them are open before the load starts.
   * Node accepts one new connection per event-loop turn: when wrk opens 64 at once against a server already busy
   * with the first ones, the last waits about 2 s to be accepted, and those first requests alone make the p99
   * (a bare node:http server shows the same 1.2 s p99). The wait is not counted: wrk starts a request's clock
   * when it sends it, and the rate is taken over the time after the wait.
   */
  openSeconds: number;
}

export interface WrkRun {
  requests: number;
  /** Time under load: the run's duration less the connections' opening wait. */
  seconds: number;
  non2xx: number;
  socketErrors: number;
  /** Latency in microseconds → how many requests took it. */
  histogram: [number, number][];
}

export interface WrkSummary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  /** Each run's own rate, to show how steady the machine was. */
  perRun: number[];
}

/**
 * One wrk run of `requestLua` (a script defining `request()`, and `init(args)` if it needs wrk's arguments) for
 * `seconds` under load. `scriptArgs` reach `init(args)` as args[1], args[2] …
 */
export function runWrk(settings: WrkSettings, url: string, requestLua: string, seconds: number, scriptArgs: string[] = []): WrkRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stockhold-wrk-"));
  const script = path.join(dir, "run.lua");
  const out = path.join(dir, "histogram.txt");
  // The first connections/threads calls of delay() in a thread are exactly its connections' first requests.
  fs.writeFileSync(
    script,
    `local delays = 0
function delay()
  delays = delays + 1
  if delays <= ${settings.connections / settings.threads} then return ${settings.openSeconds * 1000} end
  return 0
end
${requestLua}
function done(summary, latency, requests)
  local f = io.open("${out}", "w")
  local e = summary.errors
  f:write(summary.requests, " ", summary.duration, " ", e.status, " ", e.connect + e.read + e.write + e.timeout, "\\n")
  for i = 1, #latency do
    local value, count = latency(i)
    f:write(value, " ", count, "\\n")
  end
  f:close()
end
`,
  );
  try {
    const runSeconds = settings.openSeconds + seconds;
    execFileSync(
      settings.wrk,
      [`-t${settings.threads}`, `-c${settings.connections}`, `-d${runSeconds}s`, "-s", script, url, ...scriptArgs],
      { encoding: "utf8", timeout: (runSeconds + 30) * 1000 },
    );
    const [head, ...rows] = fs.readFileSync(out, "utf8").trim().split("\n");
    const [requests, durationUs, non2xx, socketErrors] = head!.split(" ").map(Number);
    return {
      requests: requests!,
      seconds: durationUs! / 1e6 - settings.openSeconds,
      non2xx: non2xx!,
      socketErrors: socketErrors!,
      histogram: rows.map((r) => r.split(" ").map(Number) as [number, number]),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs of the same requests pooled: the rate over their summed time, percentiles over all their requests. */
export function summarize(runs: WrkRun[]): WrkSummary {
  const counts = new Map<number, number>();
  for (const run of runs) for (const [value, count] of run.histogram) counts.set(value, (counts.get(value) ?? 0) + count);
  const sorted = [...counts].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((n, [, c]) => n + c, 0);
  const percentileMs = (p: number) => {
    const rank = Math.ceil((p / 100) * total);
    let seen = 0;
    for (const [value, count] of sorted) {
      seen += count;
      if (seen >= rank) return round1(value / 1000);
    }
    return NaN;
  };
  const sum = (f: (r: WrkRun) => number) => runs.reduce((n, r) => n + f(r), 0);
  return {
    requestsPerSecond: round1(sum((r) => r.requests) / sum((r) => r.seconds)),
    p50Ms: percentileMs(50),
    p99Ms: percentileMs(99),
    requests: sum((r) => r.requests),
    non2xx: sum((r) => r.non2xx),
    socketErrors: sum((r) => r.socketErrors),
    perRun: runs.map((r) => round1(r.requests / r.seconds)),
  };
}
