import { defineConfig, devices } from "@playwright/test";
import { BASE_URL, E2E_PORT_PINNED } from "./e2e/test-env";
import { chromiumExecutable } from "./tests/support/chromium";

const isCI = Boolean(process.env.CI);

export default defineConfig({
  testDir: "e2e",
  fullyParallel: true,
  forbidOnly: isCI,
  // The journeys must pass without retries; one on CI only guards against a machine hiccup.
  retries: isCI ? 1 : 0,
  // A 2-core machine runs the app, PostgreSQL and the browsers: two workers is the measured sweet spot.
  workers: 2,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: BASE_URL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        headless: true,
        launchOptions: {
          // The system's Chromium when one is named or installed (Playwright's download is not reachable everywhere).
          executablePath: chromiumExecutable(),
          // A closed network makes Chromium's background traffic slow and noisy; none of it is needed here.
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
          ],
        },
      },
    },
  ],
  webServer: {
    command: "node --import tsx e2e/web-server.ts",
    // Ready when the server says its own app answers, and on which port: Playwright puts the captured group in
    // the workers' environment as E2E_PORT (e2e/test-env.ts). A health URL alone would accept any app that
    // happens to listen on the port first.
    wait: { stdout: /\[e2e server\] ready at http:\/\/127\.0\.0\.1:(?<e2e_port>\d+)/ },
    // A pinned port may be served by a server kept running between runs: use it rather than start another.
    ...(E2E_PORT_PINNED ? { url: `${BASE_URL}/api/health`, reuseExistingServer: !isCI } : {}),
    // A fresh clone may have to build first.
    timeout: 240_000,
    // Let the server stop Next.js and PostgreSQL and remove its temporary database directory.
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    stdout: "pipe",
    stderr: "pipe",
  },
});
