/**
 * The database's part of the configuration, validated with zod: what db/ reads (db/ imports nothing from lib/).
 * lib/platform/env.ts builds the app's whole configuration on these same fields. Names and defaults follow the public
 * contract (shared store-api.md, "Configuration").
 */
import { z } from "zod";

export const databaseEnvShape = {
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  // Set by `npm run dev` / `npm start` (embedded PostgreSQL) or by the operator.
  DATABASE_URL: z.string().optional(),
  // "transaction" when DATABASE_URL points at a transaction-mode pooler (PgBouncer, Supavisor, Neon's pooled
  // endpoint): no prepared statements, no startup parameters (db/connection-settings.ts).
  DATABASE_POOLER: z.enum(["none", "transaction"]).default("none"),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
};

/** Read once; a bad value is reported in full by lib/platform/env.ts, which every server loads first (instrumentation.ts). */
export const databaseEnv = z.object(databaseEnvShape).parse(process.env);
