import type { AvailablePoint } from "@/lib/admin/ledger-charts";
import { formatTime } from "./format";

export interface StepChart {
  path: string;
  /** One band per step, for hover values: the level from this movement until the next. */
  bands: { x: number; width: number; y: number; label: string; key: number }[];
  x: (t: number) => number;
  y: (v: number) => number;
  top: number;
}

/** A step line through the points in a box, and a hover band per step ("2026-01-31 14:05:09 UTC: 4 available"). */
export function stepChart(
  points: AvailablePoint[],
  box: { width: number; height: number; pad: { top: number; right: number; bottom: number; left: number } },
): StepChart {
  const times = points.map((p) => Date.parse(p.at));
  const first = times[0]!;
  const span = Math.max(times[times.length - 1]! - first, 1);
  const top = Math.max(1, ...points.map((p) => p.available));
  const plotWidth = box.width - box.pad.left - box.pad.right;
  const plotHeight = box.height - box.pad.top - box.pad.bottom;
  const x = (t: number) => box.pad.left + ((t - first) / span) * plotWidth;
  const y = (v: number) => box.pad.top + plotHeight - (Math.max(0, v) / top) * plotHeight;
  const right = box.pad.left + plotWidth;

  let path = `M ${x(times[0]!)} ${y(points[0]!.available)}`;
  points.forEach((p, i) => {
    if (i > 0) path += ` H ${x(times[i]!)} V ${y(p.available)}`;
  });
  path += ` H ${right}`;

  const bands = points.map((p, i) => {
    const start = x(times[i]!);
    const end = i + 1 < points.length ? x(times[i + 1]!) : right;
    return {
      key: p.movementId,
      x: start,
      // At least a sliver, so movements in the same second can each be hovered.
      width: Math.max(end - start, 2),
      y: y(p.available),
      label: `${formatTime(p.at)}: ${p.available} available`,
    };
  });
  return { path, bands, x, y, top };
}
