import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { CONFIG_KEYS } from '../src/platform/config/config.js';

/**
 * The configuration schema, .env.example and the README's configuration table name the same
 * variables, key by key: a variable added to one and forgotten in another fails here.
 */
const root = path.resolve(import.meta.dirname, '..');
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');

/** `KEY=value` or a commented-out `# KEY=value` at the start of a line. */
function envExampleKeys(): Set<string> {
  return new Set([...read('.env.example').matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1] as string));
}

/** Names in the first cells of the table under "## Configuration" (a row may name several). */
function readmeTableKeys(): Set<string> {
  const readme = read('README.md');
  const start = readme.indexOf('\n## Configuration');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const firstCells = [...section.matchAll(/^\| (`[A-Z][^|]*) \|/gm)].map((m) => m[1] as string);
  return new Set(firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1] as string)));
}

const sorted = (keys: Iterable<string>): string[] => [...keys].sort();
const missingFrom = (have: Set<string>, want: readonly string[]): string[] => sorted(want.filter((k) => !have.has(k)));

describe('configuration documentation', () => {
  it('the schema reads a sane number of variables (the check below is not vacuous)', () => {
    expect(CONFIG_KEYS.length).toBeGreaterThan(40);
  });

  it('.env.example names every variable of the schema, and nothing else', () => {
    const example = envExampleKeys();
    expect(missingFrom(example, CONFIG_KEYS)).toEqual([]);
    expect(missingFrom(new Set(CONFIG_KEYS), sorted(example))).toEqual([]);
  });

  it("the README's configuration table names every variable of the schema, and nothing else", () => {
    const table = readmeTableKeys();
    expect(missingFrom(table, CONFIG_KEYS)).toEqual([]);
    expect(missingFrom(new Set(CONFIG_KEYS), sorted(table))).toEqual([]);
  });
});
