/**
 * A closed-loop load generator: `concurrency` callers, each starting its next operation as soon as the last one
 * answers. Bounded twice: it stops after the given items or after `timeLimitMs`, whichever comes first.
 */
import fs from "node:fs";
import { performance } from "node:perf_hooks";

export interface LoadResult {
  concurrency: number;
  attempted: number;
  succeeded: number;
  failed: number;
  firstError?: string;
  elapsedMs: number;
  /** Latency of every successful operation, in ms, sorted. */
  latencies: number[];
}

/** `operation` returns true when it got what it asked for (a hold), false on a refusal; a throw counts as failed. */
export async function runLoad<T>(
  items: readonly T[],
  concurrency: number,
  operation: (item: T) => Promise<boolean>,
  timeLimitMs: number,
): Promise<LoadResult> {
  let next = 0;
  let succeeded = 0;
  let failed = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + timeLimitMs;

  const caller = async () => {
    while (next < items.length && performance.now() < deadline) {
      const item = items[next]!;
      next += 1;
      const t0 = performance.now();
      try {
        if (await operation(item)) {
          latencies.push(performance.now() - t0);
          succeeded += 1;
        } else {
          failed += 1;
        }
      } catch (error) {
        failed += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  const elapsedMs = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { concurrency, attempted: next, succeeded, failed, firstError, elapsedMs, latencies };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Resident memory of a process in MiB, from /proc (Linux). Undefined when it can't be read. */
export function residentMiB(pid: number | "self"): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ): 100 on every common Linux build. */
const TICKS_PER_SECOND = 100;

/** CPU time a process has used so far (user + system), in ms, from /proc (Linux). */
export function cpuTimeMs(pid: number | "self"): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may itself hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** The direct children of a process, from /proc (Linux). */
export function childrenOf(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim().split(/\s+/))
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU time used so far by a process and everything under it, in ms: its own time, the time of children that
 * have exited (which the kernel adds to the parent as they are reaped), and the time of live children. For the
 * PostgreSQL server: the postmaster, its background processes and every backend.
 */
export function treeCpuTimeMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime, stime, cutime, cstime
    const own = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    const live = childrenOf(pid).reduce((sum, child) => sum + (cpuTimeMs(child) ?? 0), 0);
    return (own * 1000) / TICKS_PER_SECOND + live;
  } catch {
    return undefined;
  }
}

/**
 * Watches a process during a measurement: its RSS every `everyMs` (peak and mean) and the CPU time it used
 * from start to stop.
 */
export function watchProcess(pid: number | "self", everyMs = 100) {
  const samples: number[] = [];
  const take = () => {
    const value = residentMiB(pid);
    if (value !== undefined) samples.push(value);
  };
  const cpuAtStart = cpuTimeMs(pid);
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop(): { peakMiB: number; meanMiB: number; cpuMs: number } {
      clearInterval(timer);
      take();
      const cpuAtStop = cpuTimeMs(pid);
      const peak = samples.length ? Math.max(...samples) : Number.NaN;
      const mean = samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : Number.NaN;
      const cpuMs = cpuAtStart !== undefined && cpuAtStop !== undefined ? cpuAtStop - cpuAtStart : Number.NaN;
      return { peakMiB: round1(peak), meanMiB: round1(mean), cpuMs };
    },
  };
}

export const round1 = (value: number) => Math.round(value * 10) / 10;
