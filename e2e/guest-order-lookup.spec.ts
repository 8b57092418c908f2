/**
 * A guest finds their order from another browser: "Orders" in the header offers the lookup by email and order
 * number (not a sign-in page); a wrong number says so without telling which part was wrong.
 */
import { expect, test } from "./fixtures";
import { expectNoSidewaysScroll, PHONE, snap } from "./phone";
import { CARDS } from "./test-env";

test("a guest looks up their order by email and order number from another browser", async ({
  makeProduct,
  shopper,
  newShopper,
}, testInfo) => {
  const product = await makeProduct({ onHand: 3, label: "Lookup Teapot", priceCents: 1800 });
  await shopper.addToCart(product, 2);
  const email = await shopper.startCheckout();
  await shopper.checkout.pay(CARDS.ok);
  await expect(shopper.order.confirmation).toBeVisible();
  const heading = await shopper.page.getByRole("heading", { level: 1 }).textContent();
  const orderNumber = heading!.match(/#([0-9a-f]{8})/)![1]!;

  const elsewhere = await newShopper();
  await elsewhere.page.setViewportSize(PHONE);
  await elsewhere.page.goto("/");
  await elsewhere.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Orders" }).click();
  await expect(elsewhere.page).toHaveURL(/\/orders$/);
  const form = elsewhere.page.getByRole("form", { name: "Find an order" });
  await form.getByLabel("Email").fill(email);
  await form.getByLabel("Order number").fill("#0badc0de");
  await form.getByRole("button", { name: "Find order" }).click();
  await expect(form.getByRole("alert")).toContainText("No order matches that email address and order number");
  await expectNoSidewaysScroll(elsewhere.page);
  await snap(elsewhere.page, testInfo, "orders-lookup-390");

  await form.getByLabel("Email").fill(email.toUpperCase());
  await form.getByLabel("Order number").fill(`#${orderNumber}`);
  await form.getByRole("button", { name: "Find order" }).click();
  await expect(elsewhere.page).toHaveURL(new RegExp(`/orders/${orderNumber}[0-9a-f-]{28}\\?key=`));
  await expect(elsewhere.page.getByRole("heading", { level: 1 })).toContainText(orderNumber);
  expect(await elsewhere.order.line(product.name)).toMatchObject({ Quantity: "2", Price: "$36.00" });
  await expect(elsewhere.page.getByText("12 Analytical Row")).toBeVisible();
  await expectNoSidewaysScroll(elsewhere.page);
  await snap(elsewhere.page, testInfo, "order-found-390");
});
