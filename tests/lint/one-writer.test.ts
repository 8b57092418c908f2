/**
 * lib/inventory/ is the only writer of stock levels, holds and the ledger, and lib/checkout/states.ts the only
 * writer of a checkout's status: the lint step (eslint.config.mjs) fails any other file of the app that tries.
 */
import fs from "node:fs";
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
// The code below is linted as if it were at a path that does not exist; import/no-cycle reads files from disk,
// so it is tried on real files (the last test) and left out here.
const eslint = new ESLint({ cwd: root, overrideConfig: { rules: { "import/no-cycle": "off" } } });

async function problemsOf(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

const header = `import { sql } from "drizzle-orm";\nimport { db } from "@/db/client";\n`;

describe("one writer of the stock tables", () => {
  it("fails a file outside lib/inventory that imports a stock table", async () => {
    const problems = await problemsOf(`${header}import { stockLevels } from "@/db/schema";\nexport const rows = () => db.select().from(stockLevels);\n`, "lib/orders/sneaky.ts");
    expect(problems.some((p) => p.startsWith("no-restricted-imports"))).toBe(true);
  });

  it("fails a read model that writes holds, the ledger or stock rows", async () => {
    for (const write of [
      `db.update(reservations).set({ quantity: 1 })`,
      `db.insert(stockMovements).values({ productId: "p", kind: "receive" })`,
      `db.delete(stockLevels)`,
      "db.execute(sql`update stock_levels set on_hand = 0`)",
      "db.execute(sql`insert into reservations (quantity) values (1)`)",
    ]) {
      const code = `${header}import { reservations, stockLevels, stockMovements } from "@/db/schema";\nexport const write = () => ${write};\nvoid sql;\nvoid [reservations, stockLevels, stockMovements];\n`;
      const problems = await problemsOf(code, "lib/catalog.ts");
      expect(problems.some((p) => p.startsWith("no-restricted-syntax")), write).toBe(true);
    }
  });

  it("lets lib/inventory write them", async () => {
    const code = `${header}import { stockLevels } from "@/db/schema";\nexport const write = () => db.update(stockLevels).set({ onHand: 1 });\nvoid sql;\n`;
    expect(await problemsOf(code, "lib/inventory/sneaky.ts")).toEqual([]);
  });
});

describe("one door for a checkout's status", () => {
  it("fails a file other than lib/checkout/states.ts that sets checkouts.status", async () => {
    for (const file of ["lib/checkout/pay.ts", "lib/inventory/sneaky.ts", "app/api/sneaky/route.ts"]) {
      const code = `${header}import { checkouts } from "@/db/schema";\nexport const end = () => db.update(checkouts).set({ status: "cancelled", endedAt: sql\`now()\` });\n`;
      const problems = await problemsOf(code, file);
      expect(problems.some((p) => p.startsWith("no-restricted-syntax")), file).toBe(true);
    }
  });

  it("lets other columns of a checkout be written, and moveTo write its status", async () => {
    const code = `${header}import { checkouts } from "@/db/schema";\nexport const touch = () => db.update(checkouts).set({ totalCents: 1, endedAt: sql\`now()\` });\n`;
    expect(await problemsOf(code, "lib/checkout/checkout.ts")).toEqual([]);
    const door = `${header}import { checkouts } from "@/db/schema";\nexport const end = () => db.update(checkouts).set({ status: "cancelled", endedAt: sql\`now()\` });\n`;
    expect(await problemsOf(door, "lib/checkout/states.ts")).toEqual([]);
  });
});

describe("floors and circles", () => {
  it("fails a file in db/ that imports from lib/", async () => {
    const problems = await problemsOf(`import { env } from "@/lib/platform/env";\nexport const url = env.DATABASE_URL;\n`, "db/sneaky.ts");
    expect(problems.some((p) => p.startsWith("no-restricted-imports"))).toBe(true);
  });

  it("fails an import that closes a circle", async () => {
    const dir = fs.mkdtempSync(path.join(root, "lib", ".cycle-check-"));
    try {
      fs.writeFileSync(path.join(dir, "a.ts"), `import { b } from "./b";\nexport const a = () => b;\n`);
      fs.writeFileSync(path.join(dir, "b.ts"), `import { a } from "./a";\nexport const b = () => a;\n`);
      const [result] = await new ESLint({ cwd: root }).lintFiles([path.join(dir, "a.ts")]);
      expect(result!.messages.map((m) => m.ruleId)).toContain("import/no-cycle");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
