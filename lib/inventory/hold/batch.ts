/**
 * The hold batch: starting checkout holds every cart line, or none. This is where stock is held.
 *
 * Concurrent checkout starts in one app server are coalesced (HoldQueue) into one transaction, so a flash sale
 * on one product takes its row lock once per batch rather than once per shopper. In that transaction, read top
 * to bottom:
 *   1. lock the shoppers' carts, their live checkouts, then the stock rows of every variant those carts want
 *      or those checkouts hold, at every location (SELECT … FOR UPDATE, in (variant, location) order), expiring
 *      the holds on them whose time
 *      is up — whether or not any cron has run; read the cart lines and what the checkouts hold; count each
 *      shopper's checkout start against their rate limit; lock and read what each client address has held this
 *      hour, as if every start were held (`countClientHolds`). All of it in one round trip;
 *   2. plan each request: unknown cart, empty cart, a line over the limit, the same checkout again (nothing
 *      changed), or a new hold (replacing a checkout whose cart changed or lapsed);
 *   3. work out the free units of each locked stock row;
 *   4. decide each request in order, all or nothing: within what its client address may still hold, then on
 *      the free units as the batch takes them, each line from the active locations in priority order
 *      (free-stock.ts); a checkout being replaced gives back its units only if its replacement is held (a
 *      refused restart keeps the old hold);
 *   5. write the batch: a few multi-row inserts and one update of the stock rows, none per shopper (and, when
 *      some start was not held, one taking back what step 1 counted for it per client address).
 * Every statement has the same text whatever the batch size (db/batch-statements.ts), so each is prepared once
 * per connection and the statements of a step travel together (postgres.js pipelines them on the
 * transaction's connection): the stock rows stay locked for the rest of the first round trip and one more, the
 * writes with the COMMIT right behind them.
 */
import "server-only";
import { and, asc, eq, sql } from "drizzle-orm";
import { union } from "drizzle-orm/pg-core";
import { db, type Db, type Tx } from "@/db/client";
import { anyOf, anyOfSubquery, bareName, insertRows, jsonRows, preparedOnce, rawStatement } from "@/db/batch-statements";
import { cartLines, carts, checkouts, kitComponents, products, productVariants, rateLimits, reservations, type ProductKind } from "@/db/schema";
import { holdHasLapsed, isLiveCheckout } from "../availability";
import { FreeStock, type Portion } from "../free-stock";
import { env } from "../../platform/env";
import { excluded } from "../../../db/sql-parts";
import { moveTo } from "../../checkout/states";
import { DomainError } from "../../platform/errors";
import { handOn } from "../line/hand-on";
import { overLimit, type LimitRefusal } from "../line/limits";
import { variantsWaitedFor } from "../line/waiting";
import { writeLedger, expireStaleHoldsOf, expiredLedger, lockStockRowsOf, type EndedHold, type LedgerEntry, type ShortLine } from "../stock";
import type { VariantLine } from "../../catalog/variants";

export interface HoldRequest {
  shopperId: string;
  email: string | null;
  /** The cart to hold; without it, the shopper's own cart. A cart of another shopper is `not_found`. */
  cartId?: string;
  /** Delivery details carried over from an earlier checkout ("Try another card"). */
  details?: Record<string, string>;
  /**
   * The client's address (lib/platform/client-address.ts), so that what one address holds is bounded however many
   * shoppers (cookies) it makes up. Every start over HTTP has one; without it (scripts, the engine's own tests)
   * the start is not counted per address.
   */
  clientAddress?: string;
}

export type HeldLine = VariantLine;

/** A checkout as the hold returns it: what `getCheckout` would read (lib/checkout), without a second query. */
export interface HeldCheckout {
  id: string;
  status: "active" | "paying";
  totalCents: number;
  email: string | null;
  details: Record<string, string>;
  startedAt: Date;
  expiresAt: Date;
  hardExpiresAt: Date;
  serverTime: Date;
  lines: HeldLine[];
}

export type HoldOutcome =
  | { outcome: "held" | "existing"; checkoutId: string; checkout: HeldCheckout }
  | { outcome: "insufficient_stock"; lines: ShortLine[] }
  /** Past a product's limit per customer (held and bought). */
  | { outcome: "limit_per_customer"; refusal: LimitRefusal }
  /** Past the shopper's checkout starts per minute, or past what the client address may hold (`per`). */
  | { outcome: "rate_limited"; retryAfterSeconds: number; per: "shopper" }
  /** `productId`: the units of this product; null: the new checkouts per hour. */
  | { outcome: "rate_limited"; retryAfterSeconds: number; per: "address"; productId: string | null }
  | { outcome: "empty_cart" | "not_found" | "line_limit" };

type LiveCheckout = typeof checkouts.$inferSelect;
type CartLine = HeldLine & { cartId: string; kind: ProductKind; limitPerCustomer: number | null };

/**
 * What a cart line takes off the shelf: its own variant, or each of a kit's components (the kit's quantity times
 * the component's). A line's needs are taken with every other line's of the cart, so a kit and its component in
 * one cart are judged on what they need together.
 */
type StockNeed = { line: CartLine; productId: string; variantId: string; quantity: number; kitVariantId: string | null };
type KitComponentRow = { kitVariantId: string; productId: string; variantId: string; quantity: number; limitPerCustomer: number | null };

