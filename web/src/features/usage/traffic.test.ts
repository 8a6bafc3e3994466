import { describe, expect, it } from 'vitest';
import { everyDay, niceCeiling, totals } from './traffic.ts';

describe('the traffic overview', () => {
  const report = {
    from: '2026-11-28',
    to: '2026-12-01',
    daily: [
      { day: '2026-11-29', requests: 90, errorRate: 0, clientErrorRate: 0.1, p95LatencyMs: 40 },
      { day: '2026-12-01', requests: 10, errorRate: 0.5, clientErrorRate: 0, p95LatencyMs: 250 },
    ],
  };

  it('shows every day of the window, quiet days at zero', () => {
    expect(everyDay(report).map((d) => [d.day, d.requests, d.p95LatencyMs])).toEqual([
      ['2026-11-28', 0, null],
      ['2026-11-29', 90, 40],
      ['2026-11-30', 0, null],
      ['2026-12-01', 10, 250],
    ]);
  });

  it('sums requests, weighs error rates by volume, and reports the worst p95', () => {
    expect(totals(everyDay(report))).toEqual({ requests: 100, errorRate: 0.05, worstP95Ms: 250 });
    expect(totals([])).toEqual({ requests: 0, errorRate: 0, worstP95Ms: null });
  });

  it('rounds the axis up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 3, 7, 10, 11, 180, 501].map(niceCeiling)).toEqual([1, 1, 5, 10, 10, 20, 200, 1000]);
  });
});
