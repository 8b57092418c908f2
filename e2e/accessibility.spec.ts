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

/**
 * A page to check: what it is, the route of its page.tsx under app/ (none for the not-found page, which answers
 * any path), and the address a journey opens.
 */
interface PageToCheck {
  label: string;
  route: string | null;
  path: string;
}

// The catalogue and a product's page are served from their cached pages: the proxy moves the query into the path
// (proxy.ts), so "/" is /catalogue/[view] and /products/<slug> is /products/[slug]/[view].
const shopPages = (at: { productName: string; slug: string; orderPath: string }): PageToCheck[] => [
  { label: "home", route: "/catalogue/[view]", path: "/" },
  { label: "catalogue search", route: "/catalogue/[view]", path: `/?q=${encodeURIComponent(at.productName)}` },
  { label: "catalogue page 2", route: "/catalogue/[view]", path: "/?sort=newest&page=2" },
  { label: "product", route: "/products/[slug]/[view]", path: `/products/${at.slug}` },
  { label: "cart", route: "/cart", path: "/cart" },
  { label: "order", route: "/orders/[id]", path: at.orderPath },
  { label: "order lookup", route: "/orders", path: "/orders" },
  { label: "sign in", route: "/signin", path: "/signin" },
  { label: "sign up", route: "/signup", path: "/signup" },
  { label: "forgot password", route: "/account/forgot", path: "/account/forgot" },
  { label: "reset password, no link", route: "/account/reset", path: "/account/reset" },
  { label: "verify email, no link", route: "/account/verify", path: "/account/verify" },
  { label: "not found", route: null, path: "/no-such-page" },
  { label: "unknown product", route: "/products/[slug]/[view]", path: "/products/no-such-product" },
];
const checkoutPage = (checkoutPath: string): PageToCheck => ({ label: "checkout", route: "/checkout/[id]", path: checkoutPath });
/** A ticket of the line for contended stock (checked once left: a waiting ticket moves on by itself when offered). */
const linePage = (ticketPath: string): PageToCheck => ({ label: "line ticket", route: "/line/[id]", path: ticketPath });
/** The signed-in shopper's account: their orders. */
const accountPage: PageToCheck = { label: "account orders", route: "/orders", path: "/orders" };

const adminPages = (at: { orderId: string; productId: string; emailPath: string }): PageToCheck[] => [
  { label: "stock", route: "/admin", path: "/admin" },
  { label: "stock, held", route: "/admin", path: "/admin?filter=held" },
  { label: "holds", route: "/admin/holds", path: "/admin/holds" },
  { label: "orders", route: "/admin/orders", path: "/admin/orders" },
  { label: "admin order", route: "/admin/orders/[id]", path: `/admin/orders/${at.orderId}` },
  { label: "packing", route: "/admin/packing", path: "/admin/packing" },
  { label: "products", route: "/admin/products", path: "/admin/products" },
  { label: "product edit", route: "/admin/products/[id]", path: `/admin/products/${at.productId}` },
  { label: "ledger", route: "/admin/ledger", path: "/admin/ledger" },
  { label: "ledger of a product", route: "/admin/ledger", path: `/admin/ledger?productId=${at.productId}` },
  { label: "incoming", route: "/admin/incoming", path: "/admin/incoming" },
  { label: "incoming of a product", route: "/admin/incoming", path: `/admin/incoming?productId=${at.productId}` },
  { label: "locations", route: "/admin/locations", path: "/admin/locations" },
  { label: "outbox", route: "/admin/outbox", path: "/admin/outbox" },
  { label: "outbox email", route: "/admin/outbox/[id]", path: at.emailPath },
];
/** A shopper who is not an admin is shown why not. */
const forbiddenPage: PageToCheck = { label: "admin, forbidden", route: "/admin", path: "/admin" };

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
async function checkPages(page: Page, width: (typeof WIDTHS)[number], pages: PageToCheck[], testInfo: TestInfo): Promise<Finding[]> {
  await page.setViewportSize(width.size);
  const findings: Finding[] = [];
  for (const { label, path: address } of pages) {
    await page.goto(address);
    await expect(page.locator("main")).toBeVisible();
    // Client components read live figures once they load: look when that traffic has settled (a live page keeps
    // polling every 2 s, so it never quite settles: then after 3 s).
    await page.waitForLoadState("networkidle", { timeout: 3_000 }).catch(() => undefined);
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
  // The confirmation shows on the checkout before the browser moves to the order's page.
  await expect(visitor.page).toHaveURL(/\/orders\/[0-9a-f-]{36}/);
  const url = new URL(visitor.page.url());
  return { orderId: url.pathname.match(/\/orders\/([0-9a-f-]{36})/)![1]!, orderPath: `${url.pathname}${url.search}`, email };
}

// Each test opens a dozen pages or more, and axe reads each one whole: two minutes on a 2-core machine, and more
// than twice that when other work shares it.
test.describe.configure({ timeout: 600_000 });

for (const width of WIDTHS) {
  test(`every shop page passes axe at ${width.name} px`, async ({ makeProduct, shopper, signedInShopper, newShopper }, testInfo) => {
    const product = await makeProduct({ onHand: 5, label: "Axe Shop Teapot", priceCents: 2300 });
    const { orderPath } = await placeOrder(shopper, product);
    // A second visit: a cart with a line, then a checkout holding it.
    await shopper.addToCart(product, 2);
    const findings = await checkPages(shopper.page, width, shopPages({ productName: product.name, slug: product.slug, orderPath }), testInfo);
    await shopper.startCheckout();
    await expect(shopper.checkout.timer).toBeVisible();
    findings.push(...(await checkPages(shopper.page, width, [checkoutPage(new URL(shopper.page.url()).pathname)], testInfo)));
    findings.push(...(await checkPages(signedInShopper.page, width, [accountPage], testInfo)));
    // A shopper refused the last unit joins the line, then leaves it.
    const scarce = await makeProduct({ onHand: 1, label: "Axe Line Kettle", priceCents: 4100 });
    const [holder, waiter] = [await newShopper(), await newShopper()];
    await holder.addToCart(scarce, 1);
    await waiter.addToCart(scarce, 1);
    await waiter.cart.goto();
    await waiter.cart.email.fill("axe-waiter@example.test");
    await holder.startCheckout("axe-holder@example.test");
    await waiter.cart.checkoutButton.click();
    await waiter.page.getByRole("button", { name: "Join the line" }).click();
    await expect(waiter.page).toHaveURL(/\/line\/[0-9a-f-]{36}$/);
    const ticketPath = new URL(waiter.page.url()).pathname;
    await waiter.page.getByRole("button", { name: "Leave the line" }).click();
    await expect(waiter.page.getByRole("heading", { name: "You left the line" })).toBeVisible();
    findings.push(...(await checkPages(waiter.page, width, [linePage(ticketPath)], testInfo)));
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

    const findings = await checkPages(admin.page, width, adminPages({ orderId, productId: product.id, emailPath: emailPath! }), testInfo);
    findings.push(...(await checkPages(signedInShopper.page, width, [forbiddenPage], testInfo)));
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
  const checked = [
    ...shopPages({ productName: "p", slug: "p", orderPath: "/orders/o" }),
    checkoutPage("/checkout/c"),
    linePage("/line/t"),
    accountPage,
    ...adminPages({ orderId: "o", productId: "p", emailPath: "/admin/outbox/1" }),
    forbiddenPage,
  ].flatMap((page) => (page.route ? [page.route] : []));
  expect([...new Set(checked)].sort()).toEqual(pageRoutes(path.join(__dirname, "..", "app")).sort());
});