type Plan =
  | { kind: "answer"; outcome: HoldOutcome }
  | { kind: "repeat"; of: number }
  | { kind: "hold"; cartId: string; lines: CartLine[]; replaces: LiveCheckout | undefined; portions?: Map<StockNeed, Portion[]> };

const RATE_WINDOW_SECONDS = 60;
/** The window of the per-address bounds (RATE_LIMIT_…_PER_IP_…_PER_HOUR). */
const CLIENT_WINDOW_SECONDS = 3600;

/**
 * The batch's reads, in the lock order of every transaction here: the shoppers' carts, their live checkouts, then
 * the stock rows of every variant their carts want or their checkouts hold, in variant-id order, with the holds
 * on them whose time is up expired. The reads in between need no lock of their own. NO KEY UPDATE on carts: a
 * transaction that updates a checkout re-checks its foreign key with KEY SHARE on the cart while holding the
 * checkout's lock; FOR UPDATE here would wait for it while blocking it (a deadlock). Each is built once, with the
 * batch's shoppers as its one placeholder.
 */
const batchReads = (() => {
  const shopperIds = sql.placeholder("shopperIds");
  const cartsOfShoppers = db.select({ id: carts.id }).from(carts).where(anyOf(carts.shopperId, shopperIds));
  const liveCheckoutsOfCarts = and(anyOfSubquery(checkouts.cartId, cartsOfShoppers), isLiveCheckout);
  // A new builder each time: `union` below extends the first query it is given.
  const cartVariants = () =>
    db.select({ variantId: cartLines.variantId }).from(cartLines).where(anyOfSubquery(cartLines.cartId, cartsOfShoppers));
  const variantsOfBatch = union(
    cartVariants(),
    // A kit line's components (a kit has no stock rows of its own).
    db
      .select({ variantId: kitComponents.componentVariantId })
      .from(kitComponents)
      .where(anyOfSubquery(kitComponents.kitVariantId, cartVariants())),
    db
      .select({ variantId: reservations.variantId })
      .from(reservations)
      .where(anyOfSubquery(reservations.checkoutId, db.select({ id: checkouts.id }).from(checkouts).where(liveCheckoutsOfCarts))),
  );
  return {
    lockCarts: preparedOnce(() =>
      db
        .select({ id: carts.id, shopperId: carts.shopperId })
        .from(carts)
        .where(anyOf(carts.shopperId, shopperIds))
        .orderBy(asc(carts.id))
        .for("no key update")
        .prepare("hold_lock_carts"),
    ),
    lockLiveCheckouts: preparedOnce(() =>
      db.select().from(checkouts).where(liveCheckoutsOfCarts).orderBy(asc(checkouts.id)).for("update").prepare("hold_lock_checkouts"),
    ),
    cartLines: preparedOnce(() =>
      db
        .select({
          cartId: cartLines.cartId,
          productId: cartLines.productId,
          variantId: cartLines.variantId,
          sku: productVariants.sku,
          options: productVariants.options,
          quantity: cartLines.quantity,
          unitPriceCents: productVariants.priceCents,
          slug: products.slug,
          name: products.name,
          kind: productVariants.kind,
          limitPerCustomer: products.limitPerCustomer,
        })
        .from(cartLines)
        .innerJoin(products, eq(products.id, cartLines.productId))
        .innerJoin(productVariants, eq(productVariants.id, cartLines.variantId))
        .where(anyOfSubquery(cartLines.cartId, cartsOfShoppers))
        .orderBy(asc(cartLines.variantId))
        .prepare("hold_cart_lines"),
    ),
    kitComponents: preparedOnce(() =>
      db
        .select({
          kitVariantId: kitComponents.kitVariantId,
          productId: kitComponents.componentProductId,
          variantId: kitComponents.componentVariantId,
          quantity: kitComponents.quantity,
          limitPerCustomer: products.limitPerCustomer,
        })
        .from(kitComponents)
        .innerJoin(products, eq(products.id, kitComponents.componentProductId))
        .where(anyOfSubquery(kitComponents.kitVariantId, cartVariants()))
        .prepare("hold_kit_components"),
    ),
    // Each hold with its line: the variant it draws on, and the variant the shopper bought (the kit, for a
    // component's hold), with that one's name and SKU.
    liveHolds: preparedOnce(() =>
      db
        .select({
          checkoutId: reservations.checkoutId,
          productId: productVariants.productId,
          variantId: productVariants.id,
          stockVariantId: reservations.variantId,
          locationId: reservations.locationId,
          sku: productVariants.sku,
          options: productVariants.options,
          quantity: reservations.quantity,
          kitQuantity: reservations.kitQuantity,
          unitPriceCents: reservations.unitPriceCents,
          status: reservations.status,
          expiresAt: reservations.expiresAt,
          slug: products.slug,
          name: products.name,
        })
        .from(reservations)
        .innerJoin(productVariants, eq(productVariants.id, sql`coalesce(${reservations.kitVariantId}, ${reservations.variantId})`))
        .innerJoin(products, eq(products.id, productVariants.productId))
        .innerJoin(checkouts, eq(checkouts.id, reservations.checkoutId))
        .where(liveCheckoutsOfCarts)
        .prepare("hold_live_holds"),
    ),
    // Raw SQL: a select without a table (the database's clock for the whole batch), which the builder cannot say.
    clock: preparedOnce(() =>
      rawStatement<{ now: string; clock: string }>(sql`select to_json(now()) #>> '{}' as now, to_json(clock_timestamp()) #>> '{}' as clock`),
    ),
    lockStockRows: lockStockRowsOf(variantsOfBatch),
    expireStaleHolds: expireStaleHoldsOf(variantsOfBatch),
  };
})();

