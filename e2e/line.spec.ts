/**
 * The line for contended stock: a shopper refused because another holds the last unit joins the line, and when
 * that hold is cancelled the unit is handed to them and their waiting page moves to a checkout holding it by itself
 * (the line's sweep runs every two seconds in the e2e server; the hand-on itself happens in the cancel), while the
 * admin's dashboard shows the hand-on and then its payment without a reload. At 390 px the waiting page fits the screen.
 */
import type { Page } from "@playwright/test";
import { expect, test, type TestProduct, type Visitor } from "./fixtures";
import { PHONE, expectNoSidewaysScroll, snap } from "./phone";
import { CARDS } from "./test-env";

// Each journey has two shoppers in two browsers; on a busy two-core machine that takes longer than one.
test.describe.configure({ timeout: 150_000 });

const joinButton = (page: Page) => page.getByRole("button", { name: "Join the line" });
const place = (page: Page) => page.getByRole("region", { name: "Your place in line" });

/** A holds the product's only unit; B's start is refused and B joins the line. */
async function holderAndWaiter(product: TestProduct, holder: Visitor, waiter: Visitor): Promise<void> {
  // Both carts are ready before the hold starts: the hold lasts 15 s without activity in the e2e server.
  await holder.addToCart(product, 1);
  await waiter.addToCart(product, 1);
  await waiter.cart.goto();
  await waiter.cart.email.fill("waiting-b@example.test");
  await holder.startCheckout("holding-a@example.test");
  await expect(holder.checkout.heldItems).toContainText(product.name);

  await waiter.cart.checkoutButton.click();
  await expect(waiter.cart.refusal).toBeVisible();
  await expect(waiter.cart.adjustToStockButton).toBeVisible();
  await joinButton(waiter.page).click();
  await expect(waiter.page).toHaveURL(/\/line\/[0-9a-f-]{36}$/);
}

test("a shopper who joins the line gets the unit another cancels, and pays for it; the admin watches the hand-on", async ({
  makeProduct,
  newShopper,
  admin,
}) => {
  const product = await makeProduct({ onHand: 1, label: "Line Lamp" });
  const [a, b] = [await newShopper(), await newShopper()];
  await holderAndWaiter(product, a, b);
  // The admin's dashboard is open before anything is handed on; its hand-ons follow without a reload.
  await admin.page.goto("/admin");
  const handOn = admin.page
    .getByRole("table")
    .filter({ hasText: "Units freed while shoppers waited" })
    .getByRole("row")
    .filter({ hasText: product.name });
  await expect(admin.page.getByRole("heading", { name: "Handed on from the line, last hour" })).toBeVisible();
  await expect(handOn).toHaveCount(0);

  await expect(place(b.page)).toContainText("You are #1 —");
  await expect(b.page.getByRole("region", { name: "Items you are waiting for" })).toContainText(product.name);

  await a.checkout.cancel();
  await expect(a.checkout.ended).toContainText("You cancelled this checkout");
  const cancelledAt = Date.now();
  await expect(b.page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/, { timeout: 2_000 });
  expect(Date.now() - cancelledAt).toBeLessThanOrEqual(2_000);

  await expect(b.checkout.heldItems).toContainText(product.name);
  await expect(b.page.getByRole("status").filter({ hasText: "Held for you from the line" })).toBeVisible();
  await expect(handOn).toContainText("Held for them", { timeout: 10_000 });
  await expect(handOn).toContainText("waiting-b@example.test");
  await b.checkout.pay(CARDS.ok);
  await expect(b.order.confirmation).toBeVisible();
  await expect(b.page).toHaveURL(/\/orders\/[0-9a-f-]{36}/);
  await expect(handOn).toContainText("Paid", { timeout: 10_000 });
});

test("the waiting page fits a phone, the cart links to it, and leaving the line is one click", async ({ makeProduct, newShopper }, testInfo) => {
  const product = await makeProduct({ onHand: 1, label: "Line Phone Case With A Rather Long Name" });
  const [a, b, c] = [await newShopper(), await newShopper(), await newShopper()];
  await c.addToCart(product, 1);
  await c.page.setViewportSize(PHONE);
  await holderAndWaiter(product, a, b);
  // C joins behind B: C keeps waiting even if A's hold lapses meanwhile (B gets that unit).
  await c.cart.goto();
  await c.cart.email.fill("waiting-c@example.test");
  await c.cart.checkoutButton.click();
  await joinButton(c.page).click();
  await expect(c.page).toHaveURL(/\/line\/[0-9a-f-]{36}$/);

  await expect(place(c.page)).toContainText(/You are #[12] —/);
  await expect(c.page.getByRole("region", { name: "Items you are waiting for" })).toContainText(product.name);
  await expectNoSidewaysScroll(c.page);
  await snap(c.page, testInfo, "line-waiting-390");

  // The cart links back to the ticket.
  const cartTab = await c.context.newPage();
  await cartTab.goto("/cart");
  await expect(cartTab.getByRole("link", { name: "See your place in line" })).toBeVisible();
  await cartTab.close();

  await c.page.getByRole("button", { name: "Leave the line" }).click();
  await expect(c.page.getByRole("heading", { name: "You left the line" })).toBeVisible();
  await expect(c.page.getByRole("alert").filter({ hasText: "Nothing was held or charged" })).toBeVisible();
  await expect(c.page.getByRole("link", { name: "Back to your cart" })).toBeVisible();
  await expectNoSidewaysScroll(c.page);
  await snap(c.page, testInfo, "line-left-390");
});
