/**
 * After the order, on the admin's order page at 1280 and at 390 px: the admin refunds one unit of a sold-out
 * product with "Put the units back on sale", and another shopper can buy it again; then ships the rest with a
 * tracking number, and the shipped email with that number is in the outbox. The timeline says what happened.
 */
import { expect, test } from "./fixtures";
import { expectNoSidewaysScroll, PHONE, snap } from "./phone";
import { CARDS } from "./test-env";

for (const width of [1280, PHONE.width]) {
  test(`at ${width} px: refund one unit with restock (buyable again), ship the rest with tracking (shipped email in the outbox)`, async ({
    makeProduct,
    shopper,
    newShopper,
    admin,
  }, testInfo) => {
    // Two shoppers and the admin in three browsers on a shared 2-core machine.
    test.setTimeout(120_000);
    const product = await makeProduct({ onHand: 2, label: "Returnable Vase", priceCents: 1200 });
    await shopper.addToCart(product, 2);
    const email = await shopper.startCheckout();
    await shopper.checkout.pay(CARDS.ok);
    await expect(shopper.order.confirmation).toBeVisible();
    const orderId = shopper.page.url().match(/\/orders\/([0-9a-f-]{36})/)![1]!;

    // Sold out: a second shopper cannot have it.
    const later = await newShopper();
    await later.product.goto(product.slug);
    await expect(later.product.availability).toHaveText("Out of stock");

    if (width === PHONE.width) await admin.page.setViewportSize(PHONE);
    await admin.page.goto(`/admin/orders/${orderId}`);
    const refund = admin.page.getByRole("form", { name: "Refund" });
    await refund.getByLabel(product.name).fill("1");
    await expect(refund.getByLabel(/Put the units back on sale/)).toBeChecked();
    await refund.getByLabel("Reason for the refund").fill("Arrived chipped");
    await refund.getByRole("button", { name: "Refund" }).click();
    await expect(refund.getByRole("status")).toContainText("Refunded. $12.00 of $24.00");
    const timeline = admin.page.getByRole("region", { name: "Timeline" });
    await expect(admin.page.getByText("Partly refunded", { exact: true })).toBeVisible();
    await expect(timeline).toContainText("Refunded $12.00: Arrived chipped");

    // The unit is on sale again: the second shopper holds it.
    await later.page.reload();
    await expect(later.product.availability).not.toHaveText("Out of stock");
    await later.product.addToCart(1);
    await later.startCheckout();
    await expect(later.checkout.payButton).toHaveText("Pay $12.00");

    // The other unit ships with a tracking number.
    const ship = admin.page.getByRole("form", { name: "Ship units" });
    await ship.getByLabel(product.name).fill("1");
    await ship.getByLabel("Carrier").fill("Royal Mail");
    await ship.getByLabel("Tracking number").fill("RM123456785GB");
    await ship.getByRole("button", { name: "Ship these units" }).click();
    await expect(timeline).toContainText("Shipped 1 of 2 units (Royal Mail RM123456785GB)");
    await expect(admin.page.getByRole("form", { name: "Ship units" })).toHaveCount(0);
    if (width === PHONE.width) await expectNoSidewaysScroll(admin.page);
    await snap(admin.page, testInfo, `admin-order-after-${width}`);

    await admin.page.goto("/admin/outbox");
    const mail = admin.page.getByRole("row").filter({ hasText: email }).filter({ hasText: "has shipped" });
    await expect(mail).toBeVisible();
    await mail.getByRole("link").click();
    await expect(admin.page.getByText("Tracking number: RM123456785GB (Royal Mail)").first()).toBeVisible();
  });
}