/** Holds the carts of a batch of shoppers in one transaction; one outcome per request, in order. */
export async function holdCarts(
  executor: Db | Tx,
  requests: HoldRequest[],
  /** Called once the batch holds its stock rows' locks (or needs none): the queue then prepares the next one. */
  onStockLocked: () => void = () => {},
): Promise<HoldOutcome[]> {
  if (requests.length === 0) return [];
  const { outcomes, written } = await executor.transaction(async (tx) => {
    // 1. One round trip, in the lock order of every transaction here (see `batchReads` above).
    const shopperIds = [...new Set(requests.map((r) => r.shopperId))];
    const [lockedCarts, liveCheckouts, lines, kits, liveHolds, clock, limits, clientCounts, stock, expired] = await Promise.all([
      batchReads.lockCarts(tx, { shopperIds }),
      batchReads.lockLiveCheckouts(tx, { shopperIds }),
      batchReads.cartLines(tx, { shopperIds }),
      batchReads.kitComponents(tx, { shopperIds }),
      batchReads.liveHolds(tx, { shopperIds }),
      batchReads.clock(tx),
      countCheckoutStarts(tx, requests),
      countClientHolds(tx, requests),
      batchReads.lockStockRows(tx, { shopperIds }),
      batchReads.expireStaleHolds(tx, { shopperIds }),
    ]);
    onStockLocked();
    const now = new Date(clock[0]!.now);
    const serverTime = new Date(clock[0]!.clock);

    // 2. The plan: everything that does not depend on stock.
    const cartOf = new Map(lockedCarts.map((c) => [c.shopperId, c.id]));
    const liveOf = new Map(liveCheckouts.map((c) => [c.cartId, c]));
    const linesOf = groupBy(lines, (l) => l.cartId);
    const holdsOf = groupBy(liveHolds, (h) => h.checkoutId);
    const componentsOf = groupBy(kits, (k) => k.kitVariantId);
    const firstForCart = new Map<string, number>();
    const plans: Plan[] = requests.map((request, i) => {
      const retryAfterSeconds = limits.get(i);
      if (retryAfterSeconds !== undefined) return { kind: "answer", outcome: { outcome: "rate_limited", retryAfterSeconds, per: "shopper" } };
      const cartId = cartOf.get(request.shopperId);
      if (request.cartId !== undefined && request.cartId !== cartId) return answer("not_found");
      const cartLinesNow = cartId ? (linesOf.get(cartId) ?? []) : [];
      if (!cartId || cartLinesNow.length === 0) return answer("empty_cart");
      if (cartLinesNow.some((l) => l.quantity > env.MAX_QUANTITY_PER_LINE)) return answer("line_limit");
      // A double click within one batch gets the first click's answer.
      const first = firstForCart.get(cartId);
      if (first !== undefined) return { kind: "repeat", of: first };
      firstForCart.set(cartId, i);
      const live = liveOf.get(cartId);
      if (live && (live.status === "paying" || isSameHold(live, holdsOf.get(live.id) ?? [], cartLinesNow, now))) {
        // Being paid, or still holding exactly this cart: the same checkout, never a second hold.
        return { kind: "answer", outcome: existing(live, holdsOf.get(live.id) ?? [], serverTime) };
      }
      return { kind: "hold", cartId, lines: cartLinesNow, replaces: live };
    });

    // 3. The free units of each locked stock row, with the stale holds just expired given back. A variant
    //    whose rows are not locked (a cart line removed between the reads above) counts as none free.
    const free = new FreeStock(stock);
    for (const e of expired) free.giveBack(e.variantId, e.locationId, e.quantity);
    // Free units of a variant that shoppers wait for are the line's (line/hand-on.ts): a start keeps only what its
    // own replaced checkout gives back.
    const contended = variantsWaitedFor(stock);
    // Each start's needs, and, for the starts taking a product with a limit per customer (rare), one more read:
    // what the shopper already holds and bought of it.
    const needsOf = new Map<number, StockNeed[] | null>();
    plans.forEach((plan, i) => plan.kind === "hold" && needsOf.set(i, stockNeeds(plan.lines, componentsOf)));
    const limitedProducts = new Set([...lines, ...kits].filter((r) => r.limitPerCustomer !== null).map((r) => r.productId));
    const overLimits = new Map<number, LimitRefusal>();
    if (limitedProducts.size > 0) {
      await Promise.all(
        [...needsOf].map(async ([i, needs]) => {
          if (!needs?.some((n) => limitedProducts.has(n.productId))) return;
          const { shopperId, email } = requests[i]!;
          const refusal = await overLimit(tx, { shopperId, email, cartId: (plans[i] as Extract<Plan, { kind: "hold" }>).cartId, wanted: needs });
          if (refusal) overLimits.set(i, refusal);
        }),
      );
    }

    // 4. Decide each request in order, all or nothing.
    const expiresAt = new Date(now.getTime() + Math.min(env.RESERVATION_TTL_SECONDS, env.RESERVATION_MAX_SECONDS) * 1000);
    const hardExpiresAt = new Date(now.getTime() + env.RESERVATION_MAX_SECONDS * 1000);
    const granted: { request: HoldRequest; plan: Extract<Plan, { kind: "hold" }>; checkout: HeldCheckout }[] = [];
    const outcomes: HoldOutcome[] = [];
    plans.forEach((plan, i) => {
      if (plan.kind === "answer") return void (outcomes[i] = plan.outcome);
      if (plan.kind === "repeat") {
        const first = outcomes[plan.of]!;
        return void (outcomes[i] = first.outcome === "held" ? { ...first, outcome: "existing" } : first);
      }
      // What the replaced checkout still holds (and has not lapsed) comes back if, and only if, this is held.
      const givenBack = (plan.replaces ? (holdsOf.get(plan.replaces.id) ?? []) : [])
        .filter((h) => h.status === "active" && !holdHasLapsed(h, now))
        .map((h) => ({ variantId: h.stockVariantId, locationId: h.locationId, quantity: h.quantity }));
      // What this client address may still hold comes first: a refused start holds nothing.
      const address = requests[i]!.clientAddress;
      const overAddress = address === undefined ? undefined : clientCounts.refusal(address, plan.lines);
      if (overAddress) return void (outcomes[i] = overAddress);
      const refusal = overLimits.get(i);
      if (refusal) return void (outcomes[i] = { outcome: "limit_per_customer", refusal });
      const needs = needsOf.get(i)!;
      const took = needs === null ? { short: [] } : free.takeAll(needs, givenBack, contended);
      if ("short" in took) {
        return void (outcomes[i] = { outcome: "insufficient_stock", lines: shortLines(plan.lines, needs ?? [], took.short) });
      }
      plan.portions = took.taken;
      if (address !== undefined) clientCounts.take(address, plan.lines);
      const checkout: HeldCheckout = {
        id: crypto.randomUUID(),
        status: "active",
        totalCents: plan.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0),
        email: requests[i]!.email,
        details: requests[i]!.details ?? {},
        startedAt: now,
        expiresAt,
        hardExpiresAt,
        serverTime,
        lines: [...plan.lines].sort(byName).map(({ cartId: _cartId, kind: _kind, limitPerCustomer: _limit, ...line }) => line),
      };
      granted.push({ request: requests[i]!, plan, checkout });
      outcomes[i] = { outcome: "held", checkoutId: checkout.id, checkout };
    });

    // 5. Write the batch. The transaction ends as soon as every write is sent: postgres.js then sends COMMIT
    //    right behind them, so the stock rows' locks go with the writes' round trip instead of one more. If a
    //    write fails, PostgreSQL has aborted the transaction and answers that COMMIT with a rollback: `written`
    //    then rejects below, and no shopper is told "held".
    const { written } = await writeBatch(tx, granted, expired, now, clientCounts.corrections());
    // Units this batch freed (holds expired, checkouts replaced) on variants the line waits for go to it now.
    if (contended.size > 0) {
      const replacedHolds = granted.flatMap((g) => (g.plan.replaces ? (holdsOf.get(g.plan.replaces.id) ?? []) : []));
      const freed = [...expired.map((e) => e.variantId), ...replacedHolds.map((h) => h.stockVariantId)].filter((v) => contended.has(v));
      if (freed.length > 0) await handOn(tx, freed);
    }
    return { outcomes, written };
  });
  await written;
  return outcomes;
}

