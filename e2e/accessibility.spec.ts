/**
 * axe (WCAG 2.0/2.1/2.2 A and AA rules, and "the page has an h1") on every shop and admin page, at 1280 and 390 px
 * wide, in the states a shopper or admin sees them: a catalogue with products, a cart with a line, a checkout
 * holding it, a paid order, an admin list with a hold and an order in it. Any violation fails, named with the
 * page, the rule and the elements. The last test checks that every page.tsx under app/ is on one of the lists,
 * so a new page cannot be left out unchecked.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page, TestInfo } from "@playwright/test";
import { expect, test, type TestProduct, type Visitor } from "./fixtures";
import { PHONE, snap } from "./phone";
import { CARDS } from "./test-env";

const WIDTHS = [
  { name: "1280", size: { width: 1280, height: 900 } },
  { name: "390", size: PHONE },
] as const;

/** The WCAG 2 A and AA rules axe knows (2.1 and 2.2 add to 2.0). */
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** Every page's route (its folder under app/, as a pattern) and how a journey reaches it. */
const SHOP_ROUTES = [
  "/",
  "/catalogue/[view]",
  "/products/[slug]/[view]",
  "/cart",
  "/checkout/[id]",
  "/orders",
  "/orders/[id]",
  "/signin",
  "/signup",
  "/account/forgot",
  "/account/reset",
  "/account/verify",
] as const;
const ADMIN_ROUTES = [
  "/admin",
  "/admin/holds",
  "/admin/orders",
  "/admin/orders/[id]",
  "/admin/packing",
  "/admin/products",
  "/admin/products/[id]",
  "/admin/ledger",
  "/admin/incoming",
  "/admin/locations",
  "/admin/outbox",
  "/admin/outbox/[id]",
] as const;

interface Finding {
  page: string;
  rule: string;
  help: string;
  elements: string[];
}

