/**
 * Holds on the real clock, with short limits: a 2-second inactivity expiry and a 4-second hard cap. The tests wait
 * for the database's clock to pass the limits; nothing is moved by hand.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RESERVATION_TTL_SECONDS = "2";
  process.env.RESERVATION_MAX_SECONDS = "4";
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
});

import { sql } from "drizzle-orm";
import { afterAll, describe, it } from "vitest";
import { db, pool } from "@/db/client";
import { getCheckout, recordCheckoutActivity, startCheckout, InsufficientStockError } from "@/lib/checkout";
import { listStockLevels, reconcileStock } from "@/lib/inventory";
import {
  checkoutStatus,
  databaseNow,
  expectDomainError,
  levels,
  makeProduct,
  movements,
  shopperWithCart,
} from "../support/fixtures";

const TTL_MS = 2000;
const MAX_MS = 4000;

afterAll(() => pool.end());

/** Waits until the database clock reaches `instant` (ms since the epoch). */
async function waitForDatabaseTime(instant: number) {
  for (;;) {
    const left = instant - (await databaseNow());
    if (left <= 0) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(left + 5, 250)));
  }
}

async function holdExpiries(checkoutId: string) {
  const rows = await db.execute<{ expires_at: string }>(sql`
    select to_json(expires_at) #>> '{}' as expires_at from reservations where checkout_id = ${checkoutId}`);
  return rows.map((r) => new Date(r.expires_at).toISOString());
}

// The three scenarios wait on the clock independently, so they run side by side to keep the file short.
describe.concurrent("hold expiry on the database clock (TTL 2 s, cap 4 s)", () => {
  it("activity slides the checkout's and every hold's expiry to the database's now + TTL", async ({ expect }) => {
    const [a, b] = [await makeProduct(5), await makeProduct(5)];
    const shopper = await shopperWithCart([
      { productId: a.id, quantity: 1 },
      { productId: b.id, quantity: 2 },
    ]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    const started = new Date(checkout.startedAt).getTime();
    expect(new Date(checkout.expiresAt).getTime() - started).toBe(TTL_MS);
    expect(new Date(checkout.hardExpiresAt).getTime() - started).toBe(MAX_MS);

    await waitForDatabaseTime(started + 1000);
    const before = await databaseNow();
    const touched = await recordCheckoutActivity(checkout.id, shopper.id, { details: { name: "Ada" } });
    const after = await databaseNow();

    const slid = new Date(touched.expiresAt).getTime();
    expect(slid).toBeGreaterThanOrEqual(before + TTL_MS - 1);
    expect(slid).toBeLessThanOrEqual(after + TTL_MS + 1);
    expect(slid).toBeGreaterThan(new Date(checkout.expiresAt).getTime());
    expect(touched.status).toBe("active");
    expect(touched.details).toEqual({ name: "Ada" });
    expect(await holdExpiries(checkout.id)).toEqual([touched.expiresAt, touched.expiresAt]);
    // Still held past the original expiry, because of the activity.
    await waitForDatabaseTime(new Date(checkout.expiresAt).getTime() + 100);
    expect((await getCheckout(checkout.id, shopper.id)).status).toBe("active");
    expect(await levels(a.id)).toMatchObject({ reserved: 1 });
  });

  it("activity never pushes the expiry past started_at + MAX; after the cap the hold is released and activity answers checkout_expired", async ({
    expect,
  }) => {
    const product = await makeProduct(3);
    const shopper = await shopperWithCart([{ productId: product.id, quantity: 2 }]);
    const { checkout } = await startCheckout(shopper, { email: shopper.email });
    const started = new Date(checkout.startedAt).getTime();
    const cap = new Date(checkout.hardExpiresAt).getTime();
    expect(cap - started).toBe(MAX_MS);

    await waitForDatabaseTime(started + 1000);
    const first = await recordCheckoutActivity(checkout.id, shopper.id);
    expect(new Date(first.expiresAt).getTime()).toBeLessThan(cap);

    // now + TTL would be past the cap: the expiry stops exactly at the cap.
    await waitForDatabaseTime(started + 2500);
    const capped = await recordCheckoutActivity(checkout.id, shopper.id);
    expect(capped.expiresAt).toBe(checkout.hardExpiresAt);
    expect(capped.hardExpiresAt).toBe(checkout.hardExpiresAt);
    expect(await holdExpiries(checkout.id)).toEqual([checkout.hardExpiresAt]);

    await waitForDatabaseTime(cap + 50);
    await expectDomainError(recordCheckoutActivity(checkout.id, shopper.id), "checkout_expired");
    expect(await levels(product.id)).toEqual({ on_hand: 3, reserved: 0, allocated: 0 });
    expect(await checkoutStatus(checkout.id)).toBe("expired");
    expect(await movements({ checkoutId: checkout.id, kind: "expire" })).toHaveLength(1);
    // Asking again changes nothing: the hold was released once.
    await expectDomainError(recordCheckoutActivity(checkout.id, shopper.id), "checkout_expired");
    expect(await movements({ checkoutId: checkout.id, kind: "expire" })).toHaveLength(1);
  });

  it("a hold that runs out with no cron run frees its units for the next shopper", async ({ expect }) => {
    const product = await makeProduct(2);
    const first = await shopperWithCart([{ productId: product.id, quantity: 2 }]);
    const second = await shopperWithCart([{ productId: product.id, quantity: 2 }]);
    const { checkout } = await startCheckout(first, { email: first.email });

    const refused = await expectDomainError(startCheckout(second, { email: second.email }), "insufficient_stock");
    expect((refused as InsufficientStockError).lines).toEqual([{ productId: product.id, variantId: product.variantId, sku: product.slug.toUpperCase(), requested: 2, available: 0 }]);

    await waitForDatabaseTime(new Date(checkout.expiresAt).getTime() + 50);
    // No sweep has run: the row still counts the hold, but shoppers already see the units as free.
    expect(await levels(product.id)).toMatchObject({ reserved: 2 });
    const shown = (await listStockLevels()).find((l) => l.id === product.id)!;
    expect(shown).toMatchObject({ onHand: 2, reserved: 0, available: 2 });
    expect((await getCheckout(checkout.id, first.id)).status).toBe("expired");

    const taken = await startCheckout(second, { email: second.email });
    expect(taken.created).toBe(true);
    expect(await levels(product.id)).toEqual({ on_hand: 2, reserved: 2, allocated: 0 });
    expect(await movements({ checkoutId: checkout.id, kind: "expire" })).toHaveLength(1);
    expect(await reconcileStock()).toMatchObject({ ok: true });
  });
});