const answer = (outcome: "empty_cart" | "not_found" | "line_limit"): Plan => ({ kind: "answer", outcome: { outcome } });

type LiveHold = HeldLine & {
  checkoutId: string;
  stockVariantId: string;
  locationId: string;
  kitQuantity: number | null;
  status: string;
  expiresAt: Date;
};

/**
 * A checkout's units per line (a line held at several locations is several holds; a kit line is one hold per
 * component and location, each saying how many kits the line has).
 */
function unitsPerLine(holds: readonly LiveHold[]): Map<string, number> {
  const units = new Map<string, number>();
  for (const h of holds) units.set(h.variantId, h.kitQuantity ?? (units.get(h.variantId) ?? 0) + h.quantity);
  return units;
}

/** Each line's needs of stock, or null when a kit line has no components to hold (nothing of it can be sold). */
function stockNeeds(lines: readonly CartLine[], componentsOf: Map<string, KitComponentRow[]>): StockNeed[] | null {
  const needs: StockNeed[] = [];
  for (const line of lines) {
    if (line.kind === "stock") {
      needs.push({ line, productId: line.productId, variantId: line.variantId, quantity: line.quantity, kitVariantId: null });
      continue;
    }
    const components = componentsOf.get(line.variantId) ?? [];
    if (components.length === 0) return null;
    for (const c of components) {
      needs.push({ line, productId: c.productId, variantId: c.variantId, quantity: c.quantity * line.quantity, kitVariantId: line.variantId });
    }
  }
  return needs;
}

/**
 * The cart's lines that cannot be held, each once, with how many of it could be: a line of a short variant, or a
 * kit with a short component (named, with what it has). A kit without components is short of everything.
 */
