import Link from "next/link";
import type { ProductSeries } from "@/lib/admin/ledger-charts";
import { stepChart } from "./chart-geometry";

const BOX = { width: 240, height: 72, pad: { top: 6, right: 4, bottom: 6, left: 4 } };

/**
 * One product's available stock as a small step chart, for the ledger's grid of every product. Hovering a step
 * shows its time and level; the card opens the product's full chart and movements.
 */
export function LedgerSparkline({ series, selected }: { series: ProductSeries; selected: boolean }) {
  const { points } = series;
  const now = points.length ? points[points.length - 1]!.available : null;
  const chart = points.length ? stepChart(points, BOX) : null;
  return (
    <li className={selected ? "ledger-multiple is-selected" : "ledger-multiple"}>
      <Link
        href={`/admin/ledger?productId=${series.productId}`}
        className="ledger-multiple-name"
        title={series.name}
        aria-current={selected ? "true" : undefined}
      >
        {series.name}
      </Link>
      {chart ? (
        <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-label={`Available stock of ${series.name} over its last ${points.length} movements, now ${now}.`}>
          <line x1={BOX.pad.left} x2={BOX.width - BOX.pad.right} y1={chart.y(0)} y2={chart.y(0)} className="axis" />
          <path d={chart.path} className="line" />
          {chart.bands.map((band) => (
            <g key={band.key} className="hover-group">
              <rect x={band.x} y={0} width={band.width} height={BOX.height} className="hover-band">
                <title>{band.label}</title>
              </rect>
              <circle cx={band.x} cy={band.y} r={3} className="hover-dot" />
              <text x={BOX.width - BOX.pad.right - 2} y={14} textAnchor="end" className="hover-label">
                {band.label.slice(11)}
              </text>
            </g>
          ))}
        </svg>
      ) : (
        <p className="muted small">No stock movements yet.</p>
      )}
      <p className="ledger-multiple-now">
        {now === null ? "no movements" : `${now} available now`}
        {series.archived ? " · archived" : ""}
      </p>
    </li>
  );
}
