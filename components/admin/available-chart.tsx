import type { AvailablePoint } from "@/lib/admin-queries";
import { formatTime } from "./format";

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { top: 12, right: 16, bottom: 28, left: 40 };

/**
 * Available stock over time as a step line: each ledger movement sets a new level that holds until the next.
 * Plain SVG drawn on the server, no chart library.
 */
export function AvailableChart({ points, productName }: { points: AvailablePoint[]; productName: string }) {
  if (points.length === 0) return <p className="muted">No stock movements yet.</p>;

  const times = points.map((p) => Date.parse(p.at));
  const first = times[0]!;
  const last = times[times.length - 1]!;
  const span = Math.max(last - first, 1);
  const top = Math.max(1, ...points.map((p) => p.available));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + ((t - first) / span) * plotWidth;
  const y = (v: number) => PAD.top + plotHeight - (Math.max(0, v) / top) * plotHeight;

  let path = `M ${x(times[0]!)} ${y(points[0]!.available)}`;
  points.forEach((p, i) => {
    if (i === 0) return;
    path += ` H ${x(times[i]!)} V ${y(p.available)}`;
  });
  path += ` H ${PAD.left + plotWidth}`;

  const now = points[points.length - 1]!.available;
  const low = Math.min(...points.map((p) => p.available));
  const summary =
    `Available stock of ${productName} over its last ${points.length} movements, ` +
    `from ${formatTime(points[0]!.at)} to ${formatTime(points[points.length - 1]!.at)}: ` +
    `between ${low} and ${top}, now ${now}.`;

  return (
    <figure className="admin-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary}>
        <title>{summary}</title>
        <line x1={PAD.left} x2={PAD.left + plotWidth} y1={y(0)} y2={y(0)} className="axis" />
        <line x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={y(0)} className="axis" />
        <text x={PAD.left - 6} y={y(top) + 4} textAnchor="end">
          {top}
        </text>
        <text x={PAD.left - 6} y={y(0) + 4} textAnchor="end">
          0
        </text>
        <text x={PAD.left} y={HEIGHT - 8}>
          {formatTime(points[0]!.at)}
        </text>
        <text x={PAD.left + plotWidth} y={HEIGHT - 8} textAnchor="end">
          {formatTime(points[points.length - 1]!.at)}
        </text>
        <path d={path} className="line" />
      </svg>
      <figcaption>Available now: {now}</figcaption>
    </figure>
  );
}
