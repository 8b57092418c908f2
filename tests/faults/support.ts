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

export interface SeededProduct {
  id: string;
  slug: string;
  priceCents: number;
  onHand: number;
}

/** Products with opening stock, written the way the shop writes them (level + ledger row). */
export async function seedProducts(
  url: string,
  specs: { slug: string; priceCents: number; onHand: number }[],
): Promise<SeededProduct[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await sql.begin(async (tx) => {
      const out: SeededProduct[] = [];
      for (const spec of specs) {
        const [row] = await tx<{ id: string }[]>`
          insert into products (slug, name, price_cents) values (${spec.slug}, ${"Fault " + spec.slug}, ${spec.priceCents})
          returning id`;
        await tx`insert into stock_levels (product_id, on_hand) values (${row!.id}, ${spec.onHand})`;
        await tx`insert into stock_movements (product_id, kind, on_hand_delta, reason)
                 values (${row!.id}, 'receive', ${spec.onHand}, 'opening stock')`;
        out.push({ id: row!.id, ...spec });
      }
      return out;
    });
  } finally {
    await sql.end();
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fetch that gives up after `ms` instead of hanging, so a hung server fails the test instead of stalling it. */
export async function timedFetch(
  url: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<{ status: number; headers: Headers; text: string; ms: number } | { error: string; ms: number }> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(init.timeoutMs ?? 15_000) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, ms: performance.now() - started };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), ms: performance.now() - started };
  }
}

export interface Answer {
  /** 0 when no HTTP answer came (connection refused, reset, or the 15 s timeout). */
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers of many shapes
  text: string;
  headers: Headers | null;
  error?: string;
  ms: number;
}

/** A shopper over HTTP with its own cookies, whose requests never wait longer than `timeoutMs`. */
export class Shopper {
  private readonly cookies = new Map<string, string>();

  constructor(
    /** Where the app answers; a test that restarts the app points the same shopper (cookies) at the new one. */
    public baseUrl: string,
    private readonly timeoutMs = 15_000,
    private readonly extraHeaders: Record<string, string> = {},
  ) {}

  send(method: string, urlPath: string, json?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    return this.sendRaw(
      method,
      urlPath,
      json === undefined ? undefined : JSON.stringify(json),
      json === undefined ? headers : { "content-type": "application/json", ...headers },
    );
  }

  /** Any body as is (a string, FormData, a Blob of bytes), with exactly the headers given plus the cookies. */
  async sendRaw(
    method: string,
    urlPath: string,
    body?: string | FormData | Blob,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const all: Record<string, string> = { ...this.extraHeaders, ...headers };
    if (this.cookies.size > 0) all.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    const started = performance.now();
    try {
      const response = await fetch(`${this.baseUrl}${urlPath}`, {
        method,
        headers: all,
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      this.keepCookies(response.headers);
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed, text, headers: response.headers, ms: performance.now() - started };
    } catch (error) {
      return {
        status: 0,
        body: null,
        text: "",
        headers: null,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        ms: performance.now() - started,
      };
    }
  }

  private keepCookies(headers: Headers): void {
    for (const cookie of headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(cookie) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  cookieNames(): string[] {
    return [...this.cookies.keys()];
  }
}

/** Form posts (Auth.js endpoints and plain HTML forms), with the shopper's cookies. */
export async function postForm(
  shopper: Shopper,
  urlPath: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return shopper.sendRaw("POST", urlPath, new URLSearchParams(fields).toString(), {
    "content-type": "application/x-www-form-urlencoded",
    ...headers,
  });
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
  shopper: Shopper,
  pagePath: string,
  actionId: string,
  fields: Record<string, string>,
): Promise<ActionAnswer> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(`_1_${name}`, value);
  // Last, as React sends it: the server resolves "$K1" from the parts that came before.
  form.set("0", JSON.stringify([null, "$K1"]));
  const answer = await shopper.sendRaw("POST", pagePath, form, { "next-action": actionId, accept: "text/x-component" });
  // The answer is React's row format, "id:json" rows ending in a newline (long strings go in text rows that
  // end without one); the action's result is the object row that starts with `ok`.
  let state: ActionAnswer["state"] = null;
  for (let at = answer.text.indexOf(':{"ok":'); at >= 0 && !state; at = answer.text.indexOf(':{"ok":', at + 1)) {
    const end = answer.text.indexOf("\n", at);
    try {
      const value = JSON.parse(answer.text.slice(at + 1, end < 0 ? undefined : end)) as { ok?: unknown };
      if (typeof value.ok === "boolean") state = value as ActionAnswer["state"];
    } catch {
      // not a whole JSON row: keep looking
    }
  }
  return { ...answer, state };
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
