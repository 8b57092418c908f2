/**
 * The order confirmation says when a pre-ordered line ships: "Ships around 14 March" beside each line whose units
 * wait for a delivery (text and HTML), and nothing beside a line on the shelf.
 */
import { eq, sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { db, pool } from "@/db/client";
import { emailOutbox } from "@/db/schema";
import { createProduct } from "@/lib/catalog/products";
import { shipDayInWords } from "@/lib/catalog/ship-date";
import { startCheckout } from "@/lib/checkout";
import { recordIncoming } from "@/lib/inventory";
import { TEST_CARDS } from "@/lib/payments";
import { onlyVariantOf, payInFull } from "../support/fixtures";
import { shopperWithVariantCart } from "../support/variants";

afterAll(async () => {
  await pool.end();
});

let counter = 0;
async function makeVariant(name: string, onHand: number, preorder: boolean) {
  counter += 1;
  const slug = `confirm-${counter}-${Math.random().toString(36).slice(2, 8)}`;
  const product = await createProduct({ name, slug, priceCents: 1500, variants: [{ sku: slug.toUpperCase(), options: {}, onHand, preorder }], actorId: null });
  return { productId: product.id, variantId: await onlyVariantOf(product.id) };
}

/** A day `days` from the database's today (YYYY-MM-DD). */
async function dayFromNow(days: number): Promise<string> {
  const [row] = await db.execute<{ day: string }>(sql`select (current_date + ${days}::int)::text as day`);
  return row!.day;
}

describe("order confirmation of a pre-order", () => {
  it("says per line when a pre-ordered line ships, and nothing for a line on the shelf", async () => {
    const lamp = await makeVariant("Harbour Lamp", 1, true);
    const mug = await makeVariant("Plain Mug", 3, false);
    const day = await dayFromNow(25);
    await recordIncoming({ productId: lamp.productId, quantity: 4, expectedAt: day, actorId: null });

    // Two lamps: one from the shelf, one against the delivery; the line ships when its last unit comes.
    const buyer = await shopperWithVariantCart([
      { variantId: lamp.variantId, quantity: 2 },
      { variantId: mug.variantId, quantity: 1 },
    ]);
    const { checkout } = await startCheckout(buyer, { email: buyer.email });
    const order = await payInFull({ checkoutId: checkout.id, shopperId: buyer.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: `confirm-${checkout.id}` });

    const [email] = await db.select({ text: emailOutbox.textBody, html: emailOutbox.htmlBody }).from(emailOutbox).where(eq(emailOutbox.dedupeKey, `order:${order.id}`));
    expect(email).toBeDefined();
    const words = `Ships around ${shipDayInWords(day)}`;
    const lines = email!.text.split("\n");
    expect(lines.find((l) => l.includes("Harbour Lamp"))).toBe(`2 × Harbour Lamp — $30.00 (${words})`);
    expect(lines.find((l) => l.includes("Plain Mug"))).toBe("1 × Plain Mug — $15.00");
    expect(email!.html).toContain(`2 × Harbour Lamp<br><small>${words}</small>`);
    expect(email!.html.match(/Ships around/g)).toHaveLength(1);
  });
});
