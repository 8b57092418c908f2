/**
 * Stock levels as the admin sees and changes them, the expiry sweep, and reconciliation against the ledger.
 */
import "server-only";
import { and, asc, eq, inArray, lte, notExists, sql } from "drizzle-orm";
import { db, type Db, type Tx } from "@/db/client";
import { checkouts, reservations, stockLevels } from "@/db/schema";
import { DomainError, notFound } from "../errors";
import { recordExpired } from "../metrics";
import { applyLedger, availableSql, expireStaleHoldsOn, expiredLedger, lockStockRows } from "./stock";

type Executor = Db | Tx;

/** The most units one product may have on hand (a 32-bit integer column); a restock past it is a 409. */
export const MAX_ON_HAND = 2_147_483_647;

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
 * held or sold: that would break reserved + allocated ≤ on hand, so it is refused with 409; nor may a restock
 * pass the largest level a stock row can hold.
 */
export async function adjustStock(input: {
  productId: string;
  delta: number;
  reason: string;
  actorId: string | null;
}): Promise<StockLevelView> {
  return db.transaction(async (tx) => {
    const [[row], expired] = await Promise.all([
      lockStockRows(tx, [input.productId]),
      expireStaleHoldsOn(tx, [input.productId]),
    ]);
    if (!row) throw notFound("product");
    const reserved = row.reserved - expired.reduce((n, h) => n + h.quantity, 0);
    const newOnHand = row.onHand + input.delta;
    if (newOnHand < reserved + row.allocated) {
      throw new DomainError(
        "invariant_violation",
        `Cannot write off ${-input.delta}: only ${Math.max(0, row.onHand - reserved - row.allocated)} ` +
          `of ${row.onHand} on hand are neither held nor sold.`,
        { onHand: row.onHand, reserved, allocated: row.allocated },
      );
    }
    if (newOnHand > MAX_ON_HAND) {
      throw new DomainError(
        "invariant_violation",
        `Cannot restock ${input.delta}: ${row.onHand} are on hand and one product can have at most ${MAX_ON_HAND}.`,
        { onHand: row.onHand, maxOnHand: MAX_ON_HAND },
      );
    }
    await applyLedger(tx, [
      ...expiredLedger(expired),
      {
        productId: input.productId,
        kind: input.delta >= 0 ? "receive" : "write_off",
        onHandDelta: input.delta,
        actorId: input.actorId,
        reason: input.reason,
      },
    ]);
    return (await getStockLevel(tx, input.productId))!;
  });
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
    const pass = await db.transaction(async (tx) => {
      const candidates = await tx
        .selectDistinct({ productId: reservations.productId })
        .from(reservations)
        .where(and(eq(reservations.status, "active"), lte(reservations.expiresAt, sql`now()`)))
        .limit(batchSize);
      if (candidates.length === 0) return { expired: 0, products: 0 };
      const locked = await tx
        .select({ productId: stockLevels.productId })
        .from(stockLevels)
        .where(inArray(stockLevels.productId, candidates.map((c) => c.productId)))
        .orderBy(asc(stockLevels.productId))
        .for("update", { skipLocked: true });
      const holds = await expireStaleHoldsOn(tx, locked.map((l) => l.productId));
      await applyLedger(tx, expiredLedger(holds));
      return { expired: holds.length, products: candidates.length };
    });
    expired += pass.expired;
    // Done when fewer than a full batch were stale, or when every candidate was locked by someone else (who
    // expires those holds itself): another pass would only read the same rows again.
    if (pass.products < batchSize || pass.expired === 0) break;
  }
  recordExpired(expired);
  // Checkouts whose time is up read as "expired" already; this records it (no stock involved). A checkout
  // being paid is the payment sweep's to settle, never the clock's.
  const due = db
    .select({ id: checkouts.id })
    .from(checkouts)
    .where(and(eq(checkouts.status, "active"), lte(checkouts.expiresAt, sql`now()`)))
    .limit(1000)
    .for("update", { skipLocked: true });
  await db
    .update(checkouts)
    .set({ status: "expired", endedBy: "timeout", endedAt: sql`now()` })
    .where(
      and(
        inArray(checkouts.id, due),
        notExists(
          db
            .select({ one: sql`1` })
            .from(reservations)
            .where(and(eq(reservations.checkoutId, checkouts.id), eq(reservations.status, "active"))),
        ),
      ),
    );
  return expired;
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
