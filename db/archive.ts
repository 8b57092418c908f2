/**
 * `npm run archive`: moves out of the live database the records a shop no longer needs to run, after
 * ARCHIVE_AFTER_DAYS (90 unless set; at least 7) — and only those:
 *   - ended holds: released or expired (an allocated hold stays: it is how reconcile ties an order to its stock);
 *   - sent emails: sent, failed for good, or kept for the demo outbox (pending and sending ones stay);
 *   - spent rate-limit windows (the sweep drops them too; anything older than an hour is spent).
 * Orders, their lines and allocations, payments, checkouts and the stock ledger are kept forever: every level is
 * the sum of its ledger, and every order its money's record.
 *
 * Each batch is one short transaction: the rows are deleted, written as JSON lines to
 * <ARCHIVE_DIR, default .data/archive>/<table>-<time>.jsonl, and the transaction commits only once the file is
 * flushed, so a row is never lost between the two. Safe to run while the shop is in business (it never touches a
 * live hold, a due email or a stock row) and more than once. Exits 0 and prints what it moved; 2 when it could not
 * run. Uses DATABASE_URL.
 */
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { scriptClientOptions } from "./connection-settings";

export interface ArchiveOptions {
  /** Records ended longer ago than this are archived. */
  days: number;
  /** Where the archived rows are written. */
  directory: string;
  /** Rows per transaction. */
  batchSize?: number;
}

export type ArchiveCounts = { holds: number; emails: number; rateLimits: number; files: string[] };

/** At least this many days are kept: the sweep re-queues a missing order confirmation within a day. */
export const MIN_ARCHIVE_DAYS = 7;

/**
 * What may be archived, table by table: the statement that deletes one batch and returns its rows. Raw SQL (postgres.js,
 * as db/seed.ts): a delete … returning of a locked subselect, whose rows go to the file before the commit.
 */
const archivable = (sql: postgres.TransactionSql, days: number, batch: number) => ({
  reservations: sql`
    delete from reservations where id in (
      select id from reservations
      where status in ('released', 'expired') and ended_at < now() - make_interval(days => ${days})
      limit ${batch} for update skip locked)
    returning *`,
  email_outbox: sql`
    delete from email_outbox where id in (
      select id from email_outbox
      where status in ('sent', 'failed', 'kept') and created_at < now() - make_interval(days => ${days})
      limit ${batch} for update skip locked)
    returning *`,
  rate_limits: sql`
    delete from rate_limits where (bucket, window_start) in (
      select bucket, window_start from rate_limits where window_start < now() - interval '65 minutes'
      limit ${batch} for update skip locked)
    returning *`,
});

type Table = keyof ReturnType<typeof archivable>;

export async function archiveRecords(databaseUrl: string, options: ArchiveOptions): Promise<ArchiveCounts> {
  if (!Number.isInteger(options.days) || options.days < MIN_ARCHIVE_DAYS) {
    throw new Error(`Archive only records older than ${MIN_ARCHIVE_DAYS} days or more (asked: ${options.days}).`);
  }
  const batch = options.batchSize ?? 5000;
  fs.mkdirSync(options.directory, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const sql = postgres(databaseUrl, { max: 1, ...scriptClientOptions() });
  const moved: Record<Table, number> = { reservations: 0, email_outbox: 0, rate_limits: 0 };
  const files: string[] = [];
  try {
    for (const table of Object.keys(moved) as Table[]) {
      const file = path.join(options.directory, `${table}-${stamp}.jsonl`);
      for (;;) {
        const n = await sql.begin(async (tx) => {
          const rows = await archivable(tx, options.days, batch)[table];
          if (rows.length === 0) return 0;
          // Written and flushed before the deletion commits: a crash leaves the rows in the database, or in the file.
          const fd = fs.openSync(file, "a");
          try {
            fs.writeSync(fd, rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
            fs.fsyncSync(fd);
          } finally {
            fs.closeSync(fd);
          }
          return rows.length;
        });
        moved[table] += n;
        if (n > 0 && !files.includes(file)) files.push(file);
        if (n < batch) break;
      }
    }
  } finally {
    await sql.end();
  }
  return { holds: moved.reservations, emails: moved.email_outbox, rateLimits: moved.rate_limits, files };
}

async function main(): Promise<number> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error("Set DATABASE_URL to the database to archive.");
    return 2;
  }
  const days = Number(process.env.ARCHIVE_AFTER_DAYS ?? 90);
  const directory = path.resolve(process.env.ARCHIVE_DIR ?? path.join(".data", "archive"));
  const counts = await archiveRecords(url, { days, directory });
  console.log(
    `Archived records older than ${days} days: ${counts.holds} ended holds, ${counts.emails} sent emails, ` +
      `${counts.rateLimits} spent rate-limit windows` +
      (counts.files.length > 0 ? `, written to ${counts.files.map((f) => path.relative(process.cwd(), f)).join(", ")}` : ""),
  );
  return 0;
}

// Run when started as a script (npm run archive), not when imported by a test.
if (process.argv[1]?.endsWith("archive.ts")) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`archive could not run: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    },
  );
}
