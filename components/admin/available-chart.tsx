import type { AvailablePoint } from "@/lib/admin/ledger-charts";
import { stepChart } from "./chart-geometry";
import { formatTime } from "./format";

const BOX = { width: 640, height: 200, pad: { top: 28, right: 16, bottom: 28, left: 40 } };

/**
 * Available stock over time as a step line: each ledger movement sets a new level that holds until the next.
 * Hovering (or tapping) a step shows its time and level. Plain SVG drawn on the server, no chart library.
 */
export function AvailableChart({ points, productName }: { points: AvailablePoint[]; productName: string }) {
  if (points.length === 0) return <p className="muted">No stock movements yet.</p>;

  const chart = stepChart(points, BOX);
  const { y, top } = chart;
  const plotRight = BOX.width - BOX.pad.right;
  const now = points[points.length - 1]!.available;
  const low = Math.min(...points.map((p) => p.available));
  const summary =
    `Available stock of ${productName} over its last ${points.length} movements, ` +
    `from ${formatTime(points[0]!.at)} to ${formatTime(points[points.length - 1]!.at)}: ` +
    `between ${low} and ${top}, now ${now}.`;

  return (
    <figure className="admin-chart">
      <svg viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-label={summary}>
        <title>{summary}</title>
        <line x1={BOX.pad.left} x2={plotRight} y1={y(0)} y2={y(0)} className="axis" />
        <line x1={BOX.pad.left} x2={BOX.pad.left} y1={BOX.pad.top} y2={y(0)} className="axis" />
        <text x={BOX.pad.left - 6} y={y(top) + 4} textAnchor="end">
          {top}
        </text>
        <text x={BOX.pad.left - 6} y={y(0) + 4} textAnchor="end">
          0
        </text>
        <text x={BOX.pad.left} y={BOX.height - 8}>
          {formatTime(points[0]!.at)}
        </text>
        <text x={plotRight} y={BOX.height - 8} textAnchor="end">
          {formatTime(points[points.length - 1]!.at)}
        </text>
        <path d={chart.path} className="line" />
        {chart.bands.map((band) => (
          <g key={band.key} className="hover-group">
            <rect x={band.x} y={BOX.pad.top} width={band.width} height={y(0) - BOX.pad.top} className="hover-band">
              <title>{band.label}</title>
            </rect>
            <circle cx={band.x} cy={band.y} r={4} className="hover-dot" />
            <text x={plotRight} y={16} textAnchor="end" className="hover-label">
              {band.label}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>Available now: {now}. Hover over the line to read each level.</figcaption>
    </figure>
  );
}
