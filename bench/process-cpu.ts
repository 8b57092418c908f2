/**
 * CPU time a process and its descendants have used so far (user + system, from /proc), so a run can say how many
 * microseconds of server CPU each request took. On a shared machine that is steadier than a rate: another
 * process taking a core slows the rate down, but not the CPU each request needs.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces): [state, ppid, …]. */
function statFields(pid: string): string[] | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null; // gone meanwhile
  }
}

/** Seconds of CPU used by `pid` and every process below it, or null where /proc is not there (not Linux). */
export function cpuSecondsOfTree(pid: number): number | null {
  if (!fs.existsSync("/proc/self/stat")) return null;
  const children = new Map<string, string[]>();
  const ticks = new Map<string, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (!fields) continue;
    // After the name: state(0) ppid(1) … utime(11) stime(12).
    const parent = fields[1]!;
    children.set(parent, [...(children.get(parent) ?? []), entry]);
    ticks.set(entry, Number(fields[11]) + Number(fields[12]));
  }
  let total = 0;
  const pending = [String(pid)];
  while (pending.length > 0) {
    const next = pending.pop()!;
    total += ticks.get(next) ?? 0;
    pending.push(...(children.get(next) ?? []));
  }
  return total / clockTicks();
}
