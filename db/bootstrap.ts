/**
 * Gets a ready database for `npm run dev`, `npm start` and the benchmark: the server at DATABASE_URL, or else
 * an embedded PostgreSQL under .data/ (demo mode), migrated, with the demo catalogue and an admin account.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { scriptClientOptions } from "./connection-settings";
import { startEmbeddedPostgres } from "./embedded";
import { runMigrations } from "./migrate";
import { seedDemoCatalogue, upsertAdmin } from "./seed";

// Demo data lives under .data/ (git-ignored); STOCKHOLD_DATA_DIR moves it, e.g. for tests of this supervisor.
export const DATA_DIR = path.resolve(process.env.STOCKHOLD_DATA_DIR ?? path.join(process.cwd(), ".data"));

export interface ReadyDatabase {
  url: string;
  embedded: boolean;
  /** Demo admin credentials, when this run created or knows them. */
  admin?: { email: string; password: string };
  stop(): Promise<void>;
}

export async function createDatabaseIfMissing(maintenanceUrl: string, name: string): Promise<void> {
  const sql = postgres(maintenanceUrl, { max: 1, ...scriptClientOptions() });
  try {
    const [exists] = await sql`select 1 from pg_database where datname = ${name}`;
    if (!exists) await sql.unsafe(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await sql.end();
  }
}

/** A secret kept under .data/ so demo sessions survive restarts; production sets AUTH_SECRET itself. */
export function demoSecret(file: string): string {
  const full = path.join(DATA_DIR, file);
  if (fs.existsSync(full)) return fs.readFileSync(full, "utf8").trim();
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const secret = crypto.randomBytes(32).toString("base64url");
  fs.writeFileSync(full, secret + "\n", { mode: 0o600 });
  return secret;
}

export async function bootstrapDatabase(log: (line: string) => void = console.log): Promise<ReadyDatabase> {
  const external = process.env.DATABASE_URL;
  let url: string;
  let stop = async () => {};
  if (external) {
    url = external;
  } else {
    log(`No DATABASE_URL set: starting the embedded PostgreSQL under ${path.relative(process.cwd(), DATA_DIR) || "."}/postgres …`);
    const server = await startEmbeddedPostgres({ dataDir: path.join(DATA_DIR, "postgres"), log });
    stop = () => server.stop();
    try {
      await createDatabaseIfMissing(server.url, "stockhold");
    } catch (error) {
      await stop();
      throw error;
    }
    url = server.urlFor("stockhold");
  }

  try {
    await runMigrations(url);
    let admin: ReadyDatabase["admin"];
    if (!external || process.env.SEED_DEMO_DATA === "1") {
      if (await seedDemoCatalogue(url)) log("Seeded the demo catalogue.");
    }
    if (process.env.ADMIN_EMAIL && process.env.ADMIN_PASSWORD) {
      await upsertAdmin(url, process.env.ADMIN_EMAIL, process.env.ADMIN_PASSWORD);
    } else if (!external) {
      admin = { email: "admin@stockhold.test", password: demoSecret("demo-admin-password") };
      await upsertAdmin(url, admin.email, admin.password);
    }
    return { url, embedded: !external, admin, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
