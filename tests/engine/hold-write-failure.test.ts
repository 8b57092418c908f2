/**
 * A batch's writes travel with its COMMIT (lib/inventory/hold/batch.ts): if PostgreSQL refuses one of them, the whole
 * batch must be rolled back and no shopper told "held" — neither by the batch nor by the one-by-one retry.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
});

import { afterAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { startCheckout } from "@/lib/checkout";
import { holdCarts, reconcileStock } from "@/lib/inventory";
import { postgresErrorOf, rawSql } from "../support/db";
import { levels, makeProduct, shoppersWithCarts } from "../support/fixtures";

const raw = rawSql({ max: 2 });

afterAll(async () => {
  await raw.end();
  await pool.end();
});

/** Makes the database refuse the ledger rows of one product while `body` runs (the batch's last writes). */
async function withLedgerRefusedFor<T>(productId: string, body: () => Promise<T>): Promise<T> {
  await raw.unsafe(`
    create or replace function test_refuse_ledger() returns trigger language plpgsql as $$
    begin
      if new.product_id = '${productId}' then raise exception 'ledger row refused for this test'; end if;
      return new;
    end $$;
    create trigger test_refuse_ledger before insert on stock_movements
      for each row execute function test_refuse_ledger();`);
  try {
    return await body();
  } finally {
    await raw.unsafe(`drop trigger test_refuse_ledger on stock_movements; drop function test_refuse_ledger();`);
  }
}

const holdsOn = async (productId: string) =>
  (await raw`select count(*)::int as n from reservations where product_id = ${productId}`)[0]!.n as number;
const checkoutsOf = async (shopperIds: string[]) =>
  (await raw`select count(*)::int as n from checkouts where shopper_id = any(${shopperIds}::uuid[])`)[0]!.n as number;

describe("a write refused by the database", () => {
  it("rolls the whole batch back and answers no shopper held", async () => {
    const product = await makeProduct(10);
    const shoppers = await shoppersWithCarts(Array.from({ length: 4 }, () => [{ productId: product.id, quantity: 1 }]));

    const batch = await withLedgerRefusedFor(product.id, () =>
      holdCarts(
        db,
        shoppers.map((s) => ({ shopperId: s.id, email: s.email })),
      ).then(
        () => "answered",
        (error: unknown) => error,
      ),
    );
    expect(batch, "a batch whose writes failed was answered").toBeInstanceOf(Error);
    expect(postgresErrorOf(batch)).toMatchObject({ code: "P0001", message: "ledger row refused for this test" });

    // Nothing of the batch is in the database: the COMMIT behind the refused write rolled everything back.
    expect(await holdsOn(product.id)).toBe(0);
    expect(await checkoutsOf(shoppers.map((s) => s.id))).toBe(0);
    expect(await levels(product.id)).toMatchObject({ on_hand: 10, reserved: 0, allocated: 0 });
  });

  it("fails every checkout start of the batch, retried one by one, and then holds once the database accepts", async () => {
    const product = await makeProduct(10);
    const shoppers = await shoppersWithCarts(Array.from({ length: 5 }, () => [{ productId: product.id, quantity: 2 }]));

    const refused = await withLedgerRefusedFor(product.id, () =>
      Promise.allSettled(shoppers.map((s) => startCheckout(s, { email: s.email }))),
    );
    expect(refused.map((r) => r.status)).toEqual(shoppers.map(() => "rejected"));
    expect(await holdsOn(product.id)).toBe(0);
    expect(await levels(product.id)).toMatchObject({ reserved: 0 });

    const held = await Promise.all(shoppers.map((s) => startCheckout(s, { email: s.email })));
    expect(held.map((h) => h.created)).toEqual(shoppers.map(() => true));
    expect(await levels(product.id)).toMatchObject({ on_hand: 10, reserved: 10 });
    expect(await reconcileStock()).toMatchObject({ ok: true, problems: [] });
  });
});
