/**
 * Journeys 37–40: a card that asks for 3-D Secure, with PAYMENT_PROVIDER=stripe. The shop runs against the local
 * Stripe API stand-in (tests/support/stripe-stand-in.ts) and the browser gets the fake Stripe.js
 * (tests/support/stripe-js-stand-in.ts), whose `handleNextAction` plays the bank's check. These journeys start a
 * Stripe shop of their own (the production build on its own embedded PostgreSQL), beside the run's test-provider
 * server. The build's Content-Security-Policy is the default one (no Stripe), so the browser bypasses it; the
 * policy for Stripe is tested in tests/payments/stripe-provider.test.ts.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test, type Browser, type Page, type TestInfo } from "@playwright/test";
import { runMigrations } from "../db/migrate";
import type { EmbeddedDatabase } from "../db/embedded";
import { startApp, TEST_ADMIN_TOKEN, type RunningApp } from "../tests/support/app-server";
import { startEmbeddedPostgresOnFreePort } from "../tests/support/embedded-on-free-port";
import { stripeJsStandIn, type ThreeDSecureAnswer } from "../tests/support/stripe-js-stand-in";
import { STAND_IN_PAYMENT_METHODS as PM, startStripeStandIn, type StripeStandIn } from "../tests/support/stripe-stand-in";
import { CartPage } from "./pages/cart-page";
import { CheckoutPage } from "./pages/checkout-page";
import { ProductPage } from "./pages/product-page";
import { PHONE, expectNoSidewaysScroll, snap } from "./phone";

const SECRET_KEY = "sk_test_standin_e2e_3ds_0123";

// One Stripe shop for both journeys: they run in one worker, one after the other.
test.describe.configure({ mode: "serial" });

let tempDir: string;
let database: EmbeddedDatabase | undefined;
let standIn: StripeStandIn | undefined;
let app: RunningApp | undefined;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "stockhold-e2e-3ds-"));
  // PostgreSQL runs as the `postgres` OS user when we are root: it must be able to enter the directory.
  fs.chmodSync(tempDir, 0o755);
  database = await startEmbeddedPostgresOnFreePort({
    dataDir: path.join(tempDir, "data"),
    settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" },
  });
  await database.createDatabase("stockhold_e2e_3ds");
  const databaseUrl = database.urlFor("stockhold_e2e_3ds");
  await runMigrations(databaseUrl);
  standIn = await startStripeStandIn(SECRET_KEY);
  app = await startApp({
    DATABASE_URL: databaseUrl,
    PAYMENT_PROVIDER: "stripe",
    STRIPE_SECRET_KEY: SECRET_KEY,
    STRIPE_PUBLISHABLE_KEY: "pk_test_standin_e2e_3ds_0123",
    STRIPE_WEBHOOK_SECRET: "whsec_standin_e2e_3ds_0123",
    STRIPE_API_HOST: standIn.sdkOptions.host,
    STRIPE_API_PORT: String(standIn.port),
    STRIPE_API_PROTOCOL: "http",
    LOG_LEVEL: "warn",
  });
});

test.afterAll(async () => {
  await app?.stop();
  await standIn?.close();
  await database?.stop();
  if (tempDir) fs.rmSync(tempDir, { recursive: true, force: true });
});

async function makeProduct(page: Page, label: string, onHand: number, priceCents: number) {
  const response = await page.request.post(`${app!.baseUrl}/api/admin/products`, {
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    data: { name: `${label} ${Date.now().toString(36)}`, priceCents, onHand },
  });
  expect(response.status(), await response.text()).toBe(201);
  return ((await response.json()) as { product: { id: string; slug: string } }).product;
}

/**
 * What the shop offers of a product to anyone else (not through the shopper's cookies: their own hold counts as
 * theirs), polled: the product API may answer from a cache up to 2 s old.
 */
const available = async (slug: string) =>
  ((await (await fetch(`${app!.baseUrl}/api/products/${slug}`)).json()) as { product: { available: number } }).product.available;

/**
 * A shopper's browser where Stripe.js is the stand-in: its card field makes the 3-D Secure card's PaymentMethod
 * and its bank's check answers `bank`. The check waits until `release()`, so the page can be seen meanwhile.
 */
async function shopperBrowser(browser: Browser, bank: ThreeDSecureAnswer | ThreeDSecureAnswer[], viewport?: { width: number; height: number }) {
  const context = await browser.newContext({ baseURL: app!.baseUrl, bypassCSP: true, ...(viewport ? { viewport } : {}) });
  await context.route("https://js.stripe.com/**", (route) =>
    route.fulfill({ contentType: "application/javascript", body: stripeJsStandIn(PM.threeDSecure, { api: standIn!.url, threeDSecure: bank }) }),
  );
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await context.route(`${standIn!.url}/**`, async (route) => {
    await released;
    await route.continue();
  });
  return { context, page: await context.newPage(), release };
}

/** Product page → cart → checkout → details and the card → Pay. */
async function buyWithTheCard(page: Page, product: { slug: string }) {
  await new ProductPage(page).goto(product.slug);
  await new ProductPage(page).addToCart(1);
  const cart = new CartPage(page);
  await cart.goto();
  await cart.checkout(`guest-3ds-${Date.now().toString(36)}@example.test`);
  const checkout = new CheckoutPage(page);
  await checkout.fillDelivery();
  await checkout.cardNumber.fill("4000 0027 6000 3184");
  await checkout.payButton.click();
  return checkout;
}

