/**
 * Kits as the admin reads them over HTTP: the stock dashboard's answer lists a kit (no stock rows of its own) with
 * the kits its components allow and each component, and keeps it out of the totals (its units are its
 * components', counted once, under their own products); the kit builder's live read answers for a kit being
 * put together.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { startCheckout } from "@/lib/checkout";
import { makeProduct } from "../support/fixtures";
import { shopperWithVariantCart } from "../support/variants";
import { adminApiForFile } from "./admin-helpers";
import { HttpClient } from "../support/http";

const { get, post, baseUrl } = adminApiForFile();

async function variantOf(productId: string): Promise<{ id: string; sku: string }> {
  const [row] = await db.execute<{ id: string; sku: string }>(sql`select id, sku from product_variants where product_id = ${productId}`);
  return row!;
}

type KitRow = { id: string; onHand: number; reserved: number; allocated: number; available: number; low: boolean; soldOut: boolean; kit: unknown; variants: unknown[] };

describe("kits on the stock dashboard (GET /api/admin/stock)", () => {
  it("lists a kit with the kits its components allow and each component, and leaves it out of the totals", async () => {
    // This file's database starts empty and this is its first test: these are every product there is.
    const mug = await makeProduct(10);
    const lamp = await makeProduct(3);
    const made = await post("/api/admin/products", {
      name: "Desk Gift Set",
      priceCents: 4500,
      kit: [
        { variantId: mug.variantId, quantity: 2 },
        { variantId: lamp.variantId, quantity: 1 },
      ],
    });
    expect(made.status).toBe(201);
    const kitVariant = await variantOf(made.body.product.id);
    // One kit held: 2 mugs and 1 lamp reserved on the components' own rows.
    const shopper = await shopperWithVariantCart([{ variantId: kitVariant.id, quantity: 1 }]);
    await startCheckout(shopper, { email: shopper.email });

    const response = await get("/api/admin/stock");
    expect(response.status).toBe(200);
    const byId = new Map<string, KitRow>(response.body.products.map((p: KitRow) => [p.id, p]));
    expect(byId.get(mug.id)).toMatchObject({ onHand: 10, reserved: 2, available: 8, kit: null });
    expect(byId.get(lamp.id)).toMatchObject({ onHand: 3, reserved: 1, available: 2, kit: null });
    // 8 mugs make 4 kits, 2 lamps make 2: 2 kits, low (at most 3), none of its own on hand, held or sold.
    expect(byId.get(made.body.product.id)).toMatchObject({
      onHand: 0,
      reserved: 0,
      allocated: 0,
      available: 2,
      low: true,
      soldOut: false,
      variants: [],
      kit: {
        variantId: kitVariant.id,
        sku: kitVariant.sku,
        available: 2,
        components: [
          { variantId: mug.variantId, productId: mug.id, quantity: 2, available: 8, kits: 4 },
          { variantId: lamp.variantId, productId: lamp.id, quantity: 1, available: 2, kits: 2 },
        ],
      },
    });
    // The held units are counted once, on the components; the kit adds no units. It is low (2 kits), as the lamp is.
    expect(response.body.totals).toEqual({ products: 3, onHand: 13, reserved: 3, allocated: 0, available: 10, low: 2, soldOut: 0, held: 2 });

    // The dashboard's own page (searched) answers the same for the kit.
    const page = await get(`/api/admin/stock?q=${encodeURIComponent("Desk Gift")}&limit=10`);
    expect(page.status).toBe(200);
    expect(page.body.products).toHaveLength(1);
    expect(page.body.products[0]).toMatchObject({ id: made.body.product.id, available: 2, kit: { available: 2 } });
    expect(page.body.totals).toEqual(response.body.totals);

    // The low filter lists it beside the lamp; once its lamps are gone, the sold-out filter does.
    const low = await get("/api/admin/stock?filter=low");
    expect(low.body.products.map((p: KitRow) => p.id).sort()).toEqual([lamp.id, made.body.product.id].sort());
    const lampHolder = await shopperWithVariantCart([{ variantId: lamp.variantId, quantity: 2 }]);
    await startCheckout(lampHolder, { email: lampHolder.email });
    const soldOut = await get("/api/admin/stock?filter=sold_out");
    expect(soldOut.body.products.map((p: KitRow) => p.id).sort()).toEqual([lamp.id, made.body.product.id].sort());
    expect(soldOut.body.products.find((p: KitRow) => p.id === made.body.product.id)).toMatchObject({ available: 0, soldOut: true });
    expect(soldOut.body.totals).toMatchObject({ onHand: 13, reserved: 5, available: 8, low: 0, soldOut: 2 });
  });
});

describe("the kit builder's live read (GET /api/admin/kits/availability)", () => {
  it("answers how many of a kit being put together could be sold, and what each component allows", async () => {
    const cup = await makeProduct(7);
    const saucer = await makeProduct(4);
    const response = await get(`/api/admin/kits/availability?components=${cup.variantId}:2,${saucer.variantId}:1`);
    expect(response.status).toBe(200);
    expect(response.body.kit).toMatchObject({
      available: 3,
      components: [
        { variantId: cup.variantId, quantity: 2, available: 7, kits: 3 },
        { variantId: saucer.variantId, quantity: 1, available: 4, kits: 4 },
      ],
    });
  });

  it("refuses a kit as a component (400 kit_in_kit), a malformed list or zero quantity (400), and anyone but the admin", async () => {
    const spoon = await makeProduct(5);
    const kit = await post("/api/admin/products", { name: "Spoon Pair", priceCents: 900, kit: [{ variantId: spoon.variantId, quantity: 2 }] });
    expect(kit.status).toBe(201);
    const kitVariant = await variantOf(kit.body.product.id);

    const inKit = await get(`/api/admin/kits/availability?components=${kitVariant.id}:1`);
    expect(inKit.status).toBe(400);
    expect(inKit.body.error.code).toBe("kit_in_kit");
    for (const components of ["", "nonsense", `${spoon.variantId}:0`, `${spoon.variantId}`]) {
      const bad = await get(`/api/admin/kits/availability?components=${encodeURIComponent(components)}`);
      expect(bad.status, components).toBe(400);
      expect(bad.body.error.code, components).toBe("invalid_request");
    }
    const stranger = await new HttpClient(baseUrl()).get(`/api/admin/kits/availability?components=${spoon.variantId}:1`);
    expect([401, 403]).toContain(stranger.status);
  });
});
