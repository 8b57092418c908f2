/**
 * Journey 41: the dashboard's "Today" cards (revenue, refunds, net, held → paid) show what the sales API answers,
 * and follow a sale and a refund without a reload; right at 1280 and 390 px.
 */
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, guestEmail, test } from "./fixtures";
import { expectNoSidewaysScroll, PHONE, snap } from "./phone";
import { ADMIN_API_TOKEN, CARDS } from "./test-env";

interface SalesToday {
  revenue: { cents: number; orders: number };
  refunds: { cents: number; count: number };
  netCents: number;
  conversion: { paid: number; ended: number; percent: number | null };
}

const dollars = (cents: number) => new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(cents / 100);
const plural = (n: number, one: string) => `${n} ${n === 1 ? one : `${one}s`}`;

/** The cards' text as the figures should read: [label, figure, note] per card. */
const expectedCards = (s: SalesToday) => [
  ["Revenue", dollars(s.revenue.cents), plural(s.revenue.orders, "order")],
  ["Refunds", s.refunds.cents > 0 ? `−${dollars(s.refunds.cents)}` : dollars(0), plural(s.refunds.count, "refund")],
  ["Net", dollars(s.netCents), "revenue − refunds"],
  ["Held → paid", s.conversion.percent === null ? "–" : `${s.conversion.percent} %`, `${s.conversion.paid} of ${plural(s.conversion.ended, "checkout")} paid`],
];

const today = (page: Page) => page.getByRole("region", { name: /^Today/ });

async function shownCards(page: Page): Promise<string[][]> {
  const cards = today(page).locator(".sales-card");
  return cards.evaluateAll((all) => all.map((card) => [...card.querySelectorAll("dt, dd")].map((e) => e.textContent?.trim() ?? "")));
}

async function salesNow(page: Page): Promise<SalesToday> {
  const response = await page.request.get("/api/admin/sales/today", { headers: { authorization: `Bearer ${ADMIN_API_TOKEN}` } });
  expect(response.status()).toBe(200);
  return (await response.json()) as SalesToday;
}

/** The cards match the API, read around them (another journey may sell between the two reads). */
async function cardsMatchApi(page: Page): Promise<SalesToday | null> {
  const before = await salesNow(page);
  const shown = await shownCards(page);
  const after = await salesNow(page);
  return JSON.stringify(shown) === JSON.stringify(expectedCards(before)) || JSON.stringify(shown) === JSON.stringify(expectedCards(after)) ? after : null;
}

test("the dashboard's Today cards show revenue, refunds, net and held → paid, and follow a sale and a refund live", async ({
  makeProduct,
  admin,
  request,
}) => {
  const product = await makeProduct({ onHand: 3, label: "Counted Lamp", priceCents: 4321 });
  await admin.dashboard.goto(product.name);
  await expect(today(admin.page)).toContainText("since 00:00 UTC");
  await expect.poll(() => cardsMatchApi(admin.page)).not.toBeNull();
  const start = (await cardsMatchApi(admin.page)) ?? (await salesNow(admin.page));
  await admin.page.evaluate(() => {
    (window as Window & { e2eNoReload?: boolean }).e2eNoReload = true;
  });

  // A shopper elsewhere buys one, over the Store API (its own cookies make it a guest).
  expect((await request.post("/api/cart/lines", { data: { productId: product.id, quantity: 1 } })).status()).toBe(200);
  const started = await request.post("/api/checkout", { data: { email: guestEmail() } });
  expect(started.status(), await started.text()).toBe(201);
  const { checkout } = (await started.json()) as { checkout: { id: string } };
  const paid = await request.post(`/api/checkout/${checkout.id}/pay`, {
    headers: { "Idempotency-Key": `e2e-sales-pay-${checkout.id}` },
    data: { cardNumber: CARDS.ok },
  });
  expect(paid.status(), await paid.text()).toBe(200);
  const orderId = ((await paid.json()) as { order: { id: string } }).order.id;

  // The sale shows up by itself.
  await expect
    .poll(async () => {
      const now = await cardsMatchApi(admin.page);
      return now !== null && now.revenue.cents >= start.revenue.cents + 4321 && now.conversion.paid > start.conversion.paid;
    })
    .toBe(true);

  const refunded = await admin.page.request.post(`/api/admin/orders/${orderId}/refund`, {
    headers: { authorization: `Bearer ${ADMIN_API_TOKEN}`, "Idempotency-Key": `e2e-sales-${orderId}` },
    data: { restock: true, reason: "changed their mind" },
  });
  expect(refunded.status(), await refunded.text()).toBe(200);
  await expect
    .poll(async () => {
      const now = await cardsMatchApi(admin.page);
      return now !== null && now.refunds.cents >= start.refunds.cents + 4321 && now.refunds.count > start.refunds.count;
    })
    .toBe(true);
  expect(await admin.page.evaluate(() => (window as Window & { e2eNoReload?: boolean }).e2eNoReload)).toBe(true);
  // The cards pass axe (WCAG 2 A/AA), whatever the rest of the page does.
  const axe = await new AxeBuilder({ page: admin.page }).include(".sales-today").withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await today(admin.page).screenshot({ path: test.info().outputPath("sales-today-1280.png") });
  await snap(admin.page, test.info(), "dashboard-1280");

  // On a phone the cards sit two by two, nothing wider than the screen.
  await admin.page.setViewportSize(PHONE);
  await expect.poll(() => cardsMatchApi(admin.page)).not.toBeNull();
  await expectNoSidewaysScroll(admin.page);
  const boxes = await today(admin.page).locator(".sales-card").evaluateAll((all) => all.map((c) => c.getBoundingClientRect().toJSON() as DOMRect));
  expect(boxes[0]!.top).toBe(boxes[1]!.top);
  expect(boxes[2]!.top).toBeGreaterThan(boxes[0]!.bottom);
  for (const box of boxes) expect(box.right).toBeLessThanOrEqual(PHONE.width);
  await snap(admin.page, test.info(), "dashboard-390");
});
