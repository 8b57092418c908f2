/**
 * The per-line cap (MAX_QUANTITY_PER_LINE, 50 by default) at exactly the limit: 50 of one product fit, 51 never
 * do — over HTTP (adding, setting, checking out), in lib/cart setCartLineQuantity, and when signing in
 * merges a guest's cart into the account's (quantities add up to the cap and stop there).
 */
import { describe, expect, it } from "vitest";
import { addToCart, getCart, setCartLineQuantity } from "@/lib/cart";
import { handOverGuest } from "@/lib/checkout";
import { createGuest } from "@/lib/accounts/shoppers";
import { appForFile } from "../support/app-for-file";
import { expectDomainError, makeProduct } from "../support/fixtures";
import { HttpClient, signIn } from "../support/http";
import { makeAccount } from "./admin-helpers";
import { expectError, startedCheckout } from "./shop-support";

const CAP = 50;
const app = appForFile();

const quantitiesOf = async (client: HttpClient): Promise<[string, number][]> =>
  ((await client.get("/api/cart")).body.cart.lines as { productId: string; quantity: number }[]).map((l) => [l.productId, l.quantity]);

describe(`a cart line at exactly ${CAP} over HTTP`, () => {
  it(`takes ${CAP} in one add and in one set, refuses ${CAP + 1} either way, and holds all ${CAP} at checkout`, async () => {
    const product = await makeProduct(200);
    const adder = new HttpClient(app.baseUrl);
    expect((await adder.post("/api/cart/lines", { productId: product.id, quantity: CAP })).status).toBe(200);
    expectError(await adder.post("/api/cart/lines", { productId: product.id, quantity: 1 }), 400, "quantity_limit");
    expect(await quantitiesOf(adder)).toEqual([[product.id, CAP]]);
    const held = await startedCheckout(adder);
    expect(held.lines).toEqual([expect.objectContaining({ productId: product.id, quantity: CAP })]);

    const setter = new HttpClient(app.baseUrl);
    expect((await setter.put(`/api/cart/lines/${product.id}`, { quantity: CAP })).status).toBe(200);
    expect((await setter.put(`/api/cart/lines/${product.id}`, { quantity: CAP + 1 })).status).toBe(400);
    expect((await setter.post("/api/cart/lines", { productId: product.id, quantity: CAP + 1 })).status).toBe(400);
    expect(await quantitiesOf(setter)).toEqual([[product.id, CAP]]);
  });

  it(`adds up to ${CAP} in steps, and the step past it is refused`, async () => {
    const product = await makeProduct(200);
    const client = new HttpClient(app.baseUrl);
    expect((await client.post("/api/cart/lines", { productId: product.id, quantity: CAP - 1 })).status).toBe(200);
    expect((await client.post("/api/cart/lines", { productId: product.id, quantity: 1 })).status).toBe(200);
    expectError(await client.post("/api/cart/lines", { productId: product.id, quantity: 1 }), 400, "quantity_limit");
    expect(await quantitiesOf(client)).toEqual([[product.id, CAP]]);
  });
});

describe(`setCartLineQuantity at exactly ${CAP}`, () => {
  it(`sets ${CAP} and refuses ${CAP + 1} with quantity_limit, leaving the line as it was`, async () => {
    const product = await makeProduct(200);
    const guest = await createGuest();
    expect((await setCartLineQuantity(guest.id, product.id, CAP)).lines.map((l) => l.quantity)).toEqual([CAP]);
    await expectDomainError(setCartLineQuantity(guest.id, product.id, CAP + 1), "quantity_limit");
    expect((await getCart(guest.id)).lines.map((l) => l.quantity)).toEqual([CAP]);
  });
});

describe(`signing in merges carts up to exactly ${CAP} a line`, () => {
  it("adds the guest's lines to the account's, capped at the limit, over HTTP", async () => {
    const [atCap, overCap, under] = [await makeProduct(200), await makeProduct(200), await makeProduct(200)];
    const account = await makeAccount("shopper");
    await addToCart(account.id, atCap.id, 20);
    await addToCart(account.id, overCap.id, 30);
    await addToCart(account.id, under.id, 10);

    const browser = new HttpClient(app.baseUrl);
    for (const [product, quantity] of [[atCap, 30], [overCap, 30], [under, 10]] as const) {
      expect((await browser.post("/api/cart/lines", { productId: product.id, quantity })).status).toBe(200);
    }
    expect((await signIn(browser, account)).status).toBe(302);

    const merged = new Map(await quantitiesOf(browser));
    // 20 + 30 is exactly the cap; 30 + 30 stops at it; 10 + 10 is simply added.
    expect(merged).toEqual(new Map([[atCap.id, CAP], [overCap.id, CAP], [under.id, 20]]));
  });

  it(`the sign-in hand-over caps each merged line at ${CAP}`, async () => {
    const product = await makeProduct(200);
    const [guest, owner] = [await createGuest(), await createGuest()];
    await setCartLineQuantity(guest.id, product.id, CAP);
    await setCartLineQuantity(owner.id, product.id, 1);
    await handOverGuest(guest.id, owner.id);
    expect((await getCart(owner.id)).lines.map((l) => l.quantity)).toEqual([CAP]);
    expect((await getCart(guest.id)).lines).toEqual([]);
  });
});
