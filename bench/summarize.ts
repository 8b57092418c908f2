/**
 * `npm run bench:summary`: the figures README.md and BENCHMARKS.md quote, recomputed from the saved result files.
 *
 * One run on this shared 2-core machine says little (two runs a minute apart can differ by a third), so the pages
 * quote the median of the runs of one code and one configuration, with their spread (min–max and p25–p75) and
 * their count. Which runs belong together is written down below (GROUPS), by start time, with the commit they
 * ran; the median of a group does not change when later runs are saved. The other result files (pooler, the flash
 * sale, the catalogue, the slow provider) are summarised file by file.
 *
 * Prints the tables, saves them as bench/results/summary.json (made only from the files it names, so running this
 * again without new result files changes nothing) and rewrites the "bench:summary" section of BENCHMARKS.md.
 *
 * `npm run bench:summary -- --check` writes nothing: it fails when summary.json or that section is not what the
 * saved files give, or when README.md or BENCHMARKS.md names a result file that is not in bench/results/.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { readSection, replaceSection } from "./report";

const RESULTS = path.join("bench", "results");
const SUMMARY = path.join(RESULTS, "summary.json");
const PAGES = ["README.md", "BENCHMARKS.md"];

/** A bench:http file as saved since 2026-12-03 21:58 UTC (older files lack `refused` and the rounds). */
const httpRoute = z.object({ requestsPerSecond: z.number(), p50Ms: z.number(), p99Ms: z.number() });
const httpFile = z.object({
  startedAt: z.string(),
  machine: z.object({ cpus: z.number(), cpuModel: z.string() }),
  loadAverage: z.object({ atStart: z.number() }).optional(),
  loadAverageAtStart: z.number().optional(),
  pgbench: z.object({ tps: z.number() }),
  engine: z.object({ holdsPerSecond: z.number(), p99Ms: z.number(), ratioToPgbench: z.number() }),
  engineSpread: z.object({ holdsPerSecond: z.number(), p99Ms: z.number() }).optional(),
  health: httpRoute,
  refused: httpRoute.optional(),
  checkout: httpRoute.extend({ ratioToPgbench: z.number(), ratioToHealth: z.number(), ratioToRefused: z.number().optional() }),
  oversellCheck: z.object({ ok: z.boolean() }),
  targets: z.array(z.object({ name: z.string(), met: z.boolean() })).optional(),
});
type HttpRun = z.infer<typeof httpFile> & { file: string };

const poolerFile = z.object({
  startedAt: z.string(),
  machine: z.object({ cpus: z.number(), cpuModel: z.string() }),
  loadAverage: z.object({ atStart: z.number(), atEnd: z.number() }),
  settings: z.object({ pgbouncer: z.object({ version: z.string() }), concurrency: z.number(), holdsPerRound: z.number() }),
  rounds: z.array(
    z.object({ round: z.number(), path: z.enum(["direct", "pgbouncer"]), holdsPerSecond: z.number(), p50Ms: z.number(), p99Ms: z.number(), checked: z.boolean() }),
  ),
});

const flashSaleFile = z.object({
  date: z.string(),
  loadAverage: z.object({ atStart: z.number(), atEnd: z.number() }),
  results: z.array(
    z.object({ path: z.string(), layout: z.string(), concurrency: z.number(), holdsPerSecond: z.number(), p50Ms: z.number(), p99Ms: z.number() }),
  ),
  references: z.array(z.object({ name: z.string(), requestsPerSecond: z.number(), p99Ms: z.number() })),
  /** Since issue 28: the engine beside the commit before locations, and the runs over several locations. */
  locations: z
    .object({
      comparison: z
        .object({ previousCommit: z.string(), previousHoldsPerSecond: z.number(), currentHoldsPerSecond: z.number(), ratioToPrevious: z.number() })
        .optional(),
      runs: z.array(z.object({ name: z.string(), holdsPerSecond: z.number(), p99Ms: z.number(), ratioToPgbench: z.number().optional() })),
    })
    .optional(),
});

const catalogueFile = z.object({
  date: z.string(),
  loadAverage: z.object({ atStart: z.number(), atEnd: z.number() }),
  targets: z.array(z.object({ name: z.string(), value: z.number(), met: z.boolean() })),
});

const slowProviderFile = z.object({
  startedAt: z.string(),
  loadAverageAtStart: z.number(),
  others: z.object({ p50Ms: z.number(), p99Ms: z.number(), maxMs: z.number(), fiveHundreds: z.number() }),
  payments: z.object({ succeeded: z.number(), minMs: z.number(), maxMs: z.number() }),
});

