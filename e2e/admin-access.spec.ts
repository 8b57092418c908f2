/** Journey 9: only admins get into the admin area; a visitor is sent to sign in, a shopper is refused. */
import { expect, test } from "./fixtures";

const adminPages = ["/admin", "/admin/holds", "/admin/orders", "/admin/products", "/admin/ledger"];

test("a visitor is sent to sign in and a shopper is refused the admin pages", async ({ shopper, signedInShopper }) => {
  for (const path of adminPages) {
    await shopper.page.goto(path);
    await expect(shopper.page).toHaveURL(/\/signin\?callbackUrl=/);
    // Back to the page they asked for after signing in.
    expect(new URL(shopper.page.url()).searchParams.get("callbackUrl")).toMatch(new RegExp(`${path}$`));
    await expect(shopper.page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  }
  expect((await shopper.page.request.get("/api/admin/stock")).status()).toBe(401);

  for (const path of adminPages) {
    const response = await signedInShopper.page.goto(path);
    expect(response?.status()).toBe(403);
    await expect(signedInShopper.page.getByRole("heading", { name: /Admins only/ })).toBeVisible();
    await expect(signedInShopper.page.getByRole("table")).toHaveCount(0);
  }
  expect((await signedInShopper.page.request.get("/api/admin/stock")).status()).toBe(403);
  await expect(signedInShopper.page.getByRole("link", { name: "Admin", exact: true })).toHaveCount(0);
});
