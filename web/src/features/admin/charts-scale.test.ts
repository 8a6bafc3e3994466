import { describe, expect, it } from 'vitest';
import { labelledIndexes, layoutBars, niceMax, summarize } from './charts-scale.ts';

describe('niceMax', () => {
  it('rounds up to 1, 2 or 5 times a power of ten, and is at least 1', () => {
    expect([0, 1, 2, 3, 7, 10, 11, 24, 51, 999, 1001].map(niceMax)).toEqual([1, 1, 2, 5, 10, 10, 20, 50, 100, 1000, 2000]);
  });
});

describe('layoutBars', () => {
  const points = [
    { day: '2026-12-01', count: 0 },
    { day: '2026-12-02', count: 10 },
    { day: '2026-12-03', count: 5 },
    { day: '2026-12-04', count: 1 },
  ];

  it('gives each day a slot of equal width, bars standing on the bottom edge, scaled to the rounded maximum', () => {
    const { bars, max } = layoutBars(points, 400, 100);

    expect(max).toBe(10);
    expect(bars.map((b) => b.x)).toEqual([10, 110, 210, 310]);
    expect(bars.every((b) => b.width === 80)).toBe(true);
    expect(bars.map((b) => b.height)).toEqual([0, 100, 50, 10]);
    expect(bars.every((b) => b.y + b.height === 100)).toBe(true);
  });

  it('keeps a small non-zero count visible (at least one unit tall), and zero flat', () => {
    const { bars } = layoutBars([{ day: 'a', count: 1 }, { day: 'b', count: 0 }, { day: 'c', count: 1000 }], 30, 100);

    expect(bars[0]!.height).toBe(1);
    expect(bars[1]!.height).toBe(0);
  });

  it('draws nothing for an empty series', () => {
    expect(layoutBars([], 100, 100)).toEqual({ bars: [], max: 1 });
  });
});

describe('summarize', () => {
  it('totals the series and names its busiest day, the first one on a tie', () => {
    expect(summarize([{ day: 'a', count: 2 }, { day: 'b', count: 3 }, { day: 'c', count: 3 }])).toEqual({ total: 8, peak: { day: 'b', count: 3 } });
  });

  it('has no busiest day when nothing happened', () => {
    expect(summarize([{ day: 'a', count: 0 }])).toEqual({ total: 0, peak: null });
  });
});

describe('labelledIndexes', () => {
  it('labels every day of a short series, and first, last and evenly spaced days of a long one', () => {
    expect(labelledIndexes(3)).toEqual([0, 1, 2]);
    expect(labelledIndexes(7)).toEqual([0, 2, 3, 5, 6]);
    expect(labelledIndexes(90)).toEqual([0, 22, 45, 67, 89]);
  });
});
