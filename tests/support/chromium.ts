import fs from "node:fs";

/**
 * The Chromium to drive: the one named in CHROMIUM_PATH (or PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH), else the
 * system's, else undefined (Playwright's own download). Used by playwright.config.ts and by tests that open a
 * browser themselves.
 */
export function chromiumExecutable(): string | undefined {
  const named = process.env.CHROMIUM_PATH ?? process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH;
  if (named) return named;
  return ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((candidate) => fs.existsSync(candidate));
}
