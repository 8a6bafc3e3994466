import { describe, expect, it } from 'vitest';
import { lastDays } from './daily.ts';

describe('lastDays', () => {
  it('gives one point per day, oldest first, zero where nothing was used', () => {
    const points = lastDays(
      [
        { day: '2026-12-03', metric: 'messages', amount: 4 },
        { day: '2026-12-01', metric: 'messages', amount: 2 },
        { day: '2026-12-03', metric: 'tokens', amount: 900 },
      ],
      'messages',
      3,
      new Date('2026-12-03T15:00:00Z'),
    );
    expect(points.map((p) => [p.day, p.amount])).toEqual([
      ['2026-12-01', 2],
      ['2026-12-02', 0],
      ['2026-12-03', 4],
    ]);
  });
});
