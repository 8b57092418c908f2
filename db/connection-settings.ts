/**
 * How this app's connections talk to PostgreSQL, shared by the app's pool (db/client.ts) and the scripts
 * (migrations, seed, reconcile), which read process.env directly because they run before lib/env is loaded.
 *
 * Behind a transaction-mode pooler (DATABASE_POOLER=transaction: PgBouncer, Supavisor, Neon's pooled endpoint)
 * consecutive transactions of one client may run on different server connections, so nothing may rely on
 * session state: no named prepared statements (`prepare: false`), no startup parameters (the pooler refuses
 * them), no session-level SET or advisory locks. The session limits are then set per transaction (SET LOCAL,
 * db/client.ts) and as role defaults in this database (db/migrate.ts) for statements outside a transaction.
 */

/** Server-side limits for every connection (PostgreSQL settings, in milliseconds). */
export const SESSION_LIMITS = {
  // Long enough for the heaviest statement here (a batch of holds on a hot row), short enough that a stuck
  // one frees its connection.
  statement_timeout: 15_000,
  // A request behind a row lock waits this long at most, then gets 503 and retries.
  lock_timeout: 5_000,
  // A transaction left open by a crashed or stalled caller gives its locks back. Every transaction here is a
  // few statements (no payment provider call ever runs inside one), so this can be short.
  idle_in_transaction_session_timeout: 15_000,
} as const;

export type Pooler = "none" | "transaction";

export function poolerOf(value: string | undefined): Pooler {
  return value === "transaction" ? "transaction" : "none";
}

/**
 * The session limits as one statement that sets them for the current transaction only (`set_config(…, true)`
 * is SET LOCAL). It has no parameters, so postgres.js pipelines it with the transaction's first query.
 */
export const SET_LOCAL_SESSION_LIMITS = `select ${Object.entries(SESSION_LIMITS)
  .map(([name, ms]) => `set_config('${name}', '${ms}', true)`)
  .join(", ")}`;

/** postgres.js options for a script's short-lived client (migrations, seed, reconcile). */
export function scriptClientOptions(pooler: Pooler = poolerOf(process.env.DATABASE_POOLER)) {
  return { onnotice: () => {}, ...(pooler === "transaction" ? { prepare: false } : {}) };
}
