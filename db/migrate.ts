/** Applies the committed SQL migrations in db/migrations (idempotent; safe to run at every start). */
import path from "node:path";
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";

export const migrationsFolder = path.join(process.cwd(), "db", "migrations");

export async function runMigrations(databaseUrl: string): Promise<void> {
  const client = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    // Two app servers starting at once must not both migrate: serialise on an advisory lock.
    await client`select pg_advisory_lock(7262001)`;
    await migrate(drizzle({ client }), { migrationsFolder });
  } finally {
    await client.end();
  }
}
