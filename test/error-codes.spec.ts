import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { AppError } from '../src/platform/http/app-error.js';
import { toProblem } from '../src/platform/http/problem.filter.js';

/**
 * The error contract across modules, over every error set the code declares: each AppError class
 * exported from an `*.errors.ts` (or app-error.ts) has its `<Class>Code` enum, answers every code
 * with an HTTP error status, and a code string two sets share means the same status in both.
 */

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

interface ErrorSet {
  name: string;
  errorClass: new (code: string, message: string) => AppError;
  codes: string[];
}

function errorFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((file) => !file.startsWith('generated/') && (file.endsWith('.errors.ts') || file === 'platform/http/app-error.ts'))
    .map((file) => path.join(SRC, file));
}

async function loadErrorSets(): Promise<ErrorSet[]> {
  const sets: ErrorSet[] = [];
  for (const file of errorFiles()) {
    const exports = (await import(file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value !== 'function' || !(value.prototype instanceof AppError)) continue;
      const codes = exports[`${name}Code`];
      sets.push({ name, errorClass: value as ErrorSet['errorClass'], codes: codes ? Object.values(codes as Record<string, string>) : [] });
    }
  }
  return sets;
}

let sets: ErrorSet[];
beforeAll(async () => {
  sets = await loadErrorSets();
});

describe('module error sets', () => {
  it('are found in every module', () => {
    expect(sets.map((s) => s.name)).toEqual(
      expect.arrayContaining(['HttpError', 'AccessError', 'QueueError', 'AuthError', 'ApiKeyError', 'InvitationsError', 'BillingError', 'ChatError', 'WidgetError', 'TenantError', 'MembersError', 'UsageError']),
    );
  });

  it('each come with a code enum and answer every code with an HTTP error status', () => {
    const wrong: string[] = [];
    for (const { name, errorClass, codes } of sets) {
      if (codes.length === 0) wrong.push(`${name}: no exported ${name}Code enum`);
      for (const code of codes) {
        const error = new errorClass(code, 'm');
        const { body } = toProblem(error);
        const fine = Number.isInteger(error.status) && error.status >= 400 && error.status <= 599;
        if (!fine || body.status !== error.status || body.code !== code || error.name !== name || !(error instanceof errorClass)) {
          wrong.push(`${name} ${code}: status ${error.status}, problem ${body.status} ${body.code}, name ${error.name}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('give a code string that two sets share the same status in both', () => {
    const statuses = new Map<string, Set<string>>();
    for (const { name, errorClass, codes } of sets) {
      for (const code of codes) {
        const status = new errorClass(code, 'm').status;
        statuses.set(code, (statuses.get(code) ?? new Set()).add(`${status} (${name})`));
      }
    }
    const shared = [...statuses].filter(([, seen]) => seen.size > 1);
    expect(shared.length).toBeGreaterThan(0); // e.g. rate_limited: UsageError and WidgetError
    const disagreeing = shared.filter(([, seen]) => new Set([...seen].map((s) => s.split(' ')[0])).size > 1);
    expect(disagreeing.map(([code, seen]) => `${code}: ${[...seen].join(', ')}`)).toEqual([]);
  });
});
