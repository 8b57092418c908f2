/** Phone-width checks shared by the journeys: no sideways scroll, and a full-page screenshot to look at. */
import { expect, type Page, type TestInfo } from "@playwright/test";

export const PHONE = { width: 390, height: 844 };

/** The page itself never scrolls sideways: wide tables scroll inside their own box. */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, `${page.url()} is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
}

/** A full-page screenshot in the test's output folder (test-results/…/<name>.png). */
export async function snap(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}
