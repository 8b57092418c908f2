import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { formatMoney } from "@/components/ui/money";
import type { VariantLevelView } from "@/lib/inventory/levels";
import "./variant-forms.css";

/**
 * A product's variants with their levels: on hand, reserved (held in checkouts), allocated (sold, not yet
 * shipped) and available. Retired variants stay listed: their orders and ledger keep them.
 */
export function VariantLevelsTable({
  productId,
  optionNames,
  variants,
  selectedId,
}: {
  productId: string;
  optionNames: string[];
  variants: VariantLevelView[];
  selectedId: string | undefined;
}) {
  return (
    <div className="admin-scroll">
      <table className="table admin-table variant-levels" aria-labelledby="variants-title">
        <thead>
          <tr>
            <th scope="col">SKU</th>
            {optionNames.map((name) => (
              <th key={name} scope="col">
                {name}
              </th>
            ))}
            <th scope="col" className="num">
              Price
            </th>
            <th scope="col" className="num">
              On hand
            </th>
            <th scope="col" className="num">
              Reserved
            </th>
            <th scope="col" className="num">
              Allocated
            </th>
            <th scope="col" className="num">
              Available
            </th>
            <th scope="col">
              <span className="visually-hidden">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {variants.map((v) => (
            <tr key={v.id} className={v.id === selectedId ? "variant-selected" : undefined} aria-current={v.id === selectedId ? "true" : undefined}>
              <th scope="row" className="variant-sku-cell">
                <code>{v.sku}</code>
                {v.retired ? (
                  <>
                    {" "}
                    <Badge tone="neutral">Retired</Badge>
                  </>
                ) : null}
              </th>
              {optionNames.map((name) => (
                <td key={name} data-label={name} className="variant-levels-option">
                  {v.options[name] ?? "—"}
                </td>
              ))}
              <td className="num variant-levels-option" data-label="Price">
                {formatMoney(v.priceCents)}
              </td>
              <td className="num" data-label="On hand">
                {v.onHand}
              </td>
              <td className="num" data-label="Reserved">
                {v.reserved}
              </td>
              <td className="num" data-label="Allocated">
                {v.allocated}
              </td>
              <td className="num" data-label="Available">
                {v.available}
              </td>
              <td className="variant-levels-manage">
                <Link href={`/admin/products/${productId}?variant=${v.id}#variant-panel`} aria-label={`Manage ${v.sku}`} scroll={false}>
                  Manage
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