/** Runs of one code and one configuration of bench:http, by start time (UTC, inclusive). */
interface Group {
  id: string;
  title: string;
  from: string;
  to: string;
  /** Shown in BENCHMARKS.md's summary section (the others only in summary.json, for the history paragraphs). */
  onPage: boolean;
  /**
   * Which figures the group quotes: its runs share the HTTP figures, the engine's, or both (the engine's were taken
   * from 4,000 starts before 16:09 on 2026-12-04, from 12,000 after; pgbench is in every run and in every group).
   */
  figures: "all" | "http" | "engine";
}

const GROUPS: Group[] = [
  {
    id: "http-2026-12-04-hold-thread-16",
    title:
      "bench:http, 2026-12-04 15:44–16:47 UTC, the hold thread with batches of up to 16 (the hold path since cbcf7de): HTTP rows and pgbench",
    from: "2026-12-04T15:44:00Z",
    to: "2026-12-04T16:48:00Z",
    figures: "http",
    onPage: true,
  },
  {
    id: "http-2026-12-04-hold-thread-16-engine-12000",
    title:
      "bench:http, 2026-12-04 16:09–16:47 UTC, the same code, the engine measured over 12,000 starts (ENGINE_SHOPPERS, committed in 988f2a1): engine rows and pgbench",
    from: "2026-12-04T16:09:00Z",
    to: "2026-12-04T16:48:00Z",
    figures: "engine",
    onPage: true,
  },
  {
    id: "http-2026-12-04-hold-thread-24",
    title: "bench:http, 2026-12-04 13:45–14:09 UTC, the hold thread with batches of up to 24 leaving at the end of a turn (74fd04a)",
    from: "2026-12-04T13:45:00Z",
    to: "2026-12-04T14:10:00Z",
    figures: "all",
    onPage: false,
  },
];

interface Spread {
  n: number;
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
}

/** Quantile by linear interpolation between the nearest ranks (the median of an even count is the mean of the two middle values). */
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

function spreadOf(values: readonly number[], digits: number): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number) => Number(n.toFixed(digits));
  return {
    n: sorted.length,
    median: round(quantile(sorted, 0.5)),
    p25: round(quantile(sorted, 0.25)),
    p75: round(quantile(sorted, 0.75)),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
  };
}

const fmt = (n: number) => n.toLocaleString("en-US");
const showSpread = (s: Spread) => `${fmt(s.median)} | ${fmt(s.p25)}–${fmt(s.p75)} | ${fmt(s.min)}–${fmt(s.max)}`;

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(RESULTS, file), "utf8"));
}

/** A group's figures, each as median and spread over the group's runs. */
function summariseGroup(group: Group, runs: HttpRun[]) {
  const of = runs.filter((r) => r.startedAt >= group.from && r.startedAt <= group.to);
  if (of.length === 0) throw new Error(`no bench:http runs between ${group.from} and ${group.to}`);
  const figures: Record<string, { label: string; spread: Spread }> = {};
  const add = (key: string, label: string, values: number[], digits = 1) => (figures[key] = { label, spread: spreadOf(values, digits) });
  add("pgbenchTps", "pgbench, the bare FOR UPDATE hold transaction, one hot row, 64 clients (tps)", of.map((r) => r.pgbench.tps));
  const quotes = (kind: "http" | "engine") => group.figures === "all" || group.figures === kind;
  if (quotes("engine")) {
    add("engineHoldsPerSecond", "engine alone (`startCheckout`), one hot product, 64 callers (holds/s)", of.map((r) => r.engine.holdsPerSecond));
    add("engineP99Ms", "engine alone, one hot product: p99 (ms)", of.map((r) => r.engine.p99Ms));
    add("engineVsPgbench", "engine alone, one hot product, × pgbench", of.map((r) => r.engine.ratioToPgbench), 2);
    const spread = of.filter((r) => r.engineSpread);
    if (spread.length === of.length) {
      add("engineSpreadHoldsPerSecond", "engine alone, 1,000 products, 64 callers (holds/s)", spread.map((r) => r.engineSpread!.holdsPerSecond));
      add("engineSpreadP99Ms", "engine alone, 1,000 products: p99 (ms)", spread.map((r) => r.engineSpread!.p99Ms));
    }
  }
  if (quotes("http")) {
    add("healthPerSecond", "`GET /api/health` over HTTP, 64 connections (req/s)", of.map((r) => r.health.requestsPerSecond));
    add("healthP99Ms", "`GET /api/health`: p99 (ms)", of.map((r) => r.health.p99Ms));
    const refused = of.filter((r) => r.refused);
    if (refused.length === of.length) {
      add("refusedPerSecond", "`POST /api/checkout` refused at validation (400), 64 connections (req/s)", refused.map((r) => r.refused!.requestsPerSecond));
      add("refusedP99Ms", "refused `POST /api/checkout`: p99 (ms)", refused.map((r) => r.refused!.p99Ms));
    }
    add("checkoutPerSecond", "`POST /api/checkout` over HTTP, one hot product, a new shopper each (starts/s)", of.map((r) => r.checkout.requestsPerSecond));
    add("checkoutP50Ms", "checkout over HTTP: p50 (ms)", of.map((r) => r.checkout.p50Ms));
    add("checkoutP99Ms", "checkout over HTTP: p99 (ms)", of.map((r) => r.checkout.p99Ms));
    add("checkoutVsHealth", "checkout over HTTP, × the health check of the same run", of.map((r) => r.checkout.ratioToHealth), 2);
    add("checkoutVsRefused", "checkout over HTTP, × the refused POST of the same run", of.map((r) => r.checkout.ratioToRefused ?? Number.NaN), 2);
    add("checkoutVsPgbench", "checkout over HTTP, × pgbench of the same run", of.map((r) => r.checkout.ratioToPgbench), 2);
  }
  add("loadAverageAtStart", "load average (1 min) at the start", of.map((r) => r.loadAverage?.atStart ?? r.loadAverageAtStart ?? Number.NaN), 2);
  // The targets on the figures this group quotes ("nothing oversold" is the checkout's).
  const targetsConsidered = (r: HttpRun) => (r.targets ?? []).filter((t) => quotes(t.name.startsWith("engine") ? "engine" : "http"));
  return {
    id: group.id,
    onPage: group.onPage,
    title: group.title,
    files: of.map((r) => r.file),
    machine: [...new Set(of.map((r) => `${r.machine.cpus} CPUs, ${r.machine.cpuModel}`))],
    nothingOversold: of.every((r) => r.oversellCheck.ok),
    runsMeetingEveryTarget: of.filter((r) => targetsConsidered(r).length > 0 && targetsConsidered(r).every((t) => t.met)).length,
    targetsMet: Object.fromEntries(
      [...new Set(of.flatMap((r) => targetsConsidered(r).map((t) => t.name)))].map((name) => [
        name,
        of.filter((r) => targetsConsidered(r).some((t) => t.name === name && t.met)).length,
      ]),
    ),
    figures,
  };
}

