import { describe, expect, it } from '@jest/globals';
import { RepeatedErrors } from './repeated-errors.js';

describe('RepeatedErrors', () => {
  const setup = () => {
    const lines: string[] = [];
    const repeated = new RepeatedErrors((kind, repeats) => lines.push(`summary ${kind} ${repeats}`), 60_000);
    const report = (kind: string) => repeated.report(kind, () => lines.push(`full ${kind}`));
    return { lines, repeated, report };
  };

  it('logs the first error of a kind in full, counts its repeats, and summarises them', () => {
    const { lines, repeated, report } = setup();
    for (let i = 0; i < 1000; i++) report('database_unavailable');
    report('database_timeout');
    repeated.flush();
    report('database_unavailable');
    repeated.flush();
    repeated.stop();
    expect(lines).toEqual(['full database_unavailable', 'full database_timeout', 'summary database_unavailable 999', 'summary database_unavailable 1']);
  });

  it('logs a kind in full again once it has been quiet for a whole interval', () => {
    const { lines, repeated, report } = setup();
    report('database_unavailable');
    repeated.flush(); // quiet once: still remembered
    report('database_unavailable');
    repeated.flush();
    repeated.flush();
    repeated.flush(); // quiet for a whole interval: forgotten
    report('database_unavailable');
    repeated.stop();
    expect(lines).toEqual(['full database_unavailable', 'summary database_unavailable 1', 'full database_unavailable']);
  });
});
