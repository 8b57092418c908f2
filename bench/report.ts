/**
 * Writes a run's figures into BENCHMARKS.md between two markers (`<!-- bench:<name>:start -->` … `end -->`); the
 * prose around them is kept as written. Every bench script writes its own section through `replaceSection`.
 */
import fs from "node:fs";
import path from "node:path";
import type { BenchReport, Measurement } from "./run";

/**
 * Saves a run's figures as bench/results/<kind>-<start time>.json (a new file per run, never overwriting one), so
 * every figure quoted in README.md and BENCHMARKS.md can name the file it comes from. Returns the path from the
 * project root.
 */
export function saveResult(kind: string, started: Date, report: object): string {
  const dir = path.join(process.cwd(), "bench", "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${kind}-${started.toISOString().replace(/[:.]/g, "-")}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2) + "\n", { flag: "wx" });
  return path.relative(process.cwd(), file);
}

const marker = (name: string, edge: "start" | "end") => `<!-- bench:${name}:${edge} -->`;

/** The body of the section `name` of `file`, between its markers; fails if the file has no such section. */
export function readSection(file: string, name: string): string {
  const [start, end] = [marker(name, "start"), marker(name, "end")];
  const current = fs.readFileSync(file, "utf8");
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} has no ${start} … ${end} section`);
  return current.slice(from + start.length + 1, to - 1);
}

/** Replaces the section `name` of `file` with `body` (markers included); fails if the file has no such section. */
export function replaceSection(file: string, name: string, body: string): void {
  const [start, end] = [marker(name, "start"), marker(name, "end")];
  const current = fs.readFileSync(file, "utf8");
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} has no ${start} … ${end} section`);
  fs.writeFileSync(file, current.slice(0, from) + [start, body, end].join("\n") + current.slice(to + end.length));
}

const pathLabel: Record<Measurement["path"], string> = {
  engine: "Engine (`startCheckout`)",
  http: "Store API over HTTP",
  baseline: "Raw-SQL baseline",
};

export function renderTable(report: BenchReport, source: string): string {
  const m = report.machine;
  const d = report.database;
  const lines = [
    `Run of ${report.date.slice(0, 16).replace("T", " ")} UTC, ${report.durationSeconds} s in all (\`${source}\`). ` +
      `Machine: ${m.cpus} CPUs (\`nproc\`), ${m.cpuModel}, ${m.memoryGiB} GiB memory, ${m.os}; ` +
      `Node ${m.node}; PostgreSQL ${d.version} (${d.embedded ? "embedded, temporary cluster" : "server at DATABASE_URL"}, ` +
      `fsync ${d.fsync}, synchronous_commit ${d.synchronousCommit}, shared_buffers ${d.sharedBuffers}). ` +
      `Load average (1 min) ${report.loadAverage.atStart} at the start, ${report.loadAverage.atEnd} at the end.`,
    "",
    "| path | products | concurrent shoppers | holds | holds/s | p50 ms | p99 ms | vs baseline | client or app process: RSS peak MiB, CPU ms per hold | PostgreSQL CPU ms per hold | reserved Δ / holders (measured) | nothing oversold (measured) |",
    "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ...report.results.map((r) =>
      [
        pathLabel[r.path],
        r.layout === "hot" ? "1 (hot)" : "1,000",
        r.concurrency,
        r.failed ? `${r.holds} (${r.failed} failed)` : r.holds,
        r.holdsPerSecond,
        r.p50Ms,
        r.p99Ms,
        r.ratioToBaseline !== undefined ? `${r.ratioToBaseline.toFixed(2)}×` : "–",
        r.process
          ? `${r.process.name}: ${r.process.peakMiB}${r.process.idleMiB !== undefined ? ` (idle ${r.process.idleMiB})` : ""}, ${r.process.cpuMsPerHold}`
          : "–",
        r.databaseCpuMsPerHold ?? "–",
        `${r.oversellCheck.reservedDelta} / ${r.oversellCheck.holders}`,
        r.oversellCheck.oversold === 0 ? "yes" : `**NO: ${r.oversellCheck.oversold} over on hand**`,
      ].join(" | "),
    ).map((row) => `| ${row} |`),
    ...report.references.map(
      (r) => `\nFor scale: ${r.name} at ${r.concurrency} concurrent clients: ${r.requestsPerSecond} requests/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms.`,
    ),
    "",
    `Reconciliation after the run (levels = ledger = active holds, over ${report.reconcile.products} products): ` +
      `${report.reconcile.ok ? "ok" : `**${report.reconcile.problems} problems**`}. ` +
      `Baseline: reserved ${report.baselineCheck.reserved} = ${report.baselineCheck.holds} hold rows: ${report.baselineCheck.ok ? "ok" : "**failed**"}.`,
    "",
    "| target | this run | goal | met |",
    "|---|---:|---|---|",
    ...report.targets.map((t) => `| ${t.name} | ${t.value} | ${t.target} | ${t.met ? "yes" : "**no**"} |`),
  ];
  return lines.join("\n");
}

export function writeBenchmarksTable(file: string, report: BenchReport, source: string): void {
  replaceSection(file, "results", renderTable(report, source));
}
