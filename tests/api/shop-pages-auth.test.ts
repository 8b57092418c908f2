/**
 * Over real HTTP against the built app: signing in through Auth.js merges the guest's cart, and the shop's
 * pages render live stock and keep other shoppers' checkouts and orders out of sight.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createAccount } from "@/lib/accounts/shoppers";
import { appForFile } from "../support/app-for-file";
import { HttpClient, sessionCookieOf, signIn } from "../support/http";
import { levels, makeProduct } from "../support/fixtures";
import { CARDS, pay, shopperWithLines, startedCheckout } from "./shop-support";

const app = appForFile();

async function newAccount() {
  const email = `shopper-${randomUUID().slice(0, 8)}@example.test`;
  const password = "correct horse battery";
  await createAccount({ email, password, name: "Test Shopper" });
  return { email, password };
}


describe("signing in", () => {
  it("merges the guest's cart into the account and drops the guest cookie", async () => {
    const a = await makeProduct(10, 100);
    const b = await makeProduct(10, 200);
    const { email, password } = await newAccount();

    // The account already has a line of product a from an earlier visit.
    const earlier = new HttpClient(app.baseUrl);
    expect((await signIn(earlier, { email: email, password: password })).status).toBe(302);
    expect(sessionCookieOf(earlier)).toBeTruthy();
    expect((await earlier.post("/api/cart/lines", { productId: a.id, quantity: 1 })).status).toBe(200);

    const browser = await shopperWithLines(app, [
      { productId: a.id, quantity: 2 },
      { productId: b.id, quantity: 1 },
    ]);
    expect(browser.cookie("stockhold_guest")).toBeTruthy();
    const signedIn = await signIn(browser, { email: email, password: password });
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.get("location")).not.toMatch(/error/i);
    expect(sessionCookieOf(browser)).toBeTruthy();
    expect(browser.cookie("stockhold_guest")).toBeUndefined();

    const cart = (await browser.get("/api/cart")).body.cart;
    expect(cart.lines).toHaveLength(2);
    expect(cart.lines).toContainEqual(expect.objectContaining({ productId: a.id, quantity: 3 }));
    expect(cart.lines).toContainEqual(expect.objectContaining({ productId: b.id, quantity: 1 }));
    expect(cart.subtotalCents).toBe(500);
    // The same account in another browser sees the same cart.
    expect((await earlier.get("/api/cart")).body.cart.subtotalCents).toBe(500);
  });

  it("releases a checkout the guest had in progress, so the account can hold the same items", async () => {
    const product = await makeProduct(2);
    const { email, password } = await newAccount();
    const browser = await shopperWithLines(app, [{ productId: product.id, quantity: 2 }]);
    const guestCheckout = await startedCheckout(browser);
    expect(await levels(product.id)).toMatchObject({ reserved: 2 });

    await signIn(browser, { email: email, password: password });
    expect(await levels(product.id)).toMatchObject({ reserved: 0 });
    expect((await browser.get(`/api/checkout/${guestCheckout.id}`)).status).toBe(404);
    // An account checks out with its own email: none needs to be given.
    const started = await browser.post("/api/checkout", {});
    expect(started.status, started.text).toBe(201);
    expect(await levels(product.id)).toMatchObject({ reserved: 2 });
  });

  it("refuses a wrong password and keeps the guest as they were", async () => {
    const product = await makeProduct(5);
    const { email } = await newAccount();
    const browser = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const refused = await signIn(browser, { email: email, password: "wrong password" });
    expect(refused.headers.get("location")).toMatch(/error=CredentialsSignin/);
    expect(sessionCookieOf(browser)).toBeUndefined();
    expect(browser.cookie("stockhold_guest")).toBeTruthy();
    expect((await browser.get("/api/cart")).body.cart.lines).toHaveLength(1);
  });
});

describe("pages", () => {
  it("render live availability on the catalogue and product pages", async () => {
    const inStock = await makeProduct(6);
    const soldOut = await makeProduct(0);
    const client = new HttpClient(app.baseUrl);
    const home = await client.get("/");
    expect(home.status).toBe(200);
    expect(home.text).toContain(inStock.name);
    expect(home.text).toContain("6 in stock");
    expect(home.text).toContain("Out of stock");

    const holder = await shopperWithLines(app, [{ productId: inStock.id, quantity: 2 }]);
    await startedCheckout(holder);
    const page = await client.get(`/products/${inStock.slug}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain("4 in stock");
    expect((await client.get(`/products/${soldOut.slug}`)).text).toContain("Out of stock");
    expect((await client.get("/products/no-such-thing")).status).toBe(404);
  });

  it("give visitors without an account the order lookup on /orders, with a way to sign in and back", async () => {
    const visitor = new HttpClient(app.baseUrl);
    const orders = await visitor.get("/orders");
    expect(orders.status).toBe(200);
    expect(orders.text).toContain("Find an order");
    expect(orders.text).toContain('href="/signin?callbackUrl=/orders"');
  });

  it("keep /signin's callbackUrl on this site", async () => {
    const visitor = new HttpClient(app.baseUrl);
    const local = await visitor.get("/signin?callbackUrl=%2Fadmin%2Fstock");
    expect(local.text).toMatch(/name="callbackUrl" value="\/admin\/stock"/);
    for (const foreign of ["https://evil.example/", "//evil.example", "/\\evil.example"]) {
      const page = await visitor.get(`/signin?callbackUrl=${encodeURIComponent(foreign)}`);
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/name="callbackUrl" value="\/"/);
    }
  });

  it("show a checkout and an order only to the shopper they belong to", async () => {
    const product = await makeProduct(5);
    const owner = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    const checkout = await startedCheckout(owner);
    const page = await owner.get(`/checkout/${checkout.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('role="timer"');
    expect(page.text).toContain(product.name);

    const other = await shopperWithLines(app, [{ productId: product.id, quantity: 1 }]);
    expect((await other.get(`/checkout/${checkout.id}`)).status).toBe(404);
    expect((await new HttpClient(app.baseUrl).get(`/checkout/${checkout.id}`)).status).toBe(404);

    const paid = await pay(owner, checkout.id, CARDS.pays);
    const orderId = paid.body.order.id as string;
    const confirmation = await owner.get(`/orders/${orderId}`);
    expect(confirmation.status).toBe(200);
    expect(confirmation.text).toContain(orderId.slice(0, 8));
    expect((await other.get(`/orders/${orderId}`)).status).toBe(404);
    expect((await other.get("/orders/not-an-order")).status).toBe(404);
  });
});