async function lookAt(page: Page, testInfo: TestInfo, name: string) {
  await expectNoSidewaysScroll(page);
  await snap(page, testInfo, name);
}

const authentications = () => standIn!.requests.filter((r) => r.endsWith("/stand_in_authenticate")).length;
const captures = () => standIn!.requests.filter((r) => r.endsWith("/capture")).length;

test("a 3-D Secure card: the bank's check opens, the shopper passes it, and the page moves on to the order by itself", async ({ browser }, testInfo) => {
  const { context, page, release } = await shopperBrowser(browser, "authorized");
  try {
    const product = await makeProduct(page, "Secure Lamp", 3, 4200);
    const checkout = await buyWithTheCard(page, product);

    // Stripe.js's check is open over the page: the checkout is paying and says why.
    await expect(checkout.confirming).toContainText("Your bank asks you to confirm this payment");
    await expect(checkout.payButton).toBeDisabled();
    await lookAt(page, testInfo, "bank-check-1280");
    await expect.poll(() => available(product.slug)).toBe(2);

    const before = { authentications: authentications(), captures: captures() };
    release();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/, { timeout: 20_000 });
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    expect(authentications() - before.authentications).toBe(1);
    expect(captures() - before.captures).toBe(1);
    const [intent] = [...standIn!.intents.values()].filter((i) => i.amount === 4200);
    expect(intent).toMatchObject({ status: "succeeded", amount_received: 4200, payment_method: PM.threeDSecure });
    await expect.poll(() => available(product.slug)).toBe(2);
    await lookAt(page, testInfo, "order-1280");
  } finally {
    await context.close();
  }
});

test("at 390 px the bank refuses: the page says the payment was declined and the unit is back on sale", async ({ browser }, testInfo) => {
  const { context, page, release } = await shopperBrowser(browser, "declined", PHONE);
  try {
    const product = await makeProduct(page, "Secure Kettle", 1, 3100);
    const checkout = await buyWithTheCard(page, product);
    await expect(checkout.confirming).toContainText("Your bank asks you to confirm this payment");
    await expect.poll(() => available(product.slug)).toBe(0);
    await lookAt(page, testInfo, "bank-check-390");

    const capturesBefore = captures();
    release();
    await expect(checkout.declined).toBeVisible({ timeout: 20_000 });
    await expect(page).toHaveURL(/\/checkout\//);
    await expect(checkout.tryAnotherCard).toBeVisible();
    await expect.poll(() => available(product.slug)).toBe(1);
    expect(captures()).toBe(capturesBefore);
    await lookAt(page, testInfo, "declined-390");
  } finally {
    await context.close();
  }
});

test("reloaded while the bank's check is open: the page opens it again, and the shopper's yes makes the order", async ({ browser }, testInfo) => {
  const context = await browser.newContext({ baseURL: app!.baseUrl, bypassCSP: true });
  await context.route("https://js.stripe.com/**", (route) =>
    route.fulfill({ contentType: "application/javascript", body: stripeJsStandIn(PM.threeDSecure, { api: standIn!.url, threeDSecure: "authorized" }) }),
  );
  // The first check never answers (the shopper reloads while it is open); the next one goes through.
  let checks = 0;
  await context.route(`${standIn!.url}/**`, async (route) => {
    checks += 1;
    if (checks > 1) await route.continue();
  });
  const page = await context.newPage();
  try {
    const product = await makeProduct(page, "Secure Clock", 2, 2700);
    const checkout = await buyWithTheCard(page, product);
    await expect(checkout.confirming).toContainText("Your bank asks you to confirm this payment");
    await expect.poll(() => checks).toBe(1);

    const before = { authentications: authentications(), captures: captures() };
    await page.reload();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/, { timeout: 20_000 });
    expect(checks).toBe(2);
    expect(authentications() - before.authentications).toBe(1);
    expect(captures() - before.captures).toBe(1);
    await expect.poll(() => available(product.slug)).toBe(1);
    await lookAt(page, testInfo, "order-after-reload-1280");
  } finally {
    await context.close();
  }
});

test("at 390 px the shopper closes the bank's check: \"Confirm with your bank\" opens it again, and their yes makes the order", async ({ browser }, testInfo) => {
  const { context, page, release } = await shopperBrowser(browser, ["dismissed", "authorized"], PHONE);
  release();
  try {
    const product = await makeProduct(page, "Secure Scarf", 2, 1900);
    const checkout = await buyWithTheCard(page, product);
    const again = page.getByRole("button", { name: "Confirm with your bank" });
    await expect(again).toBeVisible({ timeout: 20_000 });
    await expect(checkout.confirming).toContainText("Your bank asks you to confirm this payment");
    await expect.poll(() => available(product.slug)).toBe(1);
    await lookAt(page, testInfo, "check-closed-390");

    const before = { authentications: authentications(), captures: captures() };
    await again.click();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/, { timeout: 20_000 });
    expect(authentications() - before.authentications).toBe(1);
    expect(captures() - before.captures).toBe(1);
    await lookAt(page, testInfo, "order-390");
  } finally {
    await context.close();
  }
});
