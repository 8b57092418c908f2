/**
 * The one PostgreSQL pool of this process (postgres.js), and Drizzle on top of it.
 * Kept small on purpose: on a hot product, long queues on one row lock cost more than they give.
 */
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import { env } from "@/lib/env";
import * as schema from "./schema";

// `next build` imports this module without a database; it never queries, so a placeholder URL is harmless.
// At run time `npm run dev` / `npm start` (or the operator) always provide DATABASE_URL.
const url = env.DATABASE_URL ?? "postgres://unconfigured@127.0.0.1:1/unconfigured";

function createPool() {
  return postgres(url, {
    max: env.DATABASE_POOL_SIZE,
    idle_timeout: 30,
    connect_timeout: 5,
    // Quiet NOTICEs (e.g. "relation already exists, skipping") during migrations.
    onnotice: () => {},
  });
}

// In development, hot reloads re-evaluate modules: keep one pool per process.
const globalForDb = globalThis as unknown as { stockholdPool?: ReturnType<typeof createPool> };
export const pool = globalForDb.stockholdPool ?? createPool();
if (env.NODE_ENV !== "production") globalForDb.stockholdPool = pool;

export const db = drizzle({ client: pool, schema });
export type Db = typeof db;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
