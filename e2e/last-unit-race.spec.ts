/**
 * Journey 6: two shoppers in two browser contexts press Checkout at the same moment for the last unit. Exactly
 * one holds it; the other is told which line is short and how many are left, and can adjust the cart.
 */
import { expect, test, type Visitor } from "./fixtures";

test("two shoppers race for the last unit: one holds it, the other is told and can adjust", async ({
  makeProduct,
  newShopper,
}) => {
  const lastUnit = await makeProduct({ onHand: 1, label: "Last Unit Vase" });
  const [first, second] = [await newShopper(), await newShopper()];
  // Each also wants something plentiful, so the refusal has to say which line is the short one.
  const extras = [await makeProduct({ onHand: 10, label: "Plenty Mug" }), await makeProduct({ onHand: 10, label: "Plenty Tin" })];
  for (const [index, shopper] of [first, second].entries()) {
    await shopper.addToCart(lastUnit, 1);
    await shopper.addToCart(extras[index]!, 1);
    await shopper.cart.goto();
    await shopper.cart.email.fill(`racer-${index}@example.test`);
  }

  await Promise.all([first.cart.checkoutButton.click(), second.cart.checkoutButton.click()]);
  const outcome = async (shopper: Visitor) => {
    await expect(shopper.checkout.timer.or(shopper.cart.refusal)).toBeVisible();
    return (await shopper.checkout.timer.isVisible()) ? "held" : "refused";
  };
  const outcomes = await Promise.all([outcome(first), outcome(second)]);
  expect([...outcomes].sort()).toEqual(["held", "refused"]);
  const winner = outcomes[0] === "held" ? first : second;
  const loser = winner === first ? second : first;
  const loserExtra = extras[loser === first ? 0 : 1]!;

  await expect(winner.checkout.heldItems).toContainText(lastUnit.name);
  await expect(loser.page).toHaveURL(/\/cart$/);
  await expect(loser.cart.shortLine(lastUnit.name)).toContainText("sold out (you asked for 1)");
  await expect(loser.cart.shortLine(loserExtra.name)).toHaveCount(0);
  await expect(loser.cart.adjustToStockButton).toBeVisible();

  await loser.cart.adjustToStockButton.click();
  await expect(loser.cart.line(lastUnit.name)).toHaveCount(0);
  await expect(loser.cart.line(loserExtra.name)).toBeVisible();
  await loser.cart.checkout(`racer-again@example.test`);
  await expect(loser.checkout.heldItems).toContainText(loserExtra.name);
  await expect(loser.checkout.heldItems).not.toContainText(lastUnit.name);
});
