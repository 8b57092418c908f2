/**
 * Proving an email address before its guest orders join an account, and "Forgot password", in Chromium. The
 * e2e server has no SMTP server: its emails are kept in the outbox, where the admin reads them (/admin/outbox),
 * and their links are followed from there.
 */
import type { Page } from "@playwright/test";
import { expect, test, type Admin } from "./fixtures";
import { expectNoSidewaysScroll, PHONE, snap } from "./phone";
import { CARDS, CRON_SECRET } from "./test-env";

let accounts = 0;
const accountEmail = (label: string) => `${label}-${process.pid}-${++accounts}-${Date.now().toString(36)}@example.test`;

/**
 * The link in the newest email to `recipient` with this subject, read in the admin's outbox after the sweep
 * has run (it marks the emails kept: there is no mail server here). Answered as a path on the shop under test.
 */
async function linkFromOutbox(admin: Admin, request: import("@playwright/test").APIRequestContext, recipient: string, subject: string) {
  const sweep = await request.post("/api/cron/expire-reservations", { headers: { Authorization: `Bearer ${CRON_SECRET}` } });
  expect(sweep.status()).toBe(200);
  await admin.page.goto("/admin/outbox");
  const row = admin.page.getByRole("row").filter({ hasText: recipient }).filter({ hasText: subject });
  await expect(row).toHaveCount(1);
  await row.getByRole("link", { name: subject }).click();
  await expect(admin.page.getByRole("heading", { level: 1 })).toHaveText(subject);
  const href = await admin.page.getByRole("link", { name: /\/account\/(verify|reset)\?token=/ }).getAttribute("href");
  const url = new URL(href!);
  return `${url.pathname}${url.search}`;
}

async function looksRight(page: Page, testInfo: import("@playwright/test").TestInfo, name: string) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await snap(page, testInfo, `${name}-1280`);
  await page.setViewportSize(PHONE);
  await expectNoSidewaysScroll(page);
  await snap(page, testInfo, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

test("sign up → the email in the outbox → open its link → the guest orders appear", async ({
  makeProduct,
  shopper,
  newShopper,
  admin,
  request,
}, testInfo) => {
  const product = await makeProduct({ onHand: 3, label: "Proof Kettle", priceCents: 3100 });
  const email = accountEmail("proof");
  await shopper.addToCart(product, 1);
  await shopper.startCheckout(email);
  await shopper.checkout.pay(CARDS.ok);
  await expect(shopper.order.confirmation).toBeVisible();
  const orderNumber = (await shopper.page.getByRole("heading", { level: 1 }).textContent())!.match(/#([0-9a-f]{8})/)![1]!;

  // Someone signs up with that address in another browser: the account works, but the order is not theirs yet.
  const account = await newShopper();
  await account.page.goto("/signup");
  await account.page.getByLabel("Name").fill("Proof Shopper");
  await account.page.getByLabel("Email").fill(email);
  await account.page.getByLabel("Password").fill("a long enough password");
  await account.page.getByRole("button", { name: "Create account" }).click();
  await expect(account.page).not.toHaveURL(/\/signup/);
  await account.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Orders" }).click();
  const notice = account.page.getByRole("main").getByRole("status").filter({ hasText: "Confirm your email to see orders placed as a guest" });
  await expect(notice).toBeVisible();
  await expect(account.page.getByText(`#${orderNumber}`)).toHaveCount(0);
  await looksRight(account.page, testInfo, "orders-unverified");

  // "Send the link again" is limited: a link went out a moment ago.
  await notice.getByRole("button", { name: "Send the link again" }).click();
  await expect(notice.getByRole("alert")).toContainText("Too many verification emails");

  const link = await linkFromOutbox(admin, request, email, "Confirm your email for Stockhold");
  await account.page.goto(link);
  await expect(account.page.getByRole("heading", { level: 1 })).toHaveText("Confirm your email");
  await looksRight(account.page, testInfo, "verify");
  await account.page.getByRole("button", { name: "Confirm my email" }).click();
  await expect(account.page.getByRole("main").getByRole("status")).toContainText(`${email} is confirmed as yours. 1 order you placed as a guest joined your account.`);
  await account.page.getByRole("link", { name: "See your orders" }).click();
  await expect(account.page.getByRole("link", { name: `#${orderNumber}` })).toBeVisible();
  await expect(account.page.getByText("Confirm your email to see orders placed as a guest")).toHaveCount(0);

  // The link works once.
  await account.page.goto(link);
  await expect(account.page.getByRole("heading", { level: 1 })).toHaveText("This link does not work");
  await expect(account.page.getByRole("main").getByRole("alert")).toHaveText("This link has already been used. Each link works once.");
  await looksRight(account.page, testInfo, "verify-used");
});

test("forgot password → the email in the outbox → a new password → signing in with it", async ({ newShopper, admin, request }, testInfo) => {
  const email = accountEmail("forgot");
  const visitor = await newShopper();
  await visitor.page.goto("/signup");
  await visitor.page.getByLabel("Email").fill(email);
  await visitor.page.getByLabel("Password").fill("the first password");
  await visitor.page.getByRole("button", { name: "Create account" }).click();
  await expect(visitor.page).not.toHaveURL(/\/signup/);
  await visitor.context.clearCookies();

  await visitor.signIn.goto();
  await looksRight(visitor.page, testInfo, "signin");
  await visitor.page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(visitor.page).toHaveURL(/\/account\/forgot$/);
  await visitor.page.getByLabel("Email").fill(email);
  await visitor.page.getByRole("button", { name: "Send me a link" }).click();
  await expect(visitor.page.getByRole("main").getByRole("status")).toContainText("If an account exists for that address, we've sent a link");
  await looksRight(visitor.page, testInfo, "forgot-sent");

  const link = await linkFromOutbox(admin, request, email, "Set a new Stockhold password");
  await visitor.page.goto(link);
  await expect(visitor.page.getByRole("heading", { level: 1 })).toHaveText("Set a new password");
  await expect(visitor.page.getByText("At least 8 characters.")).toBeVisible();
  await looksRight(visitor.page, testInfo, "reset-form");
  await visitor.page.getByLabel("New password").fill("the second password");
  await visitor.page.getByRole("button", { name: "Set new password" }).click();
  await expect(visitor.page.getByRole("main").getByRole("status")).toContainText("Your new password is set.");
  await visitor.page.getByRole("link", { name: "Sign in" }).last().click();

  await expect(visitor.page).toHaveURL(/\/signin/);
  await visitor.page.getByLabel("Email").fill(email);
  await visitor.page.getByLabel("Password").fill("the first password");
  await visitor.page.getByRole("button", { name: "Sign in" }).click();
  await expect(visitor.page.getByRole("main").getByRole("alert")).toContainText("That email and password do not match an account.");
  await visitor.signIn.signIn(email, "the second password");
  await visitor.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Orders" }).click();
  // The link proved the address too.
  await expect(visitor.page.getByRole("heading", { level: 1 })).toHaveText("Your orders");
  await expect(visitor.page.getByText("Confirm your email to see orders placed as a guest")).toHaveCount(0);

  // Used once, the link says so and offers a new one.
  await visitor.page.goto(link);
  await expect(visitor.page.getByRole("main").getByRole("alert")).toHaveText("This link has already been used. Each link works once.");
  await expect(visitor.page.getByRole("link", { name: "Ask for a new link" })).toBeVisible();
  await looksRight(visitor.page, testInfo, "reset-used");
});