function shortLines(
  lines: readonly CartLine[],
  needs: readonly StockNeed[],
  short: readonly { variantId: string; needed: number; available: number }[],
): ShortLine[] {
  const shortOf = new Map(short.map((s) => [s.variantId, s]));
  return lines.flatMap((line): ShortLine[] => {
    const own = needs.filter((n) => n.line === line);
    if (own.length === 0) return [{ productId: line.productId, variantId: line.variantId, requested: line.quantity, available: 0 }];
    const lacking = own.filter((n) => shortOf.has(n.variantId));
    if (lacking.length === 0) return [];
    // What this line could have on its own: the fewest kits its short components allow (units for a plain line).
    const perLine = (n: StockNeed) => Math.floor((shortOf.get(n.variantId)!.available * line.quantity) / n.quantity);
    const worst = lacking.reduce((a, b) => (perLine(b) < perLine(a) ? b : a));
    return [
      {
        productId: line.productId,
        variantId: line.variantId,
        requested: line.quantity,
        available: Math.min(line.quantity, perLine(worst)),
        ...(worst.kitVariantId ? { component: { productId: worst.productId, variantId: worst.variantId, available: shortOf.get(worst.variantId)!.available } } : {}),
      },
    ];
  });
}

/** A checkout's lines in the order shoppers read them: by product name, then SKU. */
const byName = (a: HeldLine, b: HeldLine) => a.name.localeCompare(b.name) || a.sku.localeCompare(b.sku);

/** Still in time, every hold live, holding exactly the cart's lines: starting again changes nothing. */
function isSameHold(live: LiveCheckout, holds: LiveHold[], lines: CartLine[], now: Date): boolean {
  if (live.expiresAt <= now || holds.some((h) => h.status !== "active")) return false;
  const held = unitsPerLine(holds);
  return held.size === lines.length && lines.every((l) => held.get(l.variantId) === l.quantity);
}

function existing(live: LiveCheckout, holds: LiveHold[], serverTime: Date): HoldOutcome {
  const units = unitsPerLine(holds);
  return {
    outcome: "existing",
    checkoutId: live.id,
    checkout: {
      id: live.id,
      status: live.status as "active" | "paying",
      totalCents: live.totalCents,
      email: live.email,
      details: live.details,
      startedAt: live.startedAt,
      expiresAt: live.expiresAt,
      hardExpiresAt: live.hardExpiresAt,
      serverTime,
      lines: [
        ...new Map(
          holds.map(({ checkoutId: _c, stockVariantId: _v, locationId: _l, kitQuantity: _k, status: _s, expiresAt: _e, ...line }) => [line.variantId, line]),
        ).values(),
      ]
        .map((line) => ({ ...line, quantity: units.get(line.variantId)! }))
        .sort(byName),
    },
  };
}

/**
 * The batch's writes, sent together (postgres.js pipelines them on the transaction's connection, in this order):
 * replaced checkouts end and give back what they held, new checkouts and holds are inserted, the ledger and the
 * stock rows are written. Resolves once every write has been sent; `written` settles when PostgreSQL has
 * answered them all and its answers match what was decided.
 */