function main(): void {
  const files = fs.readdirSync(RESULTS).filter((f) => f.endsWith(".json") && f !== "latest.json" && f !== "summary.json").sort();
  const httpRuns: HttpRun[] = files
    .filter((f) => f.startsWith("http-"))
    .map((file) => ({ ...httpFile.parse(readJson(file)), file: path.join(RESULTS, file) }));
  const groups = GROUPS.map((g) => summariseGroup(g, httpRuns));

  const pooler = files
    .filter((f) => f.startsWith("pooler-"))
    .map((file) => {
      const run = poolerFile.parse(readJson(file));
      return {
        file: path.join(RESULTS, file),
        startedAt: run.startedAt,
        machine: `${run.machine.cpus} CPUs, ${run.machine.cpuModel}`,
        loadAverage: run.loadAverage,
        pgbouncer: run.settings.pgbouncer.version,
        everyHoldChecked: run.rounds.every((r) => r.checked),
        paths: (["direct", "pgbouncer"] as const).map((p) => {
          const rounds = run.rounds.filter((r) => r.path === p);
          return {
            path: p,
            holdsPerSecond: spreadOf(rounds.map((r) => r.holdsPerSecond), 1),
            p50Ms: spreadOf(rounds.map((r) => r.p50Ms), 1),
            p99Ms: spreadOf(rounds.map((r) => r.p99Ms), 1),
          };
        }),
      };
    });

  const flashSale = files
    .filter((f) => /^\d{4}-\d{2}-\d{2}/.test(f))
    .map((file) => {
      const run = flashSaleFile.parse(readJson(file));
      const hot64 = run.results.filter((r) => r.layout === "hot" && r.concurrency === 64);
      const locations = run.locations && {
        ...(run.locations.comparison ? { comparison: run.locations.comparison } : {}),
        runs: run.locations.runs.map((r) => ({ name: r.name, holdsPerSecond: r.holdsPerSecond, p99Ms: r.p99Ms, ratioToPgbench: r.ratioToPgbench })),
      };
      return { file: path.join(RESULTS, file), date: run.date, loadAverage: run.loadAverage, hot64, references: run.references, ...(locations ? { locations } : {}) };
    });
  const catalogue = files
    .filter((f) => f.startsWith("catalogue-"))
    .map((file) => {
      const run = catalogueFile.parse(readJson(file));
      return { file: path.join(RESULTS, file), date: run.date, loadAverage: run.loadAverage, targets: run.targets };
    });
  const slowProvider = files
    .filter((f) => f.startsWith("slow-provider-"))
    .map((file) => ({ file: path.join(RESULTS, file), ...slowProviderFile.parse(readJson(file)) }));

  const summary = { groups, pooler, flashSale, catalogue, slowProvider };
  const summaryJson = JSON.stringify(summary, null, 2) + "\n";

  const lines: string[] = [
    `Medians over saved runs, with the middle half (p25–p75) and the whole range (min–max) of the runs; written by ` +
      `\`npm run bench:summary\` from the files it names, into \`${SUMMARY}\`.`,
  ];
  for (const g of groups.filter((x) => x.onPage)) {
    lines.push(
      "",
      `**${g.title}.** ${g.files.length} runs (\`${g.files[0]}\` … \`${g.files[g.files.length - 1]}\`), ${g.machine.join("; ")}; ` +
        `nothing oversold in ${g.nothingOversold ? "any" : "**not all**"}; every target considered here met in ${g.runsMeetingEveryTarget} of ${g.files.length}.`,
      "",
      "| figure | median | p25–p75 | min–max |",
      "|---|---:|---:|---:|",
      ...Object.values(g.figures).map((f) => `| ${f.label} | ${showSpread(f.spread)} |`),
      "",
      "| target | runs meeting it |",
      "|---|---:|",
      ...Object.entries(g.targetsMet).map(([name, met]) => `| ${name} | ${met} of ${g.files.length} |`),
    );
  }
  for (const p of pooler) {
    lines.push(
      "",
      `**bench:pooler, ${p.startedAt.slice(0, 16).replace("T", " ")} UTC** (\`${p.file}\`; ${p.machine}, PgBouncer ${p.pgbouncer}; load average ` +
        `${p.loadAverage.atStart} at the start, ${p.loadAverage.atEnd} at the end): every hold in the database, nothing more, in ` +
        `${p.everyHoldChecked ? "every round" : "**not every round**"}.`,
      "",
      "| path | rounds | holds/s: median (min–max) | p50 ms: median (min–max) | p99 ms: median (min–max) |",
      "|---|---:|---:|---:|---:|",
      ...p.paths.map(
        (x) =>
          `| ${x.path === "direct" ? "direct" : "through PgBouncer"} | ${x.holdsPerSecond.n} | ${fmt(x.holdsPerSecond.median)} (${fmt(x.holdsPerSecond.min)}–${fmt(x.holdsPerSecond.max)}) | ` +
          `${x.p50Ms.median} (${x.p50Ms.min}–${x.p50Ms.max}) | ${x.p99Ms.median} (${x.p99Ms.min}–${x.p99Ms.max}) |`,
      ),
    );
  }
  const table = lines.join("\n");
  if (process.argv.includes("--check")) {
    const problems = [
      ...(fs.existsSync(SUMMARY) && fs.readFileSync(SUMMARY, "utf8") === summaryJson ? [] : [`${SUMMARY} is not what the saved runs give`]),
      ...(readSection("BENCHMARKS.md", "summary") === table ? [] : ["BENCHMARKS.md's summary section is not what the saved runs give"]),
      ...missingResultFiles(),
    ];
    for (const problem of problems) console.error(problem);
    if (problems.length > 0) {
      console.error("Run `npm run bench:summary`, or name result files that exist.");
      process.exitCode = 1;
    } else {
      console.log(`${SUMMARY}, BENCHMARKS.md's summary and every result file named in ${PAGES.join(" and ")}: ok`);
    }
    return;
  }
  fs.writeFileSync(SUMMARY, summaryJson);
  console.log(table);
  replaceSection("BENCHMARKS.md", "summary", table);
  console.log(`\nsaved ${SUMMARY}; BENCHMARKS.md updated`);
}

/**
 * Result files the pages name that are not saved: whole names (`http-2026-12-04T16-47-02-976Z.json`, with or
 * without `bench/results/`) and the short `…T16-47-02-976Z.json` form of a table's further columns, which must end
 * some saved file's name.
 */
function missingResultFiles(): string[] {
  const saved = fs.readdirSync(RESULTS);
  const missing: string[] = [];
  for (const page of PAGES) {
    const text = fs.readFileSync(page, "utf8");
    for (const [, name] of text.matchAll(/(?:bench\/results\/)?((?:http|pooler|catalogue|slow-provider|pages|growth|line)-[\w-]+\.json|\d{4}-\d{2}-\d{2}[\w-]*\.json)/g)) {
      if (!saved.includes(name!)) missing.push(`${page} names ${name}, which is not in ${RESULTS}`);
    }
    for (const [, tail] of text.matchAll(/…(T[\w-]+\.json)/g)) {
      if (!saved.some((file) => file.endsWith(tail!))) missing.push(`${page} names …${tail}, which ends no file in ${RESULTS}`);
    }
  }
  return missing;
}

main();
