/**
 * Fixtures for the journeys. Every test makes its own products (through the admin API, with known stock), so
 * journeys never compete for the same units and a retry starts clean. Each shopper is a fresh browser context:
 * its own cookies, so its own guest identity and cart.
 */
import { test as base, expect, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { AdminDashboardPage } from "./pages/admin-dashboard-page";
import { AdminHoldsPage } from "./pages/admin-holds-page";
import { CartPage } from "./pages/cart-page";
import { CatalogPage } from "./pages/catalog-page";
import { CheckoutPage } from "./pages/checkout-page";
import { OrderPage } from "./pages/order-page";
import { ProductPage } from "./pages/product-page";
import { SignInPage } from "./pages/signin-page";
import { ADMIN, ADMIN_API_TOKEN, BASE_URL, SHOPPER } from "./test-env";

export interface TestProduct {
  id: string;
  slug: string;
  name: string;
}

/** One person in one browser context, with the pages they use. */
export class Visitor {
  readonly catalog: CatalogPage;
  readonly product: ProductPage;
  readonly cart: CartPage;
  readonly checkout: CheckoutPage;
  readonly order: OrderPage;
  readonly signIn: SignInPage;

  constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    this.catalog = new CatalogPage(page);
    this.product = new ProductPage(page);
    this.cart = new CartPage(page);
    this.checkout = new CheckoutPage(page);
    this.order = new OrderPage(page);
    this.signIn = new SignInPage(page);
  }

  /** Puts `quantity` of the product in this visitor's cart from its product page. */
  async addToCart(product: TestProduct, quantity = 1): Promise<void> {
    await this.product.goto(product.slug);
    await this.product.addToCart(quantity);
  }

  /** Cart → Checkout (as a guest with an email) → the checkout page, holding the cart. Returns the email. */
  async startCheckout(email = guestEmail()): Promise<string> {
    await this.cart.goto();
    await this.cart.checkout(email);
    return email;
  }
}

export class Admin extends Visitor {
  readonly dashboard = new AdminDashboardPage(this.page);
  readonly holds = new AdminHoldsPage(this.page);
}

let guestCounter = 0;
export const guestEmail = () => `guest-${process.pid}-${++guestCounter}@example.test`;

async function openVisitor<T extends Visitor>(browser: Browser, make: (c: BrowserContext, p: Page) => T): Promise<T> {
  const context = await browser.newContext({ baseURL: BASE_URL });
  return make(context, await context.newPage());
}

interface Fixtures {
  /** Creates a product no other test uses, with this many units on hand. */
  makeProduct: (options: { onHand: number; label?: string; priceCents?: number }) => Promise<TestProduct>;
  /** Creates a kit (no stock of its own) of these products' only variants, each with how many one kit takes. */
  makeKit: (options: { components: { product: TestProduct; quantity: number }[]; label?: string; priceCents?: number }) => Promise<TestProduct>;
  /** Opens another fresh guest shopper in a new browser context (closed after the test). */
  newShopper: () => Promise<Visitor>;
  /** A fresh guest shopper. */
  shopper: Visitor;
  /** The admin, signed in through /signin in a context of their own. */
  admin: Admin;
  /** A shopper with an account, signed in through /signin. */
  signedInShopper: Visitor;
}

// Playwright's `use` is named `provide` here: React's lint rules read any `use(…)` call as a hook.
export const test = base.extend<Fixtures>({
  makeProduct: async ({ playwright }, provide, testInfo) => {
    const api = await playwright.request.newContext({
      baseURL: BASE_URL,
      extraHTTPHeaders: { Authorization: `Bearer ${ADMIN_API_TOKEN}` },
    });
    let made = 0;
    await provide(async ({ onHand, label = "Journey Item", priceCents = 2500 }) => {
      made += 1;
      // Unique per test, retry and product, and easy to trace back to the test in a screenshot.
      const unique = `${testInfo.testId.slice(0, 6)}${testInfo.retry}${made}${Date.now().toString(36).slice(-4)}`;
      const response = await api.post("/api/admin/products", {
        data: { name: `${label} ${unique}`, priceCents, onHand, description: `Made by the e2e test "${testInfo.title}".` },
      });
      expect(response.status(), await response.text()).toBe(201);
      const { product } = (await response.json()) as { product: TestProduct };
      return product;
    });
    await api.dispose();
  },

  makeKit: async ({ playwright }, provide, testInfo) => {
    const api = await playwright.request.newContext({
      baseURL: BASE_URL,
      extraHTTPHeaders: { Authorization: `Bearer ${ADMIN_API_TOKEN}` },
    });
    let made = 0;
    await provide(async ({ components, label = "Journey Kit", priceCents = 4000 }) => {
      made += 1;
      const kit = await Promise.all(
        components.map(async ({ product, quantity }) => {
          const read = await api.get(`/api/products/${product.slug}`);
          const { product: detail } = (await read.json()) as { product: { variants: { id: string }[] } };
          return { variantId: detail.variants[0]!.id, quantity };
        }),
      );
      const unique = `${testInfo.testId.slice(0, 6)}${testInfo.retry}${made}${Date.now().toString(36).slice(-4)}`;
      const response = await api.post("/api/admin/products", {
        data: { name: `${label} ${unique}`, priceCents, kit, description: `Made by the e2e test "${testInfo.title}".` },
      });
      expect(response.status(), await response.text()).toBe(201);
      return ((await response.json()) as { product: TestProduct }).product;
    });
    await api.dispose();
  },

  newShopper: async ({ browser }, provide) => {
    const opened: Visitor[] = [];
    await provide(async () => {
      const visitor = await openVisitor(browser, (context, page) => new Visitor(context, page));
      opened.push(visitor);
      return visitor;
    });
    await Promise.all(opened.map((visitor) => visitor.context.close()));
  },

  shopper: async ({ context, page }, provide) => {
    await provide(new Visitor(context, page));
  },

  admin: async ({ browser }, provide) => {
    const admin = await openVisitor(browser, (context, page) => new Admin(context, page));
    await admin.signIn.goto();
    await admin.signIn.signIn(ADMIN.email, ADMIN.password);
    await provide(admin);
    await admin.context.close();
  },

  signedInShopper: async ({ browser }, provide) => {
    const shopper = await openVisitor(browser, (context, page) => new Visitor(context, page));
    await shopper.signIn.goto();
    await shopper.signIn.signIn(SHOPPER.email, SHOPPER.password);
    await provide(shopper);
    await shopper.context.close();
  },
});

export { expect };
