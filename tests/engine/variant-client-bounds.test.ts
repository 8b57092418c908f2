/**
 * What one client address may hold of a product sold in sizes (RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR) counts
 * the product's units whichever sizes they are: a scalper cannot pass the bound by spreading over sizes, and
 * the bound of one product never touches another's.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  process.env.MAX_QUANTITY_PER_LINE = "3";
  process.env.RATE_LIMIT_UNITS_PER_IP_PER_PRODUCT_PER_HOUR = "4";
  process.env.RATE_LIMIT_CHECKOUTS_PER_IP_PER_HOUR = "0";
});

import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { holdCarts, reconcileStock } from "@/lib/inventory";
import { makeProductWithVariants, shoppersWithVariantCarts, variantLevels } from "../support/variants";

afterAll(() => pool.end());

const address = () => `198.51.100.${1 + Math.floor(Math.random() * 250)}-${randomUUID().slice(0, 8)}`;

async function startFrom(from: string, lines: { variantId: string; quantity: number }[]) {
  const [shopper] = await shoppersWithVariantCarts([lines]);
  const [outcome] = await holdCarts(db, [{ shopperId: shopper!.id, email: shopper!.email, clientAddress: from }]);
  return outcome!;
}

describe("units of a product in sizes held from one address", () => {
  it("count every size of the product together, and no other product's", async () => {
    const shirt = await makeProductWithVariants({ S: 10, M: 10, L: 10 });
    const mug = await makeProductWithVariants({ Red: 10, Blue: 10 }, { optionName: "Colour" });
    const { S, M, L } = shirt.variants;
    const from = address();

    expect((await startFrom(from, [{ variantId: M!.id, quantity: 3 }])).outcome).toBe("held");
    // 3 Ms and 2 Ls would be 5 of the shirt: refused, naming the shirt.
    expect(await startFrom(from, [{ variantId: L!.id, quantity: 2 }])).toMatchObject({ outcome: "rate_limited", per: "address", productId: shirt.id });
    // One more of any size fits (4 in all); the mug has its own bound.
    expect((await startFrom(from, [{ variantId: S!.id, quantity: 1 }])).outcome).toBe("held");
    expect((await startFrom(from, [{ variantId: mug.variants.Red!.id, quantity: 2 }, { variantId: mug.variants.Blue!.id, quantity: 2 }])).outcome).toBe("held");
    expect(await startFrom(from, [{ variantId: S!.id, quantity: 1 }])).toMatchObject({ outcome: "rate_limited", productId: shirt.id });

    expect(await variantLevels(M!.id)).toMatchObject({ reserved: 3 });
    expect(await variantLevels(L!.id)).toMatchObject({ reserved: 0 });
    expect(await variantLevels(S!.id)).toMatchObject({ reserved: 1 });
    expect((await reconcileStock()).problems).toEqual([]);
  });

  it("one cart spreading over sizes is counted whole: two sizes of 2 and 3 from a fresh address are refused", async () => {
    const shirt = await makeProductWithVariants({ M: 10, L: 10 });
    const { M, L } = shirt.variants;

    const refused = await startFrom(address(), [
      { variantId: M!.id, quantity: 2 },
      { variantId: L!.id, quantity: 3 },
    ]);
    const held = await startFrom(address(), [
      { variantId: M!.id, quantity: 2 },
      { variantId: L!.id, quantity: 2 },
    ]);

    expect(refused).toMatchObject({ outcome: "rate_limited", per: "address", productId: shirt.id });
    expect(held.outcome).toBe("held");
    expect(await variantLevels(M!.id)).toMatchObject({ reserved: 2 });
    expect(await variantLevels(L!.id)).toMatchObject({ reserved: 2 });
  });
});
