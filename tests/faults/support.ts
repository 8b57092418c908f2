/**
 * Helpers for the fault, fuzz and security tests: a PostgreSQL server of the test's own (so it can be stopped
 * and restarted on the same port), products seeded with plain SQL, the reconcile CLI, and database snapshots.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase } from "../../db/embedded";
import { runMigrations } from "../../db/migrate";
import { sleep } from "../support/wait";
import type { Answer, HttpClient } from "../support/http";

/** A PostgreSQL cluster in a temporary directory on a fixed port: `stop()` and `start()` keep its URL. */
export class OwnPostgres {
  private server: EmbeddedDatabase | null = null;

  private constructor(
    readonly root: string,
    readonly port: number,
    readonly url: string,
  ) {}

  static async create(database = "stockhold"): Promise<OwnPostgres> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "stockhold-fault-pg-"));
    // PostgreSQL runs as the OS user `postgres` when the tests run as root: it must reach the directory.
    fs.chmodSync(root, 0o755);
    const port = await freePort();
    const first = await startEmbeddedPostgres({
      dataDir: path.join(root, "data"),
      port,
      // Stopping is a clean (fast) shutdown, so every acknowledged commit survives it even without fsync.
      settings: { fsync: "off", full_page_writes: "off", max_connections: "200" },
    });
    await first.createDatabase(database);
    const own = new OwnPostgres(root, port, first.urlFor(database));
    own.server = first;
    await runMigrations(own.url);
    return own;
  }

  get running(): boolean {
    return this.server !== null;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    await server?.stop();
  }

  async start(): Promise<void> {
    if (this.server) return;
    this.server = await startEmbeddedPostgres({
      dataDir: path.join(this.root, "data"),
      port: this.port,
      settings: { fsync: "off", full_page_writes: "off", max_connections: "200" },
    });
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => {});
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Runs `npm run reconcile`'s program against `url`; returns its exit code and report. */
export function runReconcileCli(url: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [path.join(process.cwd(), "node_modules", "tsx", "dist", "cli.mjs"), "--conditions=react-server", "db/reconcile.ts"],
      { env: { ...process.env, DATABASE_URL: url }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

/**
 * Every row of the tables a request could change, as text, for "nothing changed" comparisons. The rate-limit
 * counters and guest users are left out: counting a request, or making a guest identity, is not a change of
 * stock, carts, checkouts or orders.
 */
export async function snapshotShop(sql: postgres.Sql): Promise<Record<string, string[]>> {
  const tables: Record<string, string> = {
    products: "select id, slug, name, description, price_cents from products order by id",
    stock_levels: "select product_id, on_hand, reserved, allocated from stock_levels order by product_id",
    stock_movements: "select id, product_id, kind, on_hand_delta, reserved_delta, allocated_delta from stock_movements order by id",
    carts: "select id, shopper_id from carts order by id",
    cart_lines: "select cart_id, product_id, quantity from cart_lines order by cart_id, product_id",
    checkouts: "select id, status, email, details::text, total_cents, expires_at from checkouts order by id",
    reservations: "select id, checkout_id, product_id, quantity, status, expires_at from reservations order by id",
    orders: "select id, checkout_id, status, total_cents from orders order by id",
    order_lines: "select order_id, product_id, quantity from order_lines order by order_id, product_id",
    payments: "select id, checkout_id, request_key, status from payments order by id",
    accounts: "select id, kind, email, password_hash from users where kind <> 'guest' order by id",
  };
  const snapshot: Record<string, string[]> = {};
  for (const [name, query] of Object.entries(tables)) {
    const rows = await sql.unsafe(query);
    snapshot[name] = rows.map((row) => JSON.stringify(row));
  }
  return snapshot;
}

/** The built app's server actions, by "file#exportName" (from Next's server reference manifest). */
export function serverActions(): Map<string, string> {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(process.cwd(), ".next", "server", "server-reference-manifest.json"), "utf8"),
  ) as { node: Record<string, { filename?: string; exportedName?: string }> };
  const actions = new Map<string, string>();
  for (const [id, entry] of Object.entries(manifest.node)) {
    if (entry.filename && entry.exportedName) actions.set(`${entry.filename}#${entry.exportedName}`, id);
  }
  return actions;
}

export interface ActionAnswer extends Answer {
  /** The form state the action returned, when the answer carried one. */
  state: { ok: boolean; code?: string; message?: string } | null;
}

/**
 * Calls a `(previousState, formData)` server action the way React's form submission does: a multipart body
 * whose part "0" lists the arguments and whose "_1_*" parts are the form's fields.
 */
export async function callAction(
  shopper: HttpClient,
  pagePath: string,
  actionId: string,
  fields: Record<string, string>,
): Promise<ActionAnswer> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(`_1_${name}`, value);
  // Last, as React sends it: the server resolves "$K1" from the parts that came before.
  form.set("0", JSON.stringify([null, "$K1"]));
  const answer = await shopper.sendRaw("POST", pagePath, form, { "next-action": actionId, accept: "text/x-component" });
  return { ...answer, state: actionStateOf(answer.text) };
}

/**
 * The form state in a server action's answer: React's row format, "id:json" rows ending in a newline (long
 * strings go in text rows that end without one); the action's result is the object row that starts with `ok`.
 */
export function actionStateOf(text: string): ActionAnswer["state"] {
  for (let at = text.indexOf(':{"ok":'); at >= 0; at = text.indexOf(':{"ok":', at + 1)) {
    const end = text.indexOf("\n", at);
    try {
      const value = JSON.parse(text.slice(at + 1, end < 0 ? undefined : end)) as { ok?: unknown };
      if (typeof value.ok === "boolean") return value as ActionAnswer["state"];
    } catch {
      // not a whole JSON row: keep looking
    }
  }
  return null;
}

/**
 * Rate limits count in fixed one-minute windows of the database clock. A test that counts requests up to a
 * limit first waits out the last seconds of a window, so the count cannot straddle two windows.
 */
export async function awayFromWindowEdge(sql: postgres.Sql, needSeconds = 8): Promise<void> {
  const [row] = await sql<{ second: number }[]>`select extract(second from clock_timestamp())::float8 as second`;
  const left = 60 - row!.second;
  if (left < needSeconds) await sleep(left * 1000 + 250);
}