async function writeBatch(
  tx: Tx,
  granted: { request: HoldRequest; plan: Extract<Plan, { kind: "hold" }>; checkout: HeldCheckout }[],
  expired: EndedHold[],
  now: Date,
  /** What the client addresses' counts this hour take back (or add): granted minus counted. */
  clientCorrections: { bucket: string; hits: number }[],
): Promise<{ written: Promise<void> }> {
  const replaced = granted.flatMap((g) => (g.plan.replaces ? [g.plan.replaces] : []));
  // The new holds: each granted line's needs (its own variant, or a kit's components), one per location each
  // draws on.
  const newHolds = granted.flatMap(({ request, plan, checkout }) =>
    [...plan.portions!].flatMap(([need, portions]) =>
      portions.map((p) => ({ request, checkout, need, locationId: p.locationId, quantity: p.quantity })),
    ),
  );
  const reserved: LedgerEntry[] = newHolds.map(({ request, checkout, need, locationId, quantity }) => ({
    productId: need.productId,
    variantId: need.variantId,
    locationId,
    kind: "reserve" as const,
    reservedDelta: quantity,
    checkoutId: checkout.id,
    actorId: request.shopperId,
    kitVariantId: need.kitVariantId,
    reason: "checkout started",
  }));

  const sent: PromiseLike<unknown>[] = [];
  let released: Promise<LedgerEntry[]> = Promise.resolve([]);
  if (replaced.length > 0) {
    const ids = replaced.map((c) => c.id);
    released = tx
      .update(reservations)
      .set({ status: "released", endedAt: sql`now()` })
      .where(and(anyOf(reservations.checkoutId, ids), eq(reservations.status, "active")))
      .returning({
        productId: reservations.productId,
        variantId: reservations.variantId,
        locationId: reservations.locationId,
        quantity: reservations.quantity,
        checkoutId: reservations.checkoutId,
        shopperId: reservations.shopperId,
        kitVariantId: reservations.kitVariantId,
      })
      .then((freed) =>
        freed.map((f) => ({
          productId: f.productId,
          variantId: f.variantId,
          locationId: f.locationId,
          kind: "release" as const,
          reservedDelta: -f.quantity,
          checkoutId: f.checkoutId,
          actorId: f.shopperId,
          kitVariantId: f.kitVariantId,
          reason: "cart changed: checkout restarted",
        })),
      );
    const lapsed = replaced.filter((c) => c.expiresAt <= now).map((c) => c.id);
    const restarted = replaced.filter((c) => c.expiresAt > now).map((c) => c.id);
    // The cart changed since, or the hold lapsed: the old checkout ends before its cart's new one is inserted.
    if (lapsed.length > 0) {
      sent.push(moveTo(tx, anyOf(checkouts.id, lapsed), "expired", { endedBy: "timeout", endedAt: sql`now()` }).then((r) => r));
    }
    if (restarted.length > 0) {
      sent.push(moveTo(tx, anyOf(checkouts.id, restarted), "cancelled", { endedBy: "shopper", endedAt: sql`now()` }).then((r) => r));
    }
  }
  // The client addresses' counts become what was granted; their rows are locked since the first round trip.
  if (clientCorrections.length > 0) sent.push(addClientCounts(tx, clientCorrections));
  // The new checkouts and their holds; each insert answers with its row count, checked below.
  const inserted: Promise<[number, number]> =
    granted.length === 0
      ? Promise.resolve([0, 0])
      : Promise.all([
          insertCheckouts(
            tx,
            granted.map(({ request, plan, checkout }) => ({
              id: checkout.id,
              cartId: plan.cartId,
              shopperId: request.shopperId,
              email: checkout.email,
              details: checkout.details,
              totalCents: checkout.totalCents,
              startedAt: checkout.startedAt,
              expiresAt: checkout.expiresAt,
              hardExpiresAt: checkout.hardExpiresAt,
            })),
          ).then((result) => result.count),
          insertHolds(
            tx,
            newHolds.map(({ request, checkout, need, locationId, quantity }) => ({
              checkoutId: checkout.id,
              shopperId: request.shopperId,
              productId: need.productId,
              variantId: need.variantId,
              locationId,
              quantity,
              // The line's price (a kit's, on each of its components' holds).
              unitPriceCents: need.line.unitPriceCents,
              kitVariantId: need.kitVariantId,
              kitQuantity: need.kitVariantId === null ? null : need.line.quantity,
              expiresAt: checkout.expiresAt,
            })),
          ).then((result) => result.count),
        ]);
  // Without a replaced checkout (a flash sale's usual batch) the ledger goes in the same round trip; otherwise
  // it waits for what the replaced checkouts actually gave back, and is sent before this resolves.
  const sentSoFar = Promise.all([Promise.all(sent), inserted]);
  // A failure may come while the release is awaited below: it must not count as unhandled meanwhile.
  sentSoFar.catch(() => {});
  let ledger: Promise<void>;
  if (replaced.length === 0) {
    ledger = writeLedger(tx, [...expiredLedger(expired), ...reserved]);
  } else {
    const releasedEntries = await released;
    ledger = writeLedger(tx, [...expiredLedger(expired), ...releasedEntries, ...reserved]);
  }
  const expectedHolds = newHolds.length;
  const written = Promise.all([sentSoFar, ledger]).then(([[, [checkoutsWritten, holdsWritten]]]) => {
    // Defence in depth: what the database wrote must be exactly what was decided, or nothing is answered "held".
    if (checkoutsWritten !== granted.length || holdsWritten !== expectedHolds) {
      // The shopper is told to try again (503), never "held"; a retry finds whatever the batch did commit.
      throw new DomainError(
        "database_unavailable",
        "The shop could not confirm your hold with its database. Please try again.",
        {},
        { "Retry-After": "1" },
      );
    }
  });
  // Awaited by holdCarts once the transaction has ended; until then a failure must not count as unhandled.
  written.catch(() => {});
  return { written };
}

// Raw SQL (insertRows, db/batch-statements.ts): one statement text for any batch size. Each answers with the
// number of rows it wrote, checked in writeBatch.
const insertCheckouts = insertRows(checkouts, [
  "id",
  "cartId",
  "shopperId",
  "email",
  "details",
  "totalCents",
  "startedAt",
  "expiresAt",
  "hardExpiresAt",
]);
const insertHolds = insertRows(reservations, [
  "checkoutId",
  "shopperId",
  "productId",
  "variantId",
  "locationId",
  "quantity",
  "unitPriceCents",
  "kitVariantId",
  "kitQuantity",
  "expiresAt",
]);

// Raw SQL: insertRows (db/batch-statements.ts) with an upsert, one statement text for any number of shoppers.
const countStarts = insertRows<typeof rateLimits, "bucket" | "hits", "windowStart", { bucket: string; hits: number; retryAfter: number }>(
  rateLimits,
  ["bucket", "hits"],
  {
    computed: { windowStart: sql`to_timestamp(floor(extract(epoch from now()) / ${RATE_WINDOW_SECONDS}) * ${RATE_WINDOW_SECONDS})` },
    then: sql`on conflict (${bareName(rateLimits.bucket)}, ${bareName(rateLimits.windowStart)})
      do update set ${bareName(rateLimits.hits)} = ${rateLimits.hits} + ${excluded(rateLimits.hits)}
    returning ${rateLimits.bucket}, ${rateLimits.hits},
      ceil(extract(epoch from ${rateLimits.windowStart} + make_interval(secs => ${RATE_WINDOW_SECONDS}) - now()))::int as "retryAfter"`,
  },
);

