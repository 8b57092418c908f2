/**
 * Kits: a gift set made of other products, with no stock of its own. A shopper buying a kit and another buying
 * its last component at the same moment: exactly one gets it, and the other is told which component ran out.
 * The kit's cart line, checkout, order page and the admin's dashboard say what is in it.
 */
import { expect, test, type Visitor } from "./fixtures";
import { CARDS } from "./test-env";

test("a shopper buys a kit while another buys its last component: one wins, the other is told which component", async ({
  makeProduct,
  makeKit,
  newShopper,
}) => {
  const mug = await makeProduct({ onHand: 6, label: "Kit Race Mug" });
  const lamp = await makeProduct({ onHand: 1, label: "Kit Race Lamp" });
  const kit = await makeKit({ label: "Kit Race Set", components: [{ product: mug, quantity: 2 }, { product: lamp, quantity: 1 }] });
  const [kitBuyer, lampBuyer] = [await newShopper(), await newShopper()];

  await kitBuyer.addToCart(kit, 1);
  await kitBuyer.cart.goto();
  await expect(kitBuyer.cart.line(kit.name)).toContainText(`Contains 2 × ${mug.name}, 1 × ${lamp.name}`);
  await kitBuyer.cart.email.fill("kit-buyer@example.test");
  await lampBuyer.addToCart(lamp, 1);
  await lampBuyer.cart.goto();
  await lampBuyer.cart.email.fill("lamp-buyer@example.test");

  await Promise.all([kitBuyer.cart.checkoutButton.click(), lampBuyer.cart.checkoutButton.click()]);
  const outcome = async (shopper: Visitor) => {
    await expect(shopper.checkout.timer.or(shopper.cart.refusal)).toBeVisible();
    return (await shopper.checkout.timer.isVisible()) ? "held" : "refused";
  };
  const [kitOutcome, lampOutcome] = await Promise.all([outcome(kitBuyer), outcome(lampBuyer)]);
  expect([kitOutcome, lampOutcome].sort()).toEqual(["held", "refused"]);

  if (kitOutcome === "held") {
    await expect(kitBuyer.checkout.heldItems).toContainText(`Contains 2 × ${mug.name}, 1 × ${lamp.name}`);
    await expect(lampBuyer.cart.shortLine(lamp.name)).toContainText("sold out (you asked for 1)");
  } else {
    await expect(lampBuyer.checkout.heldItems).toContainText(lamp.name);
    // The kit's line names the component that ran out, not only the kit.
    await expect(kitBuyer.cart.shortLine(kit.name)).toContainText(`its ${lamp.name} is sold out, so no kit can be made (you asked for 1)`);
  }
});

test("the kit's buyer is told its component is held elsewhere, buys it once it is back, and the order lists what is in it", async ({
  makeProduct,
  makeKit,
  newShopper,
  admin,
}, testInfo) => {
  const tin = await makeProduct({ onHand: 4, label: "Kit Tea Tin" });
  const cup = await makeProduct({ onHand: 1, label: "Kit Tea Cup" });
  const kit = await makeKit({ label: "Kit Tea Set", priceCents: 3000, components: [{ product: tin, quantity: 1 }, { product: cup, quantity: 1 }] });
  const [cupBuyer, kitBuyer] = [await newShopper(), await newShopper()];

  // The kit's buyer is ready first; the cup's buyer then holds the only cup (holds here lapse after 15 s idle,
  // so the kit's Checkout follows at once).
  await kitBuyer.addToCart(kit, 1);
  await kitBuyer.cart.goto();
  await cupBuyer.addToCart(cup, 1);
  await cupBuyer.startCheckout();
  await kitBuyer.cart.requestCheckout("kit-buyer-2@example.test");
  await expect(kitBuyer.cart.shortLine(kit.name)).toContainText(`its ${cup.name} is sold out`);
  await expect(kitBuyer.cart.line(kit.name)).toContainText(`Contains 1 × ${tin.name}, 1 × ${cup.name}`);
  await kitBuyer.page.screenshot({ path: testInfo.outputPath("kit-cart-refused-1280.png"), fullPage: true });

  // The cup's buyer gives up: the cup is back, and the kit can be held and paid.
  await cupBuyer.checkout.cancel();
  await expect(cupBuyer.checkout.ended).toBeVisible();
  await kitBuyer.cart.goto();
  await kitBuyer.cart.checkout("kit-buyer-2@example.test");
  await expect(kitBuyer.checkout.heldItems).toContainText(`Contains 1 × ${tin.name}, 1 × ${cup.name}`);
  await kitBuyer.page.setViewportSize({ width: 390, height: 844 });
  await kitBuyer.page.screenshot({ path: testInfo.outputPath("kit-checkout-390.png"), fullPage: true });
  await kitBuyer.page.setViewportSize({ width: 1280, height: 720 });
  await kitBuyer.checkout.pay(CARDS.ok);
  await expect(kitBuyer.page).toHaveURL(/\/orders\/[0-9a-f-]{36}$/);
  expect(await kitBuyer.order.line(kit.name)).toMatchObject({ Quantity: "1", Price: "$30.00" });
  await expect(kitBuyer.order.table).toContainText(`Contains 1 × ${tin.name}, 1 × ${cup.name}`);
  await kitBuyer.page.screenshot({ path: testInfo.outputPath("kit-order-1280.png"), fullPage: true });
  await kitBuyer.page.setViewportSize({ width: 390, height: 844 });
  await kitBuyer.page.screenshot({ path: testInfo.outputPath("kit-order-390.png"), fullPage: true });

  // The dashboard lists the kit with what its components allow now (no cup left: none) and no stock of its own.
  await admin.dashboard.goto(kit.name);
  await expect(admin.dashboard.row(kit.name)).toContainText("Kit");
  await expect.poll(() => admin.dashboard.levelsOf(kit.name)).toMatchObject({ available: 0 });
});

