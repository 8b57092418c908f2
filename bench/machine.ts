/** The machine a benchmark ran on, so figures from different runs can be read side by side. */
import fs from "node:fs";
import os from "node:os";

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
}

function readOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}

export function describeMachine(): Machine {
  const cpuinfo = readOr("/proc/cpuinfo", "");
  const meminfo = readOr("/proc/meminfo", "");
  const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? os.totalmem() / 1024);
  return {
    // What `nproc` prints: the CPUs this process may use.
    cpus: os.availableParallelism(),
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((memKiB / 1024 / 1024) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}
