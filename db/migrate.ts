/**
 * Applies the committed SQL migrations in db/migrations (idempotent; safe to run at every start).
 *
 * Everything happens in one transaction that first takes a transaction-scoped advisory lock, so two app servers
 * starting at once never both migrate, and the lock ends with the transaction. A session-level lock would not
 * do: behind a transaction-mode pooler the session it belongs to is a pooled server connection that outlives
 * this client, and the lock would never be given back. Bookkeeping is drizzle's own (drizzle.__drizzle_migrations,
 * the same rows drizzle-kit's migrator writes), so databases migrated before keep working.
 */
import path from "node:path";
import postgres from "postgres";
import { readMigrationFiles } from "drizzle-orm/migrator";
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
    await client.begin(async (tx) => {
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
        for (const statement of migration.sql) await tx.unsafe(statement);
        await tx`insert into drizzle.__drizzle_migrations (hash, created_at)
                 values (${migration.hash}, ${migration.folderMillis})`;
      }
    });
    if (pooler === "transaction") await applySessionLimitsAsRoleDefaults(client);
  } finally {
    await client.end();
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
