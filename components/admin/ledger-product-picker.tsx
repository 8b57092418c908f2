"use client";

import { useRouter } from "next/navigation";
import { buttonClass } from "@/components/ui/button";

/**
 * Picks the product whose chart and movements the ledger shows: choosing one draws it at once. The Show button
 * is for browsers without JavaScript (a plain GET form).
 */
export function LedgerProductPicker({ products, selected }: { products: { id: string; name: string }[]; selected?: string }) {
  const router = useRouter();
  return (
    <form method="get" className="row admin-picker">
      <label htmlFor="ledger-product" className="field-label">
        Product
      </label>
      <select
        id="ledger-product"
        name="productId"
        className="select"
        defaultValue={selected ?? ""}
        onChange={(event) => {
          const id = event.currentTarget.value;
          router.push(id ? `/admin/ledger?productId=${id}` : "/admin/ledger");
        }}
      >
        <option value="">All products</option>
        {products.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
      <noscript>
        <button type="submit" className={buttonClass("secondary")}>
          Show
        </button>
      </noscript>
    </form>
  );
}