/**
 * Counts each request against its shopper's per-minute checkout limit, in the batch's own transaction (no
 * commit of its own). Returns, for the requests over the limit, the seconds until the window ends.
 */
async function countCheckoutStarts(tx: Tx, requests: HoldRequest[]): Promise<Map<number, number>> {
  const limit = env.RATE_LIMIT_CHECKOUTS_PER_MINUTE;
  const over = new Map<number, number>();
  if (limit <= 0) return over;
  const perShopper = new Map<string, number>();
  for (const r of requests) perShopper.set(r.shopperId, (perShopper.get(r.shopperId) ?? 0) + 1);
  // In bucket order, as every batch locks these rows: two batches counting the same shoppers never deadlock.
  const counted = await countStarts(
    tx,
    [...perShopper]
      .map(([shopperId, hits]) => ({ bucket: `checkout:${shopperId}`, hits }))
      .sort((x, y) => (x.bucket < y.bucket ? -1 : x.bucket > y.bucket ? 1 : 0)),
  );
  const after = new Map(counted.map((c) => [c.bucket.slice("checkout:".length), c]));
  // The k-th request of a shopper in this batch is hit number (hits before the batch + k).
  const seen = new Map<string, number>();
  requests.forEach((r, i) => {
    const row = after.get(r.shopperId)!;
    const k = (seen.get(r.shopperId) ?? 0) + 1;
    seen.set(r.shopperId, k);
    if (row.hits - perShopper.get(r.shopperId)! + k > limit) over.set(i, Math.max(1, row.retryAfter));
  });
  return over;
}

/** The bucket of a client address's new checkouts this hour, and of its units of one product. */
const checkoutsBucket = (address: string) => `client-checkouts:${address}`;
const unitsBucket = (address: string, productId: string) => `client-units:${address}:${productId}`;

const clientWindowStart = sql`to_timestamp(floor(extract(epoch from now()) / ${CLIENT_WINDOW_SECONDS}) * ${CLIENT_WINDOW_SECONDS})`;
const clientRetryAfter = sql`ceil(extract(epoch from ${rateLimits.windowStart} + make_interval(secs => ${CLIENT_WINDOW_SECONDS}) - now()))::int`;

/**
 * Counts, for every client address of the batch, its new checkouts and its units of each product in its shoppers'
 * carts this hour, as if every start were held, and answers each count as it was before the batch with what the
 * batch asked for. The rows stay locked to the end of the transaction, so a batch on another app server (or
 * another connection here) counting the same address waits for this one's commit and then sees what it granted:
 * the bound holds exactly across servers. The write (`addClientCounts`) later takes back what was not granted,
 * usually nothing, so a batch that holds every start (a sale with units left) writes these rows once. Locked in
 * bucket order, before the stock rows, like the per-shopper counts.
 * Raw SQL: an upsert whose rows come from the batch's (shopper, address) pairs, one JSON parameter, joined with
 * their carts' lines and summed, answered beside what was asked; the builder has no table function as a source
 * and no insert in a WITH.
 */
const countClientHoldsStatement = preparedOnce(() => {
  const pairs = jsonRows("r", { shopper_id: carts.shopperId, address: rateLimits.bucket }, sql.placeholder("pairs"));
  return rawStatement<{ bucket: string; before: number; wanted: number; retryAfter: number }>(sql`
    with r as (select * from ${pairs}),
    wanted as (
      select 'client-checkouts:' || r.address as bucket, count(*)::int as n from r group by r.address
      union all
      select 'client-units:' || r.address || ':' || ${cartLines.productId}, sum(${cartLines.quantity})::int
      from r
      join ${carts} on ${carts.shopperId} = r.shopper_id
      join ${cartLines} on ${cartLines.cartId} = ${carts.id}
      -- The batch's carts through their index: joined on the JSON rows alone (100 as far as the planner knows),
      -- PostgreSQL read every cart of the shop to find the batch's few.
      where ${anyOfSubquery(carts.shopperId, sql`select r.shopper_id from r`)}
      group by r.address, ${cartLines.productId}
    ),
    counted as (
      insert into ${rateLimits} (${bareName(rateLimits.bucket)}, ${bareName(rateLimits.hits)}, ${bareName(rateLimits.windowStart)})
      select wanted.bucket, wanted.n, ${clientWindowStart} from wanted
      order by wanted.bucket
      on conflict (${bareName(rateLimits.bucket)}, ${bareName(rateLimits.windowStart)})
        do update set ${bareName(rateLimits.hits)} = ${rateLimits.hits} + ${excluded(rateLimits.hits)}
      returning ${rateLimits.bucket} as bucket, ${rateLimits.hits} as hits, ${clientRetryAfter} as retry_after
    )
    select counted.bucket, counted.hits - wanted.n as "before", wanted.n as "wanted", counted.retry_after as "retryAfter"
    from counted join wanted on wanted.bucket = counted.bucket`);
});

