import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/', 'node_modules/', 'src/generated/', 'coverage/', '.tools/', 'var/', 'test-results/',
      'web/dist/', 'web/src/api/schema.d.ts', 'web/test-results/', 'web/playwright-report/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      // Type-aware rules read the TypeScript program of tsconfig.json (src, scripts, bench, test).
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
      // Promises: none dropped, none handed to a caller that ignores them, no await on a non-promise.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // A check the types say cannot matter is dead code or a wrong type.
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
    },
  },
  {
    files: ['scripts/**', 'bench/**', 'test/**'],
    rules: { 'no-console': 'off' },
  },
  // Tests declare `let app: TestApp` and tear down with `app?.close()` in case their set-up threw:
  // a deliberate check the types cannot see. The promise rules above still hold in tests.
  {
    files: ['test/**', '**/*.spec.ts'],
    rules: { '@typescript-eslint/no-unnecessary-condition': 'off' },
  },
  // The web app (web/, ADR 0017) has its own TypeScript program and is linted without type
  // information here; browser code, and its scripts and browser tests print what they measure.
  {
    files: ['web/**'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['web/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['web/scripts/**', 'web/e2e/**'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: { 'no-console': 'off' },
  },
  // Plain JavaScript configuration files are outside the TypeScript program.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
