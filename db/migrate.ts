/**
 * Applies the committed SQL migrations in db/migrations (idempotent; safe to run at every start).
 *
 * Everything happens in one transaction that first takes a transaction-scoped advisory lock, so two app servers
 * starting at once never both migrate, and the lock ends with the transaction. A session-level lock would not
 * do: behind a transaction-mode pooler the session it belongs to is a pooled server connection that outlives
 * this client, and the lock would never be given back. Bookkeeping is drizzle's own (drizzle.__drizzle_migrations,
 * the same rows drizzle-kit's migrator writes), so databases migrated before keep working.
 *
 * A migration made only of `CREATE INDEX CONCURRENTLY IF NOT EXISTS` statements (0010) cannot run in a
 * transaction: PostgreSQL builds such an index without blocking writes to its table, which is how an index reaches a
 * table of millions of rows while the shop keeps selling. The migrations before it are applied and committed, its
 * indexes are built outside any transaction (a build another server has under way is waited for, one left invalid by
 * a build that died is dropped and made again), and the next locked transaction checks they are valid, records it
 * and goes on. Behind a transaction pooler such a build runs under the role's statement limit: run
 * `DATABASE_POOLER=none npm run db:migrate` on the direct connection to build them (README, "Retention and growth").
 */
import path from "node:path";
import postgres from "postgres";
import { readMigrationFiles, type MigrationMeta } from "drizzle-orm/migrator";
import { SESSION_LIMITS, poolerOf, scriptClientOptions, type Pooler } from "./connection-settings";

export const migrationsFolder = path.join(process.cwd(), "db", "migrations");

const MIGRATION_LOCK = 7262001;

export async function runMigrations(
  databaseUrl: string,
  /** `count`: apply only the first `count` migrations (a migration test fills a database of an older schema). */
  options: { pooler?: Pooler; count?: number } = {},
): Promise<void> {
  const pooler = options.pooler ?? poolerOf(process.env.DATABASE_POOLER);
  const client = postgres(databaseUrl, { max: 1, ...scriptClientOptions(pooler) });
  try {
    const migrations = readMigrationFiles({ migrationsFolder }).slice(0, options.count);
    for (;;) {
      // Applies what can be applied in one transaction; answers the first migration whose indexes are still to build.
      const toBuild = await client.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
        // A migration may rewrite a large table: the app's statement limit (e.g. a role default) must not cut it.
        await tx`select set_config('statement_timeout', '0', true)`;
        await tx`create schema if not exists drizzle`;
        await tx`create table if not exists drizzle.__drizzle_migrations (
          id serial primary key, hash text not null, created_at bigint)`;
        const [last] = await tx<{ created_at: string }[]>`
          select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`;
        for (const migration of migrations) {
          if (last && Number(last.created_at) >= migration.folderMillis) continue;
          const indexes = concurrentIndexes(migration);
          if (indexes) {
            if ((await invalidIndexes(tx, indexes)).length > 0) return migration;
          } else {
            for (const statement of migration.sql) await tx.unsafe(statement);
          }
          await tx`insert into drizzle.__drizzle_migrations (hash, created_at)
                   values (${migration.hash}, ${migration.folderMillis})`;
        }
        return null;
      });
      if (!toBuild) break;
      await buildConcurrently(client, toBuild, pooler);
    }
    if (pooler === "transaction") await applySessionLimitsAsRoleDefaults(client);
  } finally {
    await client.end();
  }
}

const CONCURRENT_INDEX = /^\s*(?:--[^\n]*\n\s*)*create\s+(?:unique\s+)?index\s+concurrently\s+if\s+not\s+exists\s+"([^"]+)"/i;

/** The indexes a migration builds concurrently, or null for an ordinary migration; refuses a mixture of both. */
export function concurrentIndexes(migration: MigrationMeta): string[] | null {
  const names = migration.sql.filter((statement) => statement.trim() !== "").map((statement) => CONCURRENT_INDEX.exec(statement)?.[1]);
  if (names.every((name) => name === undefined)) return null;
  if (names.some((name) => name === undefined)) {
    throw new Error(
      `Migration ${migration.folderMillis}: a migration that builds indexes CONCURRENTLY (IF NOT EXISTS) may hold nothing else, ` +
        "since it runs outside a transaction.",
    );
  }
  return names as string[];
}