/** Runs axe on the page as it is now; answers its violations in words (empty when there are none). */
async function axeFindings(page: Page, label: string): Promise<Finding[]> {
  const results = await new AxeBuilder({ page })
    // A best-practice rule, not a WCAG one, but the shop promises it: every page has a heading of level 1.
    .options({ rules: { "page-has-heading-one": { enabled: true } } })
    .withTags(WCAG_TAGS)
    .analyze();
  return results.violations.map((v) => ({
    page: label,
    rule: v.id,
    help: v.help,
    elements: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary?.split("\n").slice(1).join(" ").trim() ?? ""}`),
  }));
}

/**
 * Opens each page at this width and runs axe on it; answers every finding, so that one run names all of them.
 * Each page is also saved as a full-page screenshot in the test's output, to look at.
 */
async function checkPages(page: Page, width: (typeof WIDTHS)[number], pages: { label: string; path: string }[], testInfo: TestInfo): Promise<Finding[]> {
  await page.setViewportSize(width.size);
  const findings: Finding[] = [];
  for (const { label, path: address } of pages) {
    await page.goto(address);
    await expect(page.locator("main")).toBeVisible();
    // Client components read live figures once they load: look when that traffic has settled (a live page keeps
    // polling, so at most a few seconds).
    await page.waitForLoadState("networkidle", { timeout: 5_000 }).catch(() => undefined);
    findings.push(...(await axeFindings(page, `${label} (${address}) at ${width.name} px`)));
    await snap(page, testInfo, `${label.replace(/\W+/g, "-")}-${width.name}`);
  }
  return findings;
}

/** No findings; the message lists them all, with their pages, rules and elements. */
const expectNone = (findings: Finding[]) => expect(findings, JSON.stringify(findings, null, 2)).toEqual([]);

/** A paid order of one unit of `product` by this visitor, as a guest: its id, its page (with the guest's key) and the email given. */
async function placeOrder(visitor: Visitor, product: TestProduct): Promise<{ orderId: string; orderPath: string; email: string }> {
  await visitor.addToCart(product, 1);
  const email = await visitor.startCheckout();
  await visitor.checkout.pay(CARDS.ok);
  await expect(visitor.order.confirmation).toBeVisible();
  const url = new URL(visitor.page.url());
  return { orderId: url.pathname.match(/\/orders\/([0-9a-f-]{36})/)![1]!, orderPath: `${url.pathname}${url.search}`, email };
}

// Each test opens a dozen pages or more, and axe reads each one whole.
test.describe.configure({ timeout: 180_000 });

for (const width of WIDTHS) {
  test(`every shop page passes axe at ${width.name} px`, async ({ makeProduct, shopper, signedInShopper }, testInfo) => {
    const product = await makeProduct({ onHand: 5, label: "Axe Shop Teapot", priceCents: 2300 });
    const { orderPath } = await placeOrder(shopper, product);
    // A second visit: a cart with a line, then a checkout holding it.
    await shopper.addToCart(product, 2);
    const findings = await checkPages(
      shopper.page,
      width,
      [
        { label: "home", path: "/" },
        { label: "catalogue search", path: `/?q=${encodeURIComponent(product.name)}` },
        { label: "catalogue page 2", path: "/?sort=newest&page=2" },
        { label: "product", path: `/products/${product.slug}` },
        { label: "cart", path: "/cart" },
        { label: "order", path: orderPath },
        { label: "order lookup", path: "/orders" },
        { label: "sign in", path: "/signin" },
        { label: "sign up", path: "/signup" },
        { label: "forgot password", path: "/account/forgot" },
        { label: "reset password, no link", path: "/account/reset" },
        { label: "verify email, no link", path: "/account/verify" },
        { label: "not found", path: "/no-such-page" },
        { label: "unknown product", path: "/products/no-such-product" },
      ],
      testInfo,
    );

    await shopper.startCheckout();
    await expect(shopper.checkout.timer).toBeVisible();
    findings.push(...(await checkPages(shopper.page, width, [{ label: "checkout", path: new URL(shopper.page.url()).pathname }], testInfo)));
    // The signed-in shopper's account: their orders.
    findings.push(...(await checkPages(signedInShopper.page, width, [{ label: "account orders", path: "/orders" }], testInfo)));
    expectNone(findings);
  });

  test(`every admin page passes axe at ${width.name} px`, async ({ makeProduct, shopper, newShopper, admin, signedInShopper }, testInfo) => {
    const product = await makeProduct({ onHand: 5, label: "Axe Admin Lamp", priceCents: 3100 });
    const { orderId, email } = await placeOrder(shopper, product);
    // An active hold for the holds list.
    const holder = await newShopper();
    await holder.addToCart(product, 1);
    await holder.startCheckout();
    await expect(holder.checkout.timer).toBeVisible();
    // The order's confirmation email is in the outbox.
    await admin.page.goto("/admin/outbox");
    const emailPath = await admin.page.getByRole("row").filter({ hasText: email }).getByRole("link").first().getAttribute("href");

    const findings = await checkPages(
      admin.page,
      width,
      [
        { label: "stock", path: "/admin" },
        { label: "stock, held", path: "/admin?filter=held" },
        { label: "holds", path: "/admin/holds" },
        { label: "orders", path: "/admin/orders" },
        { label: "admin order", path: `/admin/orders/${orderId}` },
        { label: "packing", path: "/admin/packing" },
        { label: "products", path: "/admin/products" },
        { label: "product edit", path: `/admin/products/${product.id}` },
        { label: "ledger", path: "/admin/ledger" },
        { label: "ledger of a product", path: `/admin/ledger?productId=${product.id}` },
        { label: "incoming", path: "/admin/incoming" },
        { label: "incoming of a product", path: `/admin/incoming?productId=${product.id}` },
        { label: "locations", path: "/admin/locations" },
        { label: "outbox", path: "/admin/outbox" },
        { label: "outbox email", path: emailPath! },
      ],
      testInfo,
    );
    // A shopper who is not an admin is shown why not.
    findings.push(...(await checkPages(signedInShopper.page, width, [{ label: "admin, forbidden", path: "/admin" }], testInfo)));
    expectNone(findings);
  });
}

/** Every page.tsx under app/ as its route: "app/orders/[id]/page.tsx" → "/orders/[id]". */
function pageRoutes(dir: string, route = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return pageRoutes(path.join(dir, entry.name), `${route}/${entry.name}`);
    return entry.name === "page.tsx" ? [route || "/"] : [];
  });
}

test("the axe check covers every page of the app", () => {
  const app = path.join(__dirname, "..", "app");
  const checked = [...SHOP_ROUTES, ...ADMIN_ROUTES].sort();
  // The home page is the catalogue served from its cached page (proxy.ts): "/" reaches /catalogue/[view].
  expect([...pageRoutes(app), "/"].sort()).toEqual(checked);
});
