// Jest transform for CommonJS dependencies that require() the ESM-only NestJS packages; see
// test/support/esm-for-cjs.setup.ts (which provides the instances) for why. Tests only.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');

const ESM_ONLY = /\brequire\((["'])(@nestjs\/(?:common|core))\1\)/g;
const SELF = readFileSync(__filename, 'utf8');

module.exports = {
  process(source, filename) {
    const code = source.replace(ESM_ONLY, (_match, _quote, id) => {
      const ref = JSON.stringify(id);
      return `(globalThis.__tenantryEsmForCjs?.[${ref}] ?? (() => { throw new Error(${JSON.stringify(`${filename} needs ${id}: add test/support/esm-for-cjs.setup.ts to Jest's setupFiles`)}); })())`;
    });
    return { code };
  },
  getCacheKey(source, filename) {
    return createHash('sha256').update(SELF).update('\0').update(filename).update('\0').update(source).digest('hex');
  },
};
