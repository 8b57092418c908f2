import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

/**
 * One writer: lib/inventory/ alone writes stock levels, holds (reservations) and the stock ledger. Elsewhere in the
 * app, these tables' schema objects may not be imported, and no insert, update or delete may name them (nor raw
 * SQL write them). The read models listed in `stockReaders` may import them to read (joins for the catalogue,
 * the cart, the checkout view and the admin's pages); the write rule still holds for them. db/ (migrations, seed,
 * reconcile), tests, e2e and bench set up and check the tables directly and are outside the app.
 */
const appCode = ["app/**/*.{ts,tsx}", "components/**/*.{ts,tsx}", "lib/**/*.{ts,tsx}", "proxy.ts", "instrumentation.ts"];
const stockTables = ["stockLevels", "reservations", "stockMovements"];
const stockWriteSelectors = [
  {
    selector: `CallExpression[callee.property.name=/^(insert|update|delete)$/][arguments.0.name=/^(${stockTables.join("|")})$/]`,
    message: "Stock levels, holds and the ledger are written by lib/inventory only: call its verbs (hold, extend, renew, allocate, release, expire, adjust).",
  },
  {
    selector: "TemplateElement[value.raw=/(insert\\s+into|update|delete\\s+from)\\s+\"?(stock_levels|reservations|stock_movements)\\b/i]",
    message: "Stock levels, holds and the ledger are written by lib/inventory only (raw SQL too).",
  },
];
const stockImportRule = [
  "error",
  {
    paths: [{ name: "@/db/schema", importNames: stockTables, message: "Stock tables belong to lib/inventory: use its read functions or verbs." }],
    patterns: [{ group: ["**/db/schema", "!@/db/schema"], importNames: stockTables, message: "Stock tables belong to lib/inventory: use its read functions or verbs." }],
  },
];
/** One door for a checkout's status: `moveTo` in lib/checkout/states.ts, which asserts the state machine's moves. */
const checkoutStatusSelectors = [
  {
    selector:
      "CallExpression[callee.property.name='set'][callee.object.callee.property.name='update'][callee.object.arguments.0.name='checkouts'] > ObjectExpression > Property[key.name='status']",
    message: "A checkout's status changes only through moveTo (lib/checkout/states.ts), which asserts the allowed moves.",
  },
  {
    selector: "TemplateElement[value.raw=/update\\s+\"?checkouts\"?\\s+set\\b[^;]*\\bstatus\\b/i]",
    message: "A checkout's status changes only through moveTo (lib/checkout/states.ts), which asserts the allowed moves.",
  },
];
/** Read models that join the stock tables in their reads (never writes: the syntax rule still applies). */
const stockReaders = ["lib/admin/stock.ts", "lib/admin/holds.ts", "lib/admin/ledger.ts", "lib/catalog/back-in-stock.ts", "lib/cart/index.ts", "lib/catalog/index.ts", "lib/checkout/view.ts", "lib/admin/ledger-charts.ts"];

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: appCode,
    ignores: ["lib/inventory/**", "lib/checkout/states.ts"],
    rules: {
      "no-restricted-syntax": ["error", ...stockWriteSelectors, ...checkoutStatusSelectors],
      "no-restricted-imports": stockImportRule,
    },
  },
  {
    files: ["lib/inventory/**/*.{ts,tsx}"],
    rules: { "no-restricted-syntax": ["error", ...checkoutStatusSelectors] },
  },
  {
    files: ["lib/checkout/states.ts"],
    rules: { "no-restricted-syntax": ["error", ...stockWriteSelectors], "no-restricted-imports": stockImportRule },
  },
  {
    // No circles between the app's modules: each floor imports only the ones below it. Tests, e2e journeys and
    // benches are leaves that nothing imports, so they cannot close a circle of the app's (and the check, which
    // reads every module a file reaches, took most of the lint's time over them).
    files: [...appCode, "db/**/*.ts"],
    rules: { "import/no-cycle": ["error", { ignoreExternal: true }] },
  },
  {
    // db/ is the floor: it imports nothing from lib/ (the app plugs in through db/client's setPoolHooks).
    files: ["db/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [{ group: ["@/lib/*", "**/lib/*"], message: "db/ imports nothing from lib/." }] }] },
  },
  {
    files: stockReaders,
    rules: { "no-restricted-imports": "off" },
  },
  globalIgnores([".next/**", ".data/**", "node_modules/**", "test-results/**", "playwright-report/**", "next-env.d.ts"]),
]);
