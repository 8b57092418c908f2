/**
 * Stock levels and holds: the rules that keep stock from being oversold or locked up.
 *
 * Lock order, the same in every transaction, so that no two can deadlock:
 *   cart → checkout → that checkout's reservations → stock rows (by product id) → other shoppers' stale holds
 * (the stale ones only with SKIP LOCKED). Holding a stock row lock, code never waits for another row.
 * Every change of a stock level writes stock_movements rows in the same transaction.
 */
import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
import { DomainError, notFound } from "./errors";
import { env } from "./env";

type Executor = Db | Tx;

/** Units free for a new hold: holds whose time is up no longer count, even before anyone releases them. */
export const availableSql = (productIdColumn: SQL): SQL => sql`(
  s.on_hand - s.allocated - s.reserved + coalesce((
    select sum(r.quantity)::int from reservations r
    where r.product_id = ${productIdColumn}
      and r.status = 'active' and r.expires_at <= now()
  ), 0)
)`;

export interface ShortLine {
  productId: string;
  requested: number;
  available: number;
}

// ---------------------------------------------------------------------------------------------------------
// Starting checkout: hold every cart line or none.
// ---------------------------------------------------------------------------------------------------------

export interface HoldRequest {
  shopperId: string;
  email: string | null;
  /** The cart to hold; without it, the shopper's own cart. A cart of another shopper is `not_found`. */
  cartId?: string;
}

/** A checkout as the SQL function returns it: the same fields `getCheckout` reads (lib/checkout.ts). */
export interface CheckoutRow {
  id: string;
  status: "active";
  total_cents: number;
  email: string | null;
  details: Record<string, string>;
  started_at: string;
  expires_at: string;
  hard_expires_at: string;
  server_time: string;
  order_id: null;
  lines: { productId: string; slug: string; name: string; quantity: number; unitPriceCents: number }[];
}

export type HoldOutcome =
  | { outcome: "held" | "existing"; checkoutId: string; checkout?: CheckoutRow }
  | { outcome: "insufficient_stock"; lines: ShortLine[] }
  | { outcome: "empty_cart" | "not_found" | "line_limit" };

/**
 * Holds the carts of a batch of shoppers in one transaction: `stockhold_start_checkouts` (migration 0001)
 * locks the carts, their checkouts and the stock rows with SELECT … FOR UPDATE in product-id order, expires
 * stale holds on those rows, then holds each cart all-or-nothing, and returns each new checkout whole so the
 * caller needs no second read. One round trip while the locks are held: the COMMIT.
 */
export async function holdCarts(executor: Executor, requests: HoldRequest[]): Promise<HoldOutcome[]> {
  const batch = await executor.transaction(async (tx) => {
    const [row] = await tx.execute<{ batch: { serverTime: string; outcomes: HoldOutcome[] } }>(sql`
      select stockhold_start_checkouts(
        ${JSON.stringify(requests)}::jsonb,
        ${env.RESERVATION_TTL_SECONDS}::int,
        ${env.RESERVATION_MAX_SECONDS}::int,
        ${env.MAX_QUANTITY_PER_LINE}::int
      ) as batch`);
    return row?.batch;
  });
  if (!batch || batch.outcomes.length !== requests.length) throw new Error("hold batch returned no results");
  // One clock reading for the batch, taken by the database as it finished.
  for (const outcome of batch.outcomes) {
    if ("checkout" in outcome && outcome.checkout) outcome.checkout.server_time = batch.serverTime;
  }
  return batch.outcomes;
}

/**
 * Coalesces concurrent checkout starts in this process into batches, so a flash sale on one product takes its
 * row lock once per batch rather than once per shopper. Purely a throughput device: every request still goes
 * to PostgreSQL, which alone decides; nothing is remembered between batches.
 */