/** Of these indexes, those that are missing or not (yet) valid. */
async function invalidIndexes(sql: postgres.Sql | postgres.TransactionSql, names: string[]): Promise<string[]> {
  const valid = await sql<{ name: string }[]>`
    select c.relname as name from pg_class c join pg_index i on i.indexrelid = c.oid
    where c.relname = any(${names}::text[]) and c.relnamespace = current_schema()::regnamespace and i.indisvalid and i.indisready`;
  return names.filter((name) => !valid.some((v) => v.name === name));
}

/** What a concurrent build answers when another server's build of the same index began at the same moment. */
const RACED_BUILD = new Set(["40P01", "23505", "42P07"]);

/**
 * Builds a migration's indexes one by one, each outside any transaction, without blocking writes to its table. An
 * index another server is building is waited for; one left invalid by a build that died is dropped (concurrently)
 * and built again.
 */
async function buildConcurrently(client: postgres.Sql, migration: MigrationMeta, pooler: Pooler): Promise<void> {
  // Session settings are safe on this client's own connection; behind a transaction pooler they would outlive it.
  if (pooler === "none") await client`select set_config('statement_timeout', '0', false), set_config('lock_timeout', '0', false)`;
  const names = concurrentIndexes(migration)!;
  const statements = migration.sql.filter((statement) => statement.trim() !== "");
  for (const [n, name] of names.entries()) {
    for (let builds = 0; (await invalidIndexes(client, [name])).length > 0; ) {
      const [state] = await client<{ building: boolean }[]>`
        select exists (select 1 from pg_stat_progress_create_index p where p.index_relid = c.oid) as building
        from pg_class c where c.relname = ${name} and c.relnamespace = current_schema()::regnamespace`;
      if (state?.building) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        continue;
      }
      // Raw SQL: the index's name is an identifier, known only from the migration's own text.
      if (builds >= 3) throw new Error(`Index ${name} is still not valid after ${builds} builds.`);
      try {
        if (state) await client.unsafe(`drop index concurrently if exists "${name.replace(/"/g, '""')}"`);
        await client.unsafe(statements[n]!);
      } catch (error) {
        // Two servers that start the same build at the same moment: one of them is refused (a deadlock between the
        // two builds, or the index's name taken under it). It looks again, and finds the other's build under way.
        if (!RACED_BUILD.has((error as { code?: string }).code ?? "")) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 300));
        continue;
      }
      builds += 1;
    }
  }
}

/**
 * Behind a transaction pooler the app cannot send its session limits at connection start-up. Transactions set
 * them themselves (db/client.ts); for statements outside a transaction they are stored as this role's defaults
 * in this database, which PostgreSQL applies to every new server connection the pooler opens. Needs no special
 * privilege (a role may set its own defaults); if the provider forbids it, the shop still runs, and the
 * operator is told how to set them.
 */
export async function applySessionLimitsAsRoleDefaults(client: postgres.Sql): Promise<boolean> {
  const settings = Object.entries(SESSION_LIMITS)
    .map(([name, ms]) => `execute format('alter role %I in database %I set ${name} = %L', current_user, current_database(), '${ms}');`)
    .join("\n");
  try {
    // DO: ALTER ROLE takes identifiers, not parameters, and the names are known only to the server.
    await client.unsafe(`do $$ begin\n${settings}\nend $$`);
    return true;
  } catch (error) {
    console.warn(
      `Could not store the session limits as role defaults (${error instanceof Error ? error.message : error}); ` +
        "statements outside a transaction run without them. Set them yourself: " +
        Object.entries(SESSION_LIMITS)
          .map(([name, ms]) => `ALTER ROLE <app role> IN DATABASE <database> SET ${name} = ${ms};`)
          .join(" "),
    );
    return false;
  }
}
