/**
 * The line as the admin reads it (lib/admin/line.ts and the stock dashboard): each variant's line length, and the
 * hand-ons of the last hour with what became of each offer.
 */
import { vi } from "vitest";

vi.hoisted(() => {
  process.env.RATE_LIMIT_CHECKOUTS_PER_MINUTE = "0";
  process.env.RESERVATION_TTL_SECONDS = "900";
  process.env.RESERVATION_TTL_CONTENDED_SECONDS = "300";
});

import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "@/db/client";
import { cancelCheckout, joinTheLine, startCheckout } from "@/lib/checkout";
import { lineLengths, recentHandOns } from "@/lib/admin/line";
import { stockOverview } from "@/lib/admin/stock";
import { TEST_CARDS } from "@/lib/payments";
import { separateDatabasesForFile } from "../support/db";
import { expectDomainError, makeProduct, onlyVariantOf, payInFull, shopperWithCart } from "../support/fixtures";

separateDatabasesForFile(2);

/** A product whose one unit a holder has in checkout, and `waiting` shoppers in line for it (oldest first). */
async function contended(waiting: number) {
  const product = await makeProduct(1);
  const holder = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
  const { checkout } = await startCheckout(holder, { email: holder.email });
  const tickets = [];
  for (let i = 0; i < waiting; i += 1) {
    const shopper = await shopperWithCart([{ productId: product.id, quantity: 1 }]);
    await expectDomainError(startCheckout(shopper, { email: shopper.email }), "insufficient_stock");
    tickets.push({ shopper, ticket: (await joinTheLine(shopper, { email: shopper.email })).ticket });
  }
  return { product, variantId: await onlyVariantOf(product.id), holder, checkout, tickets };
}

describe("the line on the stock dashboard", () => {
  it("counts the shoppers waiting for each variant, and the dashboard's variant rows carry it", async () => {
    const busy = await contended(2);
    const quiet = await makeProduct(3);
    const quietVariant = await onlyVariantOf(quiet.id);
    const lengths = await lineLengths([busy.variantId, quietVariant]);
    expect(lengths.get(busy.variantId)).toBe(2);
    expect(lengths.has(quietVariant)).toBe(false);

    const overview = await stockOverview({ q: busy.product.name, limit: 10 });
    expect(overview.products.find((p) => p.id === busy.product.id)?.variants).toEqual([expect.objectContaining({ id: busy.variantId, waiting: 2 })]);
    const quietOverview = await stockOverview({ q: quiet.name, limit: 10 });
    expect(quietOverview.products.find((p) => p.id === quiet.id)?.variants).toEqual([expect.objectContaining({ waiting: 0 })]);
  });

  it("lists the last hour's hand-ons, newest first, with the shopper, the items and what became of the offer", async () => {
    const line = await contended(2);
    // The holder cancels: the unit goes to the first of the two in line (the second keeps waiting), who pays for it.
    const [first] = line.tickets;
    await cancelCheckout(line.checkout.id, line.holder.id);
    let handOns = (await recentHandOns()).filter((h) => h.lines.some((l) => l.productId === line.product.id));
    expect(handOns).toEqual([
      expect.objectContaining({ ticketId: first!.ticket.id, email: first!.shopper.email, outcome: "held", lines: [expect.objectContaining({ productId: line.product.id, quantity: 1 })] }),
    ]);
    const offered = handOns[0]!.checkoutId!;
    await payInFull({ checkoutId: offered, shopperId: first!.shopper.id, cardNumber: TEST_CARDS.succeeds, idempotencyKey: `hand-on-${offered}` });
    handOns = (await recentHandOns()).filter((h) => h.lines.some((l) => l.productId === line.product.id));
    expect(handOns.map((h) => [h.ticketId, h.outcome])).toEqual([[first!.ticket.id, "paid"]]);

    // An offer made more than an hour ago is no longer listed.
    await db.execute(sql`update queue_tickets set offered_at = now() - interval '61 minutes' where id = ${first!.ticket.id}`);
    handOns = (await recentHandOns()).filter((h) => h.lines.some((l) => l.productId === line.product.id));
    expect(handOns).toEqual([]);
  });
});
