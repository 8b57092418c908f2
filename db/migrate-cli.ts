/**
 * `npm run db:migrate`: applies the committed migrations to the database at DATABASE_URL, creates (or resets)
 * the admin account when ADMIN_EMAIL and ADMIN_PASSWORD are set, and exits. For
 * deployments that do not start through `npm start` (Vercel, containers with a release step). Safe to run
 * while the shop is in business and from several machines at once (db/migrate.ts).
 */
import { runMigrations } from "./migrate";
import { upsertAdmin } from "./seed";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("Set DATABASE_URL to the database to migrate.");
  process.exit(2);
}
async function main(databaseUrl: string): Promise<void> {
  await runMigrations(databaseUrl);
  console.log("Migrations applied.");
  if (process.env.ADMIN_EMAIL && process.env.ADMIN_PASSWORD) {
    await upsertAdmin(databaseUrl, process.env.ADMIN_EMAIL, process.env.ADMIN_PASSWORD);
    console.log(`Admin account ${process.env.ADMIN_EMAIL} is ready.`);
  }
}

main(url).catch(
  (error: unknown) => {
    console.error("Migrations failed:", error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
