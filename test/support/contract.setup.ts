import { afterAll } from '@jest/globals';
import { contractViolations } from './contract.js';

/**
 * Jest setupFilesAfterEnv: a test file fails when any response it received broke the OpenAPI
 * contract (see contract.ts), each violation printed with the test that caused it.
 */
afterAll(() => {
  const violations = contractViolations();
  if (violations.length > 0) {
    throw new Error(`${violations.length} response(s) do not match docs/openapi.json:\n  ${violations.join('\n  ')}`);
  }
});
