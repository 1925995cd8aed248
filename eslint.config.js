// Lint: typescript-eslint's recommended rules, plus the import boundaries that keep the two planes
// apart: the data plane never loads the database or control-plane code, and shared/ depends on neither.
// The simulators stand in for upstream providers: they never import gateway code (a simulator that
// shared the gateway's code would agree with its bugs), and product code never imports tests.
//
// Each plane's folders are layers, written once here, lowest first. A file may import its own layer,
// shared/ and the layers before it in the list, never a later one and never the plane's top (its entry
// points and route table), so the import graph has no loops. Tests may reach across layers to wire a case.
// The same order is in docs/architecture.md (Repository layout).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** data-plane/src, lowest first: what a request leaves for logs, metrics and traces, the uWS edge, upstream wire formats, the two channels out, the snapshot, metering, spend, rate limits, the request pipeline, its front doors. */
const dataPlaneLayers = ['observability', 'http', 'providers', 'channel', 'usage', 'snapshot', 'metering', 'spend', 'rate-limit', 'pipeline', 'front-doors'];
/** Above every data-plane layer: the route table, the entry points and the test fixtures. */
const dataPlaneTop = [
  'create-app.ts',
  'serve-requests.ts',
  'open-shared-state.ts',
  'data-plane-settings.ts',
  'workers',
  'start-data-plane.ts',
  'main.ts',
  'testing',
];
/** control-plane/src, lowest first: the database, the domain services, the request context, the two faces (GraphQL, tRPC), the plain HTTP routes (sign-in). */
const controlPlaneLayers = ['db', 'services', 'context.ts', 'graphql', 'trpc', 'http'];
/** Above every control-plane layer: the HTTP handler, the app, the entry points and the CLI. */
const controlPlaneTop = ['create-http-handler.ts', 'app.ts', 'main.ts', 'cli'];

const dataPlaneBoundaries = [
  { group: ['**/control-plane/**'], message: 'The data plane talks to the control plane only over the tRPC channel.', allowTypeImports: true },
  { group: ['@prisma/*', 'pg', '@electric-sql/*', 'pglite-prisma-adapter'], message: 'The data plane never touches the database.' },
];

/** The import pattern of a layer: a folder's files, or one file. */
const importPattern = (layer) => (layer.endsWith('.ts') ? `**/${layer}` : `**/${layer}/**`);

/** One config per layer: its files may not import a later layer or the plane's top. */
function layerConfigs(plane, layers, top, boundaries = []) {
  return layers.map((layer, index) => ({
    files: [layer.endsWith('.ts') ? `${plane}/src/${layer}` : `${plane}/src/${layer}/**/*.ts`],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...boundaries,
            {
              group: [...layers.slice(index + 1), ...top].map(importPattern),
              message: `${plane}/src/${layer} is a lower layer: it never imports ${[...layers.slice(index + 1), ...top].join(', ')} (eslint.config.js).`,
            },
          ],
        },
      ],
    },
  }));
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'console/dist/', 'control-plane/generated/', '.data/', 'coverage/'] },
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
          patterns: dataPlaneBoundaries,
        },
      ],
    },
  },
  ...layerConfigs('data-plane', dataPlaneLayers, dataPlaneTop, dataPlaneBoundaries),
  ...layerConfigs('control-plane', controlPlaneLayers, controlPlaneTop),
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
    // The admin console runs in the browser: it knows the control plane by its router's type and its
    // permission table (pure data) only, the data plane by its policy matchers only (so a preview decides
    // as the gateway does), and never the database.
    files: ['console/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: 'control-plane/(?!src/services/permissions\\.ts$)',
              message: 'The console reaches the control plane over tRPC: import its types only (and its permission table).',
              allowTypeImports: true,
            },
            {
              regex: 'data-plane/(?!src/pipeline/check-policy\\.ts$)',
              message: "The console uses only the data plane's policy matchers.",
              allowTypeImports: true,
            },
            { group: ['@prisma/*', 'node:*'], message: 'The console is a browser app.' },
          ],
        },
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
    files: ['scripts/**/*.ts', 'data-plane/src/**/*.ts', 'control-plane/src/**/*.ts', 'shared/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/test/**'], message: 'Product code never imports tests.' }] }],
    },
  },
);
