/**
 * The admin's changes to locations while the shop runs: editing a location never waits for (or deadlocks with) the
 * transactions writing stock at it, and a location made while variants are being made still gives every variant a
 * stock row there (reads inner-join them).
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { createProduct } from "@/lib/catalog/products";
import { createLocation, holdCarts, reconcileStock, transferStock, updateLocation } from "@/lib/inventory";
import { postgresErrorOf, rawSql } from "../support/db";
import { expectDomainError, makeProduct, shoppersWithCarts } from "../support/fixtures";
import { levelsAtOnly, makeLocations, stockAt } from "../support/locations";

/** Resolves with the promise's value, or rejects if it takes longer than `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe("editing a location while stock is written there", () => {
  it("neither waits for nor deadlocks with a transaction writing ledger rows at two locations in its own order", async () => {
    const [one, two] = await makeLocations([90, 91]);
    const [lo, hi] = [one!, two!].sort((x, y) => (x.id < y.id ? -1 : 1)) as [typeof one & {}, typeof two & {}];
    const product = await makeProduct(0);
    const raw = rawSql({ max: 1 });
    try {
      // A transfer, restock or hold writes its ledger rows in the order of its entries, not of location ids: the
      // foreign key to `locations` takes a key-share lock on each row as it goes. Here: the higher id first.
      const writer = raw.begin(async (tx) => {
        const row = (locationId: string) => tx`
          insert into stock_movements (product_id, variant_id, location_id, kind, on_hand_delta, reason)
          values (${product.id}, ${product.variantId}, ${locationId}, 'receive', 0, 'written while the admin edits')`;
        await row(hi.id);
        // The admin renames the lower one meanwhile; it must not wait for this transaction…
        await within(updateLocation(lo.id, { name: `${lo.name} renamed` }), 5_000, "renaming a location while stock is written there");
        await within(updateLocation(hi.id, { priority: 92 }), 5_000, "re-prioritising a location while stock is written there");
        // …and this transaction's next row (at the lower id) must not wait for the admin's.
        await row(lo.id);
        throw new Error("roll back");
      });
      const error = await writer.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(postgresErrorOf(error).code ?? (error as Error).message).toBe("roll back");
    } finally {
      await raw.end();
    }
    const names = await db.execute<{ id: string; name: string; priority: number }>(sql`
      select id, name, priority from locations where id in (${lo.id}, ${hi.id}) order by id`);
    expect(names.map((n) => [n.name, n.priority])).toEqual([
      [`${lo.name} renamed`, lo.priority],
      [hi.name, 92],
    ]);
  });

  it("deactivating never waits for a transaction key-share-locking locations (a foreign key check), and holds then skip it", async () => {
    const [near, far] = await makeLocations([95, 96]);
    const product = await makeProduct(0);
    await stockAt(product.id, product.variantId, { [near!.id]: 5, [far!.id]: 5 });
    const raw = rawSql({ max: 1 });
    try {
      const writer = raw.begin(async (tx) => {
        await tx`select 1 from locations where id = ${far!.id} for key share`;
        await within(updateLocation(near!.id, { active: false }), 5_000, "deactivating a location while stock is written at another");
        await tx`select 1 from locations where id = ${near!.id} for key share`;
      });
      await writer;
    } finally {
      await raw.end();
    }
    const [shopper] = await shoppersWithCarts([[{ productId: product.id, quantity: 2 }]]);
    const [held] = await holdCarts(db, [{ shopperId: shopper!.id, cartId: shopper!.cartId, email: shopper!.email }]);
    expect(held!.outcome).toBe("held");
    const rows = await db.execute<{ location_id: string }>(sql`select location_id from reservations where checkout_id = ${(held as { checkoutId: string }).checkoutId}`);
    expect(rows.map((r) => r.location_id)).toEqual([far!.id]);
  });
});

describe("locations and variants made at the same moment", () => {
  it("every variant has a stock row at every location", async () => {
    for (let round = 0; round < 3; round += 1) {
      const settled = await Promise.allSettled([
        ...Array.from({ length: 4 }, (_, k) => () => createLocation({ name: `Depot ${round}-${k}-${Math.random().toString(36).slice(2, 6)}` })),
        ...Array.from({ length: 12 }, (_, k) => () =>
          createProduct({ name: `Lamp ${round}-${k}-${Math.random().toString(36).slice(2, 6)}`, priceCents: 1000, onHand: 3, actorId: null }),
        ),
      ].map((make) => make()));
      expect(settled.flatMap((s) => (s.status === "rejected" ? [String(s.reason)] : []))).toEqual([]);
    }
    const [missing] = await db.execute<{ n: number }>(sql`
      select count(*)::int as n from product_variants v cross join locations l
      where not exists (select 1 from stock_levels s where s.variant_id = v.id and s.location_id = l.id)`);
    expect(missing!.n).toBe(0);
    expect((await reconcileStock()).problems).toEqual([]);
  });
});

describe("a transfer the shop cannot make", () => {
  it("is refused with the contract's error, and nothing moves", async () => {
    const [from, to, closed] = await makeLocations([150, 151, 152]);
    const product = await makeProduct(0);
    await stockAt(product.id, product.variantId, { [from!.id]: 5 });
    await updateLocation(closed!.id, { active: false });
    const [shopper] = await shoppersWithCarts([[{ productId: product.id, quantity: 2 }]]);
    await holdCarts(db, [{ shopperId: shopper!.id, cartId: shopper!.cartId, email: shopper!.email }]);
    const move = (change: Partial<Parameters<typeof transferStock>[0]>) =>
      transferStock({ variantId: product.variantId, fromLocationId: from!.id, toLocationId: to!.id, quantity: 1, reason: "rebalance", actorId: null, ...change });
    const before = await levelsAtOnly(product.variantId, [from!.id, to!.id, closed!.id]);

    for (const quantity of [0, -2, 1.5]) await expectDomainError(move({ quantity }), "invalid_request");
    await expectDomainError(move({ toLocationId: from!.id }), "invalid_request");
    await expectDomainError(move({ toLocationId: "00000000-0000-4000-8000-0000000000ff" }), "not_found");
    await expectDomainError(move({ fromLocationId: "not-a-location" }), "not_found");
    await expectDomainError(move({ toLocationId: closed!.id }), "location_inactive");
    // Two of the five are held: three are free.
    const tooMany = await expectDomainError(move({ quantity: 4 }), "invariant_violation");
    expect(tooMany.details).toMatchObject({ free: 3 });

    expect(await levelsAtOnly(product.variantId, [from!.id, to!.id, closed!.id])).toEqual(before);
    const [transfers] = await db.execute<{ n: number }>(sql`select count(*)::int as n from stock_movements where variant_id = ${product.variantId} and kind = 'transfer'`);
    expect(transfers!.n).toBe(0);
    // What is free moves, both ledger rows at once.
    const moved = await move({ quantity: 3 });
    expect(moved.from).toMatchObject({ locationId: from!.id, onHand: 2, reserved: 2, available: 0 });
    expect(moved.to).toMatchObject({ locationId: to!.id, onHand: 3, available: 3 });
    expect((await reconcileStock()).problems).toEqual([]);
  });
});

describe("a location the table would refuse", () => {
  it("is a 400 naming the field, and nothing is written", async () => {
    const [kept] = await makeLocations([160]);
    const count = async () => (await db.execute<{ n: number }>(sql`select count(*)::int as n from locations`))[0]!.n;
    const before = await count();
    for (const name of ["", "   ", "x".repeat(81)]) {
      expect((await expectDomainError(createLocation({ name }), "invalid_request")).details).toEqual({ field: "name" });
      expect((await expectDomainError(updateLocation(kept!.id, { name }), "invalid_request")).details).toEqual({ field: "name" });
    }
    for (const priority of [1.5, 1_000_001, -1_000_001, Number.NaN]) {
      expect((await expectDomainError(createLocation({ name: "Annex", priority }), "invalid_request")).details).toEqual({ field: "priority" });
      expect((await expectDomainError(updateLocation(kept!.id, { priority }), "invalid_request")).details).toEqual({ field: "priority" });
    }
    expect(await count()).toBe(before);
    const [row] = await db.execute<{ name: string; priority: number }>(sql`select name, priority from locations where id = ${kept!.id}`);
    expect(row).toEqual({ name: kept!.name, priority: 160 });
    // The bounds themselves are fine.
    const edge = await createLocation({ name: `${"y".repeat(78)}${Math.random().toString(36).slice(2, 4)}`, priority: -1_000_000 });
    expect(edge).toMatchObject({ priority: -1_000_000, active: true });
    await updateLocation(edge.id, { active: false });
  });
});
