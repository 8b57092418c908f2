import type { Locator } from "@playwright/test";

/**
 * One table row as { column heading → cell text }, so tests read "Reserved" or "Quantity" by name and survive
 * columns being added or moved. Row headers (`<th scope="row">`) count as cells.
 */
export async function readRow(table: Locator, row: Locator): Promise<Record<string, string>> {
  const headings = await table.getByRole("columnheader").allTextContents();
  const cells = await row.locator("th, td").allTextContents();
  return Object.fromEntries(headings.map((heading, index) => [heading.trim(), (cells[index] ?? "").trim()]));
}