test("the admin builds a kit from components, seeing how many could be sold while picking, and the dashboard lists it", async ({
  makeProduct,
  admin,
}, testInfo) => {
  const brush = await makeProduct({ onHand: 9, label: "Kit Brush" });
  const soap = await makeProduct({ onHand: 4, label: "Kit Soap" });
  await admin.page.goto("/admin/products");
  const form = admin.page.getByRole("form", { name: "New kit" });
  await form.getByLabel("Name").fill(`Bath Kit ${brush.name.split(" ").pop()}`);
  await form.getByLabel("Price (USD)").fill("24.00");
  const status = form.getByRole("status", { name: "Kits available" });
  await expect(status).toContainText("Choose what goes in the kit");

  await form.getByLabel("Product 1", { exact: true }).selectOption({ label: `${brush.name} (${brush.slug.toUpperCase()})` });
  await form.getByLabel("How many of product 1 one kit takes").fill("2");
  // 9 brushes, 2 a kit: 4 kits, read live as the row is filled in.
  await expect(status).toContainText("4 kits could be sold now");
  await form.getByLabel("Product 2", { exact: true }).selectOption({ label: `${soap.name} (${soap.slug.toUpperCase()})` });
  await expect(status).toContainText("4 kits could be sold now");
  await form.getByLabel("How many of product 2 one kit takes").fill("2");
  // 4 soaps, 2 a kit: the soap now sets the limit.
  await expect(status).toContainText("2 kits could be sold now");
  await expect(status).toContainText(`${soap.name} allows the fewest`);
  await admin.page.screenshot({ path: testInfo.outputPath("kit-builder-1280.png"), fullPage: true });

  await form.getByRole("button", { name: "Create kit" }).click();
  await expect(form.getByRole("status").filter({ hasText: "Created the kit" })).toContainText(`of 2 × ${brush.name}, 2 × ${soap.name}: 2 can be sold now`);

  const kitName = `Bath Kit ${brush.name.split(" ").pop()}`;
  // The product list has it too, with the kits it can sell (it has no stock of its own).
  const listed = admin.page.getByRole("row").filter({ hasText: kitName });
  await expect(listed).toContainText("Kit");
  await expect(listed.getByRole("cell").nth(3)).toHaveText("2");
  await admin.dashboard.goto(kitName);
  await expect.poll(() => admin.dashboard.levelsOf(kitName)).toMatchObject({ available: 2 });
  await admin.page.getByRole("button", { name: `Show what is in ${kitName}` }).click();
  await expect(admin.dashboard.table).toContainText(`2 × ${soap.name}`);
  await expect(admin.dashboard.table).toContainText("sets the limit");
  await admin.page.screenshot({ path: testInfo.outputPath("kit-dashboard-1280.png"), fullPage: true });

  await admin.page.setViewportSize({ width: 390, height: 844 });
  await admin.page.screenshot({ path: testInfo.outputPath("kit-dashboard-390.png"), fullPage: true });
  await admin.page.goto("/admin/products");
  await admin.page.getByRole("form", { name: "New kit" }).scrollIntoViewIfNeeded();
  await admin.page.screenshot({ path: testInfo.outputPath("kit-builder-390.png"), fullPage: true });
});
