import { describe, expect, it } from 'vitest';
import { diffLines } from './diff.ts';

describe('diffLines', () => {
  it('marks removed and added lines around the common ones', () => {
    expect(diffLines('You are helpful.\nBe brief.', 'You are helpful.\nBe thorough.\nCite sources.')).toEqual([
      { kind: 'same', text: 'You are helpful.' },
      { kind: 'removed', text: 'Be brief.' },
      { kind: 'added', text: 'Be thorough.' },
      { kind: 'added', text: 'Cite sources.' },
    ]);
  });

  it('finds nothing to change between equal texts', () => {
    expect(diffLines('a\nb', 'a\nb').every((l) => l.kind === 'same')).toBe(true);
  });
});
