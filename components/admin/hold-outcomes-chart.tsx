import { holdOutcomesLastHour, type HoldOutcomeMinute } from "@/lib/inventory/hold-outcome-counts";

const WIDTH = 640;
const HEIGHT = 150;
const PAD = { top: 12, right: 16, bottom: 26, left: 40 };

/** "14:05 UTC" from an ISO time, whatever the viewer's time zone. */
const minuteOf = (iso: string) => `${iso.slice(11, 16)} UTC`;

/**
 * Checkout starts of the last hour, per minute, summed over every app server: new holds below, refusals for
 * lack of stock stacked on top. The same numbers as the stockhold_hold_requests_total metric (lib/platform/metrics.ts).
 * Plain SVG drawn on the server, no chart library.
 */
export async function HoldOutcomesChart() {
  const minutes = await holdOutcomesLastHour();
  return <HoldOutcomesBars minutes={minutes} />;
}

export function HoldOutcomesBars({ minutes }: { minutes: HoldOutcomeMinute[] }) {
  const held = minutes.reduce((sum, m) => sum + m.held, 0);
  const refused = minutes.reduce((sum, m) => sum + m.refused, 0);
  if (minutes.length === 0 || held + refused === 0) {
    return (
      <figure className="admin-chart">
        <figcaption>Checkout starts in the last hour: none yet.</figcaption>
      </figure>
    );
  }

  const top = Math.max(1, ...minutes.map((m) => m.held + m.refused));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / minutes.length;
  const barWidth = Math.max(1, slot - 2);
  const height = (n: number) => (n / top) * plotHeight;
  const base = PAD.top + plotHeight;
  const summary =
    `Checkout starts per minute from ${minuteOf(minutes[0]!.minute)} to ${minuteOf(minutes.at(-1)!.minute)}: ` +
    `${held} held and ${refused} refused for lack of stock; the busiest minute had ${top}.`;

  return (
    <figure className="admin-chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary}>
        <title>{summary}</title>
        <line x1={PAD.left} x2={PAD.left + plotWidth} y1={base} y2={base} className="axis" />
        <line x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={base} className="axis" />
        <text x={PAD.left - 6} y={PAD.top + 4} textAnchor="end">
          {top}
        </text>
        <text x={PAD.left - 6} y={base + 4} textAnchor="end">
          0
        </text>
        <text x={PAD.left} y={HEIGHT - 8}>
          {minuteOf(minutes[0]!.minute)}
        </text>
        <text x={PAD.left + plotWidth} y={HEIGHT - 8} textAnchor="end">
          {minuteOf(minutes.at(-1)!.minute)}
        </text>
        {minutes.map((m, i) => {
          const x = PAD.left + i * slot + 1;
          return (
            <g key={m.minute}>
              {m.held > 0 && <rect x={x} y={base - height(m.held)} width={barWidth} height={height(m.held)} className="bar-held" />}
              {m.refused > 0 && (
                <rect
                  x={x}
                  y={base - height(m.held) - height(m.refused)}
                  width={barWidth}
                  height={height(m.refused)}
                  className="bar-refused"
                />
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        Last hour: <span className="legend legend-held" aria-hidden="true" /> {held} held,{" "}
        <span className="legend legend-refused" aria-hidden="true" /> {refused} refused for lack of stock.
      </figcaption>
    </figure>
  );
}
