/**
 * The one PostgreSQL pool of this process (postgres.js), and Drizzle on top of it.
 * Kept small on purpose: on a hot product, long queues on one row lock cost more than they give.
 *
 * Nothing waits without bound: postgres.js queues a query forever when every connection is busy, so Drizzle
 * goes through a gate with one permit per connection and a short wait (POOL_WAIT_MS); a caller that cannot get
 * a connection in time fails with 503 `database_unavailable` instead of hanging. On the server side,
 * statement_timeout, lock_timeout and idle_in_transaction_session_timeout end anything stuck in PostgreSQL:
 * sent as startup parameters on a direct connection, or, behind a transaction-mode pooler
 * (DATABASE_POOLER=transaction), set with SET LOCAL at the start of every transaction (see
 * db/connection-settings.ts).
 */
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import { SESSION_LIMITS, SET_LOCAL_SESSION_LIMITS } from "./connection-settings";
import { databaseEnv as env } from "./env";
import * as schema from "./schema";

export { SESSION_LIMITS };

// `next build` imports this module without a database; it never queries, so a placeholder URL is harmless.
// At run time `npm run dev` / `npm start` (or the operator) always provide DATABASE_URL.
const url = env.DATABASE_URL ?? "postgres://unconfigured@127.0.0.1:1/unconfigured";

/** How long a caller may wait for a free connection before it is told to come back later. */
export const POOL_WAIT_MS = 2_500;

/** Behind a transaction-mode pooler nothing may rely on session state (db/connection-settings.ts). */
export const behindTransactionPooler = env.DATABASE_POOLER === "transaction";

function createPool() {
  return postgres(url, {
    max: env.DATABASE_POOL_SIZE,
    idle_timeout: 30,
    connect_timeout: 5,
    // postgres.js waits up to 20 s between reconnect attempts once the database has been unreachable; keep
    // that short so requests fail fast (503) while it is down and the pool is back within a second after.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5),
    // A transaction pooler refuses startup parameters and may run each transaction on another server
    // connection, where a named prepared statement of this client does not exist (or names another query).
    ...(behindTransactionPooler ? { prepare: false } : { connection: { ...SESSION_LIMITS } }),
    // Quiet NOTICEs (e.g. "relation already exists, skipping") during migrations.
    onnotice: () => {},
  });
}

type Pool = ReturnType<typeof createPool>;

/**
 * What the app plugs into the pool, so that db/ needs nothing from lib/: how a wait for a connection is counted
 * (metrics) and the error a caller gets when none came in time (a DomainError answered 503). Registered by
 * lib/platform/pool-hooks.ts from instrumentation.ts; kept on globalThis, so every bundle's copy of this module sees them.
 */
export interface PoolHooks {
  onWait(ms: number, timedOut: boolean): void;
  busyError(): Error;
}

const unhooked: PoolHooks = {
  onWait: () => {},
  busyError: () => Object.assign(new Error("The database could not be reached in time."), { code: "database_unavailable" }),
};
const globalForHooks = globalThis as unknown as { stockholdPoolHooks?: PoolHooks };

export function setPoolHooks(hooks: PoolHooks): void {
  globalForHooks.stockholdPoolHooks = hooks;
}

const poolHooks = () => globalForHooks.stockholdPoolHooks ?? unhooked;

/** A counting semaphore whose waiters give up after `waitMs`. FIFO, so no caller starves. */
export class ConnectionGate {
  private free: number;
  private readonly waiting: { grant: () => void }[] = [];

  constructor(
    readonly permits: number,
    private readonly waitMs: number,
  ) {
    this.free = permits;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      poolHooks().onWait(0, false);
      return Promise.resolve();
    }
    const queuedAt = performance.now();
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          poolHooks().onWait(performance.now() - queuedAt, false);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        poolHooks().onWait(performance.now() - queuedAt, true);
        reject(poolHooks().busyError());
      }, this.waitMs);
      this.waiting.push(waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    // The permit passes straight to the next waiter; `free` only grows when no one waits.
    if (next) next.grant();
    else this.free += 1;
  }
}

