import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parseTenantsJsonl, TenantsFileError } from './tenants-jsonl.js';

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ id: 'acme', name: 'Acme Corp', welcome: 'Howdy from Acme!', model: 'mock-1', limits: { chat_per_10s: 8 }, ...fields });

function problemsOf(text: string) {
  try {
    parseTenantsJsonl(text, 'tenants.jsonl');
  } catch (error) {
    expect(error).toBeInstanceOf(TenantsFileError);
    return (error as TenantsFileError).problems;
  }
  throw new Error('expected the file to be refused');
}

describe('parseTenantsJsonl (the seed demo tenants.jsonl format)', () => {
  it('reads the seed demo file as it is', () => {
    const text = readFileSync(path.resolve('prisma/seed/tenants.jsonl'), 'utf8');
    expect(parseTenantsJsonl(text)).toEqual([
      { line: 1, id: 'acme', name: 'Acme Corp', welcome: 'Howdy from Acme!', model: 'mock-1', limits: { chat_per_10s: 8 } },
      { line: 2, id: 'globex', name: 'Globex Inc.', welcome: 'Welcome from Globex.', model: 'mock-2', limits: { chat_per_10s: 4 } },
      { line: 3, id: 'initech', name: 'Initech', welcome: 'Initech says hi.', model: 'mock-3', limits: { chat_per_10s: 6 } },
    ]);
  });

  it('skips blank lines (keeping line numbers) and accepts a line without limits', () => {
    const records = parseTenantsJsonl(`\n${line({ limits: undefined })}\r\n\n`);
    expect(records).toEqual([{ line: 2, id: 'acme', name: 'Acme Corp', welcome: 'Howdy from Acme!', model: 'mock-1', limits: {} }]);
  });

  it('refuses the whole file, naming the line and field of every problem', () => {
    const text = [
      line({}),
      line({ id: 'Not A Slug' }),
      '{"id": "globex", "name": ',
      line({ id: 'initech', welcome: '   ' }),
      line({ id: 'umbrella', model: 'gpt-9', limits: { chat_per_10s: 0, burst: 3 } }),
      line({ id: 'acme' }),
      line({ id: 'hooli', welcom: 'typo' }),
    ].join('\n');
    expect(problemsOf(text)).toEqual([
      { line: 2, field: 'id', message: expect.stringMatching(/slug/) },
      { line: 3, field: '(line)', message: expect.stringMatching(/^not valid JSON/) },
      { line: 4, field: 'welcome', message: expect.any(String) },
      { line: 5, field: 'model', message: 'must be a built-in model (mock-1, mock-2, mock-3)' },
      { line: 5, field: 'limits.chat_per_10s', message: expect.any(String) },
      { line: 5, field: 'limits.burst', message: 'unknown field' },
      { line: 6, field: 'id', message: "duplicate slug 'acme' (first on line 1)" },
      { line: 7, field: 'welcom', message: 'unknown field' },
    ]);
  });

  it('says where in its message: file:line: field', () => {
    expect(() => parseTenantsJsonl(line({ name: '' }), 'seed/tenants.jsonl')).toThrow(/seed\/tenants\.jsonl:1: name: /);
  });

  it('refuses a line that is JSON but not an object, and an empty file', () => {
    expect(problemsOf('[1, 2]')).toEqual([{ line: 1, field: '(line)', message: expect.any(String) }]);
    expect(problemsOf('\n\n')).toEqual([{ line: 1, field: '(file)', message: 'no tenants in the file' }]);
  });
});
