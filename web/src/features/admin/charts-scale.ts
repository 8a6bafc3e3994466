/** Pure geometry of the console's bar charts (charts-bar.tsx), kept apart so it can be tested. */

export interface DayPoint {
  day: string;
  count: number;
}

/** A round upper bound for the y axis: 1, 2, 5 × 10^n, at least `max` (and at least 1). */
export function niceMax(max: number): number {
  if (max <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

export interface Bar {
  day: string;
  count: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Bars in a `width` × `height` box (SVG units): one slot per day, a gap of a fifth of the slot
 * between bars, heights against `niceMax`. A non-zero count is at least one unit tall, so that it
 * never looks like zero.
 */
export function layoutBars(points: readonly DayPoint[], width: number, height: number): { bars: Bar[]; max: number } {
  const max = niceMax(Math.max(0, ...points.map((p) => p.count)));
  const slot = points.length > 0 ? width / points.length : width;
  const gap = slot / 5;
  const bars = points.map((p, i) => {
    const h = p.count === 0 ? 0 : Math.max(1, (p.count / max) * height);
    return { day: p.day, count: p.count, x: i * slot + gap / 2, y: height - h, width: slot - gap, height: h };
  });
  return { bars, max };
}

/** What a screen reader hears about a series: its total, and its busiest day (the first one on a tie). */
export function summarize(points: readonly DayPoint[]): { total: number; peak: DayPoint | null } {
  let peak: DayPoint | null = null;
  let total = 0;
  for (const p of points) {
    total += p.count;
    if (p.count > 0 && (!peak || p.count > peak.count)) peak = p;
  }
  return { total, peak };
}

/** Which days get an x-axis label: the first, the last, and about `count` evenly spaced in between. */
export function labelledIndexes(length: number, count = 5): number[] {
  if (length <= count) return Array.from({ length }, (_, i) => i);
  const step = (length - 1) / (count - 1);
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round(i * step)))];
}