/**
 * Drizzle runs every query through postgres.js `unsafe`, which does not prepare it: a query with parameters is
 * then described first, in a round trip of its own, and nothing queued behind it on the connection is sent
 * until that answer is back, so statements meant to travel together go one by one. Inside a transaction, whose
 * connection is its own, its queries are prepared: postgres.js describes a statement once per connection, then
 * sends it at once, pipelined with its neighbours. Outside a transaction they stay unprepared on purpose: a
 * prepared query leaves its connection open to more, and postgres.js then pipelines other callers' queries
 * behind it, where one waiting for a lock would hold them all up. Behind a transaction-mode pooler the pool
 * itself has `prepare: false`, which wins.
 */
const PREPARED = { prepare: true } as const;

type TransactionBody = (sql: postgres.TransactionSql) => unknown;

/** A transaction's (or savepoint's) connection whose queries are prepared, as the pool's are. */
function preparing(sql: postgres.TransactionSql): postgres.TransactionSql {
  return new Proxy(sql, {
    get(target, property, receiver) {
      if (property === "unsafe") {
        return (query: string, params?: postgres.ParameterOrJSON<never>[], options?: object) =>
          target.unsafe(query, params, { ...options, ...PREPARED });
      }
      if (property === "savepoint") {
        return (...args: unknown[]) => {
          const body = args.at(-1) as TransactionBody;
          return (target.savepoint as (...a: unknown[]) => Promise<unknown>)(...args.slice(0, -1), (inner: postgres.TransactionSql) =>
            body(preparing(inner)),
          );
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * The pool as Drizzle sees it: `unsafe` (every query outside a transaction) and `begin` (a transaction) take
 * a permit for as long as they use a connection. Queries inside a transaction use its own connection.
 */
function gated(pool: Pool, gate: ConnectionGate): Pool {
  const unsafe = (query: string, params?: unknown[], options?: object) => {
    let mode: "rows" | "values" = "rows";
    const run = () =>
      gate.run(async () => {
        // postgres.js queries are lazy: created and sent only once a permit is held.
        const pending = pool.unsafe(query, params as postgres.ParameterOrJSON<never>[], options);
        return mode === "values" ? await pending.values() : await pending;
      });
    let started: Promise<unknown> | undefined;
    const lazy = {
      values() {
        mode = "values";
        return lazy;
      },
      then<A, B>(onFulfilled?: (value: unknown) => A | PromiseLike<A>, onRejected?: (reason: unknown) => B | PromiseLike<B>) {
        started ??= run();
        return started.then(onFulfilled, onRejected);
      },
    };
    return lazy;
  };
  const begin = (...args: unknown[]) => {
    const body = args.at(-1) as TransactionBody;
    const prepared: TransactionBody = (sql) => body(preparing(sql));
    const beginArgs = [...args.slice(0, -1), behindTransactionPooler ? withSessionLimits(prepared) : prepared];
    return gate.run(() => (pool.begin as (...a: unknown[]) => Promise<unknown>)(...beginArgs));
  };
  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property === "unsafe") return unsafe;
      if (property === "begin") return begin;
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * A transaction body with the session limits set first in the transaction. The SET LOCAL is not awaited:
 * postgres.js pipelines it with the transaction's first query, so it costs no extra round trip; if it failed,
 * that first query fails with it (the transaction is aborted) and the caller sees the error.
 */
function withSessionLimits(body: TransactionBody): TransactionBody {
  return (sql) => {
    sql.unsafe(SET_LOCAL_SESSION_LIMITS).catch(() => {});
    return body(sql);
  };
}

// In development, hot reloads re-evaluate modules: keep one pool per process.
const globalForDb = globalThis as unknown as { stockholdPool?: Pool; stockholdGate?: ConnectionGate };
export const pool = globalForDb.stockholdPool ?? createPool();
export const connectionGate = globalForDb.stockholdGate ?? new ConnectionGate(env.DATABASE_POOL_SIZE, POOL_WAIT_MS);
if (env.NODE_ENV !== "production") {
  globalForDb.stockholdPool = pool;
  globalForDb.stockholdGate = connectionGate;
}

export const db = drizzle({ client: gated(pool, connectionGate), schema });
export type Db = typeof db;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
