import { describe, expect, it } from 'vitest';
import { auditCsv, csvCell } from './csv.ts';

describe('audit CSV', () => {
  it('quotes commas, quotes and newlines, and defuses formulas', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(null)).toBe('');
    expect(csvCell({ role: 'admin' })).toBe('"{""role"":""admin""}"');
  });

  it('writes a header and one line per event', () => {
    const csv = auditCsv([
      { id: '1', seq: '7', hash: 'h', actorType: 'user', actorId: 'u1', action: 'member.removed', targetType: 'user', targetId: 'u2', ip: '127.0.0.1', userAgent: null, data: null, createdAt: '2026-12-03T10:00:00.000Z' },
    ]);
    expect(csv).toBe('seq,createdAt,actorType,actorId,action,targetType,targetId,ip,data\r\n7,2026-12-03T10:00:00.000Z,user,u1,member.removed,user,u2,127.0.0.1,\r\n');
  });
});