// Raw SQL: insertRows (db/batch-statements.ts) with an upsert, one statement text for any number of buckets.
// Takes back (or adds) the difference between what countClientHolds counted and what was granted.
const addClientCounts = insertRows<typeof rateLimits, "bucket" | "hits", "windowStart">(rateLimits, ["bucket", "hits"], {
  computed: { windowStart: clientWindowStart },
  then: sql`on conflict (${bareName(rateLimits.bucket)}, ${bareName(rateLimits.windowStart)})
    do update set ${bareName(rateLimits.hits)} = ${rateLimits.hits} + ${excluded(rateLimits.hits)}`,
});

/**
 * What each client address of a batch has held this hour (RATE_LIMIT_CHECKOUTS_PER_IP_PER_HOUR and
 * RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR): a shopper is a cookie, so a bot that sends none would otherwise
 * hold a whole product, one made-up shopper at a time. Only granted holds count.
 */
class ClientCounts {
  private readonly counts = new Map<string, { hits: number; retryAfter: number }>();
  /** What the count statement added to each bucket, and what the granted holds add. */
  private readonly wanted = new Map<string, number>();
  private readonly added = new Map<string, number>();

  constructor(rows: readonly { bucket: string; before: number; wanted: number; retryAfter: number }[]) {
    for (const row of rows) {
      this.counts.set(row.bucket, { hits: row.before, retryAfter: Math.max(1, row.retryAfter) });
      this.wanted.set(row.bucket, row.wanted);
    }
  }

  /** The refusal of a start from `address` holding `lines`, or undefined when the address may hold them. */
  refusal(address: string, lines: readonly { productId: string; quantity: number }[]): HoldOutcome | undefined {
    const checkouts = env.RATE_LIMIT_CHECKOUTS_PER_IP_PER_HOUR;
    const units = env.RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR;
    const over = (bucket: string, more: number, limit: number) => {
      const count = this.counts.get(bucket);
      return limit > 0 && (count?.hits ?? 0) + more > limit ? (count?.retryAfter ?? CLIENT_WINDOW_SECONDS) : undefined;
    };
    const tooManyCheckouts = over(checkoutsBucket(address), 1, checkouts);
    if (tooManyCheckouts !== undefined) {
      return { outcome: "rate_limited", retryAfterSeconds: tooManyCheckouts, per: "address", productId: null };
    }
    for (const [productId, quantity] of unitsPerProduct(lines)) {
      const tooManyUnits = over(unitsBucket(address, productId), quantity, units);
      if (tooManyUnits !== undefined) {
        return { outcome: "rate_limited", retryAfterSeconds: tooManyUnits, per: "address", productId };
      }
    }
    return undefined;
  }

  /** A hold from `address` was granted: its lines count from now on, in this batch and (once written) in others. */
  take(address: string, lines: readonly { productId: string; quantity: number }[]): void {
    const add = (bucket: string, n: number) => {
      const count = this.counts.get(bucket) ?? { hits: 0, retryAfter: CLIENT_WINDOW_SECONDS };
      this.counts.set(bucket, { ...count, hits: count.hits + n });
      this.added.set(bucket, (this.added.get(bucket) ?? 0) + n);
    };
    add(checkoutsBucket(address), 1);
    for (const [productId, quantity] of unitsPerProduct(lines)) add(unitsBucket(address, productId), quantity);
  }

  /**
   * The write's corrections: granted minus counted, per bucket. Negative for starts that were not held (refused,
   * the same checkout again, an empty cart); positive only for a cart line added between the batch's reads.
   */
  corrections(): { bucket: string; hits: number }[] {
    const buckets = new Set([...this.wanted.keys(), ...this.added.keys()]);
    return [...buckets]
      .map((bucket) => ({ bucket, hits: (this.added.get(bucket) ?? 0) - (this.wanted.get(bucket) ?? 0) }))
      .filter((c) => c.hits !== 0)
      .sort((x, y) => (x.bucket < y.bucket ? -1 : x.bucket > y.bucket ? 1 : 0));
  }
}

/** A cart's units per product (the per-address bound is per product, whichever of its variants). */
function unitsPerProduct(lines: readonly { productId: string; quantity: number }[]): Map<string, number> {
  const units = new Map<string, number>();
  for (const line of lines) units.set(line.productId, (units.get(line.productId) ?? 0) + line.quantity);
  return units;
}

/** Both bounds off: nothing is read, counted or written. */
const uncounted = new (class extends ClientCounts {
  override refusal(): undefined {
    return undefined;
  }
  override take(): void {}
})([]);

/** Counts and locks the batch's client addresses' rows (one statement), unless both bounds are off. */
async function countClientHolds(tx: Tx, requests: HoldRequest[]): Promise<ClientCounts> {
  if (env.RATE_LIMIT_CHECKOUTS_PER_IP_PER_HOUR <= 0 && env.RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR <= 0) return uncounted;
  const pairs = new Map<string, { shopper_id: string; address: string }>();
  for (const r of requests) {
    if (r.clientAddress !== undefined) pairs.set(`${r.shopperId} ${r.clientAddress}`, { shopper_id: r.shopperId, address: r.clientAddress });
  }
  if (pairs.size === 0) return uncounted;
  return new ClientCounts(await countClientHoldsStatement(tx, { pairs: JSON.stringify([...pairs.values()]) }));
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