class HoldQueue {
  private waiting: { request: HoldRequest; resolve: (o: HoldOutcome) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  /** Counted since the process started; read-only outside (holdQueueStats), for tests and the bench. */
  readonly stats = { batches: 0, requests: 0, largestBatch: 0 };

  constructor(
    private readonly maxBatch: number,
    private readonly maxInFlight: number,
  ) {}

  submit(request: HoldRequest): Promise<HoldOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.stats.batches += 1;
      this.stats.requests += batch.length;
      this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async run(batch: HoldQueue["waiting"]): Promise<void> {
    try {
      const outcomes = await holdCarts(
        db,
        batch.map((b) => b.request),
      );
      batch.forEach((b, i) => b.resolve(outcomes[i]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // One bad request must not fail its neighbours: retry each on its own.
      await Promise.all(
        batch.map((b) =>
          holdCarts(db, [b.request]).then(
            (o) => b.resolve(o[0]!),
            (e: unknown) => b.reject(e),
          ),
        ),
      );
    }
  }
}

/**
 * How checkout starts are batched in one process, tuned with `npm run bench` (BENCHMARKS.md). Two batches in
 * flight: while one holds a hot row's lock and commits, the next is already prepared and waiting for the row;
 * more would only split the waiting shoppers into smaller batches queued on the same lock (measured slower).
 */
export const holdQueueSettings = {
  maxBatch: 64,
  maxInFlight: Math.min(2, env.DATABASE_POOL_SIZE),
};

const globalForQueue = globalThis as unknown as { stockholdHoldQueue?: HoldQueue };
const holdQueue = (globalForQueue.stockholdHoldQueue ??= new HoldQueue(
  holdQueueSettings.maxBatch,
  holdQueueSettings.maxInFlight,
));

/** How many batches this process's queue has sent, with how many checkout starts, and the largest batch. */
export function holdQueueStats(): Readonly<{ batches: number; requests: number; largestBatch: number }> {
  return { ...holdQueue.stats };
}

export function requestHold(request: HoldRequest): Promise<HoldOutcome> {
  return holdQueue.submit(request);
}

// ---------------------------------------------------------------------------------------------------------
// Releasing, expiring and allocating holds.
// ---------------------------------------------------------------------------------------------------------

/** Locks these products' stock rows in product-id order (the deadlock-free order) and returns them. */
export async function lockStockRows(tx: Tx, productIds: string[]) {
  if (productIds.length === 0) return [];
  return tx.execute<{ product_id: string; on_hand: number; reserved: number; allocated: number }>(sql`
    select product_id, on_hand, reserved, allocated from stock_levels
    where product_id in (${sql.join(
      productIds.map((id) => sql`${id}::uuid`),
      sql`, `,
    )})
    order by product_id
    for update`);
}

export type ReleaseKind = "release" | "expire";

/**
 * Gives back everything a checkout still holds and ends the checkout with `status`. The caller holds the
 * checkout's row lock. Returns the number of holds released.
 */
export async function releaseCheckoutHolds(
  tx: Tx,
  checkoutId: string,
  options: {
    status: "cancelled" | "failed" | "expired";
    kind: ReleaseKind;
    reason: string;
    actorId: string | null;
  },
): Promise<number> {
  const held = await tx.execute<{ product_id: string }>(sql`
    select product_id from reservations where checkout_id = ${checkoutId} and status = 'active'`);
  await lockStockRows(
    tx,
    held.map((r) => r.product_id),
  );
  const newStatus = options.kind === "expire" ? "expired" : "released";
  const [released] = await tx.execute<{ count: number }>(sql`
    with freed as (
      update reservations set status = ${newStatus}, ended_at = now()
      where checkout_id = ${checkoutId} and status = 'active'
      returning product_id, quantity
    ), ledger as (
      insert into stock_movements (product_id, kind, reserved_delta, checkout_id, actor_id, reason)
      select product_id, ${options.kind}, -quantity, ${checkoutId}, ${options.actorId}, ${options.reason} from freed
    ), levels as (
      update stock_levels s set reserved = s.reserved - f.quantity, updated_at = now()
      from freed f where s.product_id = f.product_id
    )
    select count(*)::int as count from freed`);
  await tx.execute(sql`
    update checkouts set status = ${options.status}, ended_at = now()
    where id = ${checkoutId} and status = 'active'`);
  return released?.count ?? 0;
}

/**
 * The cron's sweep: releases holds whose time is up, in batches of products. Safe to run concurrently with
 * itself and with checkouts: it skips stock rows another transaction has locked (that transaction expires
 * their stale holds itself) and never waits while holding a lock. Returns how many holds it expired.
 */
export async function expireStaleHolds(options: { batchSize?: number; maxBatches?: number } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 200;
  const maxBatches = options.maxBatches ?? 50;
  let expired = 0;
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const [row] = await db.transaction(async (tx) =>
      tx.execute<{ expired: number; products: number }>(sql`
        with candidates as (
          select distinct product_id from reservations
          where status = 'active' and expires_at <= now()
          limit ${batchSize}
        ), locked as (
          select product_id from stock_levels
          where product_id in (select product_id from candidates)
          order by product_id
          for update skip locked
        )
        select stockhold_expire_stale_holds_locked(array(select product_id from locked)) as expired,
               (select count(*)::int from candidates) as products`),
    );
    expired += row?.expired ?? 0;
    // Done when fewer than a full batch were stale, or when every candidate was locked by someone else (who
    // expires those holds itself): another pass would only read the same rows again.
    if (!row || row.products < batchSize || row.expired === 0) break;
  }
  // Checkouts whose time is up read as "expired" already; this records it (no stock involved).
  await db.execute(sql`
    update checkouts set status = 'expired', ended_at = now()
    where id in (
      select id from checkouts where status = 'active' and expires_at <= now()
      limit 1000 for update skip locked
    )
    and not exists (
      select 1 from reservations r where r.checkout_id = checkouts.id and r.status = 'active'
    )`);
  return expired;
}

// ---------------------------------------------------------------------------------------------------------
// Admin operations on stock levels.
// ---------------------------------------------------------------------------------------------------------

export type StockLevelView = {
  id: string;
  slug: string;
  name: string;
  priceCents: number;
  onHand: number;
  reserved: number;
  allocated: number;
  available: number;
};

const levelColumns = sql`
  p.id, p.slug, p.name, p.price_cents as "priceCents",
  s.on_hand as "onHand",
  s.reserved - coalesce((
    select sum(r.quantity)::int from reservations r
    where r.product_id = p.id and r.status = 'active' and r.expires_at <= now()
  ), 0) as "reserved",
  s.allocated as "allocated",
  greatest(0, ${availableSql(sql`p.id`)}) as "available"`;

/** Every product's levels as shoppers see them: holds whose time is up count as released already. */
export async function listStockLevels(): Promise<StockLevelView[]> {
  return db.execute<StockLevelView>(sql`
    select ${levelColumns}
    from products p join stock_levels s on s.product_id = p.id
    order by p.name, p.id`) as Promise<StockLevelView[]>;
}

export async function getStockLevel(executor: Executor, productId: string): Promise<StockLevelView | undefined> {
  const rows = await executor.execute<StockLevelView>(sql`
    select ${levelColumns}
    from products p join stock_levels s on s.product_id = p.id
    where p.id = ${productId}`);
  return rows[0];
}

/**
 * Restock (delta > 0) or write off (delta < 0) with a reason. A write-off may not take away units that are
 * held or sold: that would break reserved + allocated ≤ on hand, so it is refused with 409.
 */
export async function adjustStock(input: {
  productId: string;
  delta: number;
  reason: string;
  actorId: string | null;
}): Promise<StockLevelView> {
  return db.transaction(async (tx) => {
    const [locked] = await lockStockRows(tx, [input.productId]);
    if (!locked) throw notFound("product");
    await tx.execute(sql`select stockhold_expire_stale_holds_locked(array[${input.productId}::uuid])`);
    const [row] = await tx.execute<{ on_hand: number; reserved: number; allocated: number }>(sql`
      select on_hand, reserved, allocated from stock_levels where product_id = ${input.productId}`);
    const newOnHand = row!.on_hand + input.delta;
    if (newOnHand < row!.reserved + row!.allocated) {
      throw new DomainError(
        "invariant_violation",
        `Cannot write off ${-input.delta}: only ${Math.max(0, row!.on_hand - row!.reserved - row!.allocated)} ` +
          `of ${row!.on_hand} on hand are neither held nor sold.`,
        { onHand: row!.on_hand, reserved: row!.reserved, allocated: row!.allocated },
      );
    }
    await tx.execute(sql`
      update stock_levels set on_hand = on_hand + ${input.delta}, updated_at = now()
      where product_id = ${input.productId}`);
    await tx.execute(sql`
      insert into stock_movements (product_id, kind, on_hand_delta, actor_id, reason)
      values (${input.productId}, ${input.delta >= 0 ? "receive" : "write_off"}, ${input.delta},
              ${input.actorId}, ${input.reason})`);
    return (await getStockLevel(tx, input.productId))!;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Reconciliation: the levels must equal the ledger, and every invariant must hold.
// ---------------------------------------------------------------------------------------------------------

export interface ReconcileProblem {
  productId: string;
  problem: string;
}

export async function reconcileStock(executor: Executor = db): Promise<{ ok: boolean; products: number; problems: ReconcileProblem[] }> {
  const rows = await executor.execute<{
    product_id: string;
    on_hand: number;
    reserved: number;
    allocated: number;
    ledger_on_hand: number;
    ledger_reserved: number;
    ledger_allocated: number;
    active_holds: number;
    open_allocations: number;
  }>(sql`
    select s.product_id, s.on_hand, s.reserved, s.allocated,
      coalesce(m.on_hand, 0)::int as ledger_on_hand,
      coalesce(m.reserved, 0)::int as ledger_reserved,
      coalesce(m.allocated, 0)::int as ledger_allocated,
      coalesce((select sum(quantity) from reservations r
                where r.product_id = s.product_id and r.status = 'active'), 0)::int as active_holds,
      coalesce((select sum(ol.quantity) from order_lines ol join orders o on o.id = ol.order_id
                where ol.product_id = s.product_id and o.status = 'paid'), 0)::int as open_allocations
    from stock_levels s
    left join (
      select product_id, sum(on_hand_delta) as on_hand, sum(reserved_delta) as reserved,
             sum(allocated_delta) as allocated
      from stock_movements group by product_id
    ) m on m.product_id = s.product_id
    order by s.product_id`);

  const problems: ReconcileProblem[] = [];
  for (const r of rows) {
    const report = (problem: string) => problems.push({ productId: r.product_id, problem });
    if (r.on_hand !== r.ledger_on_hand) report(`on hand ${r.on_hand} but ledger says ${r.ledger_on_hand}`);
    if (r.reserved !== r.ledger_reserved) report(`reserved ${r.reserved} but ledger says ${r.ledger_reserved}`);
    if (r.allocated !== r.ledger_allocated) report(`allocated ${r.allocated} but ledger says ${r.ledger_allocated}`);
    if (r.reserved !== r.active_holds) report(`reserved ${r.reserved} but active holds total ${r.active_holds}`);
    if (r.allocated !== r.open_allocations)
      report(`allocated ${r.allocated} but unfulfilled orders total ${r.open_allocations}`);
    if (r.on_hand < 0 || r.reserved < 0 || r.allocated < 0) report("negative level");
    if (r.reserved + r.allocated > r.on_hand) report("reserved + allocated exceeds on hand");
  }
  return { ok: problems.length === 0, products: rows.length, problems };
}
