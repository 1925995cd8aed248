// Lint: typescript-eslint's recommended rules, plus the import boundaries that keep the two planes
// apart: the data plane never loads the database or control-plane code, and shared/ depends on neither.
// The simulators stand in for upstream providers: they never import gateway code (a simulator that
// shared the gateway's code would agree with its bugs), and product code never imports tests.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'control-plane/generated/', '.data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // TypeScript already reports undefined names; the rule does not know Node's globals.
      'no-undef': 'off',
    },
  },
  {
    files: ['data-plane/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/control-plane/**'], message: 'The data plane talks to the control plane only over the tRPC channel.', allowTypeImports: true },
            { group: ['@prisma/*', 'pg', '@electric-sql/*', 'pglite-prisma-adapter'], message: 'The data plane never touches the database.' },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/control-plane/**', '**/data-plane/**', 'uWebSockets.js', '@prisma/*'], message: 'shared/ holds contracts only.' }] },
      ],
    },
  },
  {
    files: ['simulators/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/data-plane/**', '**/control-plane/**', '**/shared/**', '**/test/**', '**/bench/**'],
              message: 'A simulator is an upstream provider: it never imports gateway or test code.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.ts', 'data-plane/src/**/*.ts', 'shared/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/test/**'], message: 'Product code never imports tests.' }] }],
    },
  },
);
