import { describe, expect, it } from '@jest/globals';
import { bucketOf, LATENCY_BUCKETS, quantileOf } from './latency-histogram.js';

const histogram = (durations: number[]): number[] => {
  const buckets = Array.from({ length: LATENCY_BUCKETS }, () => 0);
  for (const d of durations) buckets[bucketOf(d)]! += 1;
  return buckets;
};

describe('the rollup latency histogram', () => {
  it('has no p95 without requests', () => {
    expect(quantileOf(histogram([]), 0.95)).toBeNull();
  });

  it('places the p95 inside the bucket that holds it', () => {
    // 95 fast requests (≤ 5 ms) and 5 slow ones (250 < d ≤ 500 ms): the p95 is within the fast bucket.
    expect(quantileOf(histogram([...Array(95).fill(3), ...Array(5).fill(400)]), 0.95)).toBeLessThanOrEqual(5);
    // 90 fast and 10 slow: the p95 falls among the slow ones.
    const p95 = quantileOf(histogram([...Array(90).fill(3), ...Array(10).fill(400)]), 0.95)!;
    expect(p95).toBeGreaterThan(250);
    expect(p95).toBeLessThanOrEqual(500);
  });

  it('answers the last bound for requests slower than every bound', () => {
    expect(quantileOf(histogram([60_000]), 0.95)).toBe(10_000);
  });
});
