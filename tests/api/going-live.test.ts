/**
 * Going live honestly: test-card hints only with the test provider; a checkout page that is never served from a
 * cache; and, when the shop ships goods (SHOP_SHIPS_GOODS, the default), no payment without a delivery address
 * — name, address, postcode, city and a country from the list — which the order then shows everywhere.
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pool } from "@/db/client";
import { callAction, serverActions } from "../faults/support";
import { startApp, TEST_ADMIN_TOKEN, type RunningApp } from "../support/app-server";
import { makeProduct } from "../support/fixtures";
import { CARDS, expectError, pay, shopperWithLines, startedCheckout } from "./shop-support";

const sql = postgres(process.env.DATABASE_URL!, { max: 2, onnotice: () => {} });
let app: RunningApp;
let stripeApp: RunningApp;
let noShippingApp: RunningApp;

beforeAll(async () => {
  [app, stripeApp, noShippingApp] = await Promise.all([
    startApp(),
    // Stripe on, with dummy keys and an API host that is never reached: the pages below never call Stripe.
    startApp({
      PAYMENT_PROVIDER: "stripe",
      STRIPE_SECRET_KEY: "sk_test_dummy_0123456789",
      STRIPE_PUBLISHABLE_KEY: "pk_test_dummy_0123456789",
      STRIPE_WEBHOOK_SECRET: "whsec_dummy_0123456789",
      STRIPE_API_HOST: "127.0.0.1",
      STRIPE_API_PORT: "9",
      STRIPE_API_PROTOCOL: "http",
    }),
    startApp({ SHOP_SHIPS_GOODS: "false" }),
  ]);
});

afterAll(async () => {
  await Promise.all([app?.stop(), stripeApp?.stop(), noShippingApp?.stop()]);
  await sql.end();
  await pool.end();
});

const ADA = { name: "Ada Lovelace", address: "12 Analytical Row", postcode: "N1 9GU", city: "London", country: "GB" };
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

async function paymentsOf(checkoutId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from payments where checkout_id = ${checkoutId}`;
  return row!.n;
}

async function checkoutFor(running: RunningApp) {
  const product = await makeProduct(5, 1500);
  const shopper = await shopperWithLines(running, [{ productId: product.id, quantity: 1 }]);
  const checkout = await startedCheckout(shopper);
  return { product, shopper, checkout };
}

describe("the footer's test cards", () => {
  it("are shown with the test provider", async () => {
    const { shopper, checkout } = await checkoutFor(app);
    for (const page of ["/", "/cart", "/signin", `/checkout/${checkout.id}`]) {
      const answer = await shopper.get(page);
      expect(answer.status, page).toBe(200);
      expect(answer.text, page).toMatch(/test cards: 4242 4242 4242 4242 pays/);
    }
  });

  it("are mentioned nowhere with Stripe", async () => {
    const { shopper, checkout } = await checkoutFor(stripeApp);
    for (const page of ["/", "/cart", "/signin", "/orders", `/checkout/${checkout.id}`]) {
      const answer = await shopper.get(page);
      expect(answer.status, page).toBe(200);
      expect(answer.text, page).not.toMatch(/test card/i);
      // A card number as shown to shoppers ("4242 4242 …" or "4242…"), not any "4242" in the page: server-action
      // ids are hashes and may contain those digits by chance.
      expect(answer.text, page).not.toMatch(/4242[ …]|4242424242424242/);
    }
  });
});

describe("the checkout page", () => {
  it("is never stored by the browser or a cache", async () => {
    const { shopper, checkout } = await checkoutFor(app);
    const answer = await shopper.get(`/checkout/${checkout.id}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("cache-control")).toMatch(/no-store/);
  });
});

describe("a shop that ships goods takes no payment without a delivery address", () => {
  it("the API refuses a country not on the list, with a message on the field", async () => {
    const { shopper, checkout } = await checkoutFor(app);
    const answer = await shopper.post(`/api/checkout/${checkout.id}/activity`, { country: "Narnia" });
    expectError(answer, 400, "invalid_request");
    expect(answer.body.error.issues).toEqual([{ path: ["country"], message: "Choose a country from the list." }]);
  });

  it("once any delivery detail was sent, pay needs them all, each named, and charges nothing until then", async () => {
    const { shopper, checkout } = await checkoutFor(app);
    expect((await shopper.post(`/api/checkout/${checkout.id}/activity`, { name: ADA.name, address: ADA.address })).status).toBe(200);

    const refused = await pay(shopper, checkout.id, CARDS.pays);
    expectError(refused, 400, "invalid_request");
    expect(refused.body.error.issues.map((i: { path: string[] }) => i.path[0]).sort()).toEqual(["city", "country", "postcode"]);
    expect(refused.body.error.issues.find((i: { path: string[] }) => i.path[0] === "postcode").message).toBe("Enter the postcode.");
    expect(await paymentsOf(checkout.id)).toBe(0);
    expect((await shopper.get(`/api/checkout/${checkout.id}`)).body.checkout.status).toBe("active");

    // The rest given with the payment itself: saved, paid, and the order carries the whole address.
    const paid = await shopper.post(
      `/api/checkout/${checkout.id}/pay`,
      { cardNumber: CARDS.pays, postcode: ADA.postcode, city: ADA.city, country: ADA.country },
      { "Idempotency-Key": randomUUID() },
    );
    expect(paid.status, paid.text).toBe(200);
    expect(paid.body.order.delivery).toEqual(ADA);
    const orderId: string = paid.body.order.id;

    const admin = await shopper.get(`/api/admin/orders/${orderId}`, ADMIN);
    expect(admin.body.order.delivery).toEqual(ADA);
    const page = (await shopper.get(`/orders/${orderId}`)).text;
    for (const part of [ADA.name, ADA.address, "N1 9GU London", "United Kingdom"]) expect(page).toContain(part);
  });

  it("pay with details that leave a field out is refused the same way", async () => {
    const { shopper, checkout } = await checkoutFor(app);
    const refused = await shopper.post(
      `/api/checkout/${checkout.id}/pay`,
      { cardNumber: CARDS.pays, ...ADA, city: "  " },
      { "Idempotency-Key": randomUUID() },
    );
    expectError(refused, 400, "invalid_request");
    expect(refused.body.error.issues).toEqual([{ path: ["city"], message: "Enter the city." }]);
    expect(await paymentsOf(checkout.id)).toBe(0);
  });

  it("a headless client that sends no delivery details pays as the contract has it", async () => {
    const { shopper, checkout } = await checkoutFor(app);
    const paid = await pay(shopper, checkout.id, CARDS.pays);
    expect(paid.status, paid.text).toBe(200);
    expect(paid.body.order).toMatchObject({ status: "paid", totalCents: 1500 });
  });

  it("the checkout form asks for every delivery field, each with its own message, and charges nothing", async () => {
    const { shopper, checkout } = await checkoutFor(app);
    const payAction = serverActions().get("app/checkout/actions.ts#payAction")!;
    const answer = await callAction(shopper, `/checkout/${checkout.id}`, payAction, {
      checkoutId: checkout.id,
      idempotencyKey: `checkout-${checkout.id}`,
      cardNumber: CARDS.pays,
      name: ADA.name,
      address: ADA.address,
      country: "",
    });
    expect(answer.status).toBe(200);
    expect(answer.state).toMatchObject({
      ok: false,
      fieldErrors: { postcode: ["Enter the postcode."], city: ["Enter the city."], country: ["Choose the country to deliver to."] },
    });
    expect((answer.state as { fieldErrors?: Record<string, string[]> }).fieldErrors?.name).toBeUndefined();
    expect(await paymentsOf(checkout.id)).toBe(0);
  });

  it("a shop that ships nothing takes the form's payment without an address", async () => {
    const { shopper, checkout } = await checkoutFor(noShippingApp);
    const payAction = serverActions().get("app/checkout/actions.ts#payAction")!;
    const answer = await callAction(shopper, `/checkout/${checkout.id}`, payAction, {
      checkoutId: checkout.id,
      idempotencyKey: `checkout-${checkout.id}`,
      cardNumber: CARDS.pays,
      name: ADA.name,
    });
    expect(answer.state?.ok, answer.text.slice(0, 300)).not.toBe(false);
    expect(await paymentsOf(checkout.id)).toBe(1);
    // Its checkout form does not ask for an address.
    const form = (await shopper.get(`/checkout/${checkout.id}`)).text;
    expect(form).not.toContain('name="postcode"');
  });
});
