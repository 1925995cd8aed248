import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { configDefaults, defineConfig } from 'vitest/config';
import { EVENTUALLY, HOOK_TIMEOUT_MS, TEST_TIMEOUT_MS } from './test/support/eventually.ts';

// Three lanes, all run by `npm test` (what CI runs):
// - unit: code in memory and temporary files only (test/support/unit-lane-guard.ts fails a unit test that
//   listens, connects, starts a process or opens a database); `npm run test:unit`, the quick lane;
// - listener: one plane in process with its sockets, database, Redis or child process, against simulators
//   and fakes (listener-isolated: the few of them that need a module graph of their own); every test file
//   not listed here or under test/cross-plane/ is a unit test;
// - cross-plane: both planes, as a user runs them.
const listenerTests = [
  'control-plane/src/access-control.test.ts',
  'control-plane/src/app.test.ts',
  'control-plane/src/metrics.test.ts',
  'control-plane/src/tracing.test.ts',
  'control-plane/src/authorization-matrix.test.ts',
  'control-plane/src/cli/run-admin-cli.test.ts',
  'control-plane/src/db/connection-loss.test.ts',
  'control-plane/src/db/schema-round-trip.test.ts',
  'control-plane/src/graphql/schema/index.test.ts',
  'control-plane/src/http/auth-routes.test.ts',
  'control-plane/src/http/link-pages.test.ts',
  'control-plane/src/http/sso-routes.test.ts',
  'control-plane/src/services/billing/billing.test.ts',
  'control-plane/src/services/request-log.test.ts',
  'control-plane/src/services/byok/byok-credentials.test.ts',
  'control-plane/src/services/catalog-import/import-catalog.test.ts',
  'control-plane/src/services/snapshot-publisher.test.ts',
  'control-plane/src/services/snapshot-replicas.test.ts',
  'control-plane/src/services/usage-ingest.test.ts',
  'control-plane/src/trpc/routers/_app.test.ts',
  'data-plane/src/channel/control-plane-channel.test.ts',
  'data-plane/src/chat-completions.test.ts',
  'data-plane/src/list-models.test.ts',
  'data-plane/src/long-prompts.test.ts',
  'data-plane/src/http/send-json.test.ts',
  'data-plane/src/main.test.ts',
  'data-plane/src/observability.test.ts',
  'data-plane/src/pipeline/call-upstream.test.ts',
  'data-plane/src/pipeline/metered-route-promises.test.ts',
  'data-plane/src/provider-availability.test.ts',
  'data-plane/src/routing-and-fallback.test.ts',
  'data-plane/src/routing-choices.test.ts',
  'data-plane/src/snapshot/snapshot-sync.test.ts',
  'data-plane/src/spend/counter-store.test.ts',
  'data-plane/src/spend/spend-limits.test.ts',
  'data-plane/src/rate-limit/rate-limits.test.ts',
  'data-plane/src/streaming.test.ts',
  'data-plane/src/workers/worker-pool.test.ts',
  'data-plane/src/usage/usage-spool-unavailable.test.ts',
  'shared/src/batched-stdout.test.ts',
  'shared/src/source-mapped-stack.test.ts',
  // The simulators' own tests, wherever the simulators live.
  '**/*-simulator.test.ts',
  // Attacks, replayed over HTTP against a running plane.
  'test/security/**/*.test.ts',
  // Every program's --help, run as a child process.
  'test/help.test.ts',
];
// Listener files that must have a module graph of their own: they replace a module (vi.mock), which in a
// shared graph the files before them have already loaded for real.
const isolatedListenerTests = ['test/security/count-tokens-flood.test.ts'];
const crossPlaneTests = ['test/cross-plane/**/*.test.ts'];
const notTests = [...configDefaults.exclude, '**/dist/**'];
// The longest files (each several minutes on a loaded 2-core machine), started first so that neither worker
// is left running one of them alone at the end. vitest orders by the durations of the last run on this
// machine when it has them, but a fresh clone (CI) has none and orders by file size, which put these late.
const longestFirst = [
  'test/cross-plane/data-plane-sigkill.test.ts',
  'test/cross-plane/control-plane-sigkill.test.ts',
  'test/cross-plane/admin-console.test.ts',
  'test/cross-plane/npm-start.test.ts',
];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = longestFirst.findIndex((path) => file.moduleId.endsWith(`/${path}`));
      return index === -1 ? longestFirst.length : index;
    };
    // Stable: the rest keep vitest's order (projects together, so a worker's files share a module graph).
    return (await super.sort(files))
      .map((file, order) => ({ file, order }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.order - b.order)
      .map(({ file }) => file);
  }
}

// Prepares the PGlite template the database suites copy, and says which optional suites are skipped.
const globalSetup = ['test/support/global-setup.ts'];

export default defineConfig({
  test: {
    testTimeout: TEST_TIMEOUT_MS,
    hookTimeout: HOOK_TIMEOUT_MS,
    // Cross-plane suites start real servers and child processes; two cores, so keep files in forks.
    pool: 'forks',
    maxWorkers: 2,
    expect: { poll: EVENTUALLY },
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          // Pure code shares nothing between files worth isolating; one module graph per worker keeps
          // the lane several times quicker (imports dominate its time).
          isolate: false,
          exclude: [...notTests, ...listenerTests, ...crossPlaneTests],
          setupFiles: ['test/support/unit-lane-guard.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'listener',
          include: listenerTests,
          exclude: [...notTests, ...isolatedListenerTests],
          globalSetup,
          // Each file starts what it tests and closes it; a fresh fork per file spent seconds loading a plane's
          // modules again (the files that set environment variables put them back in their hooks).
          isolate: false,
        },
      },
      { extends: true, test: { name: 'listener-isolated', include: isolatedListenerTests, exclude: notTests, globalSetup } },
      {
        extends: true,
        test: {
          name: 'cross-plane',
          include: crossPlaneTests,
          exclude: notTests,
          globalSetup,
          // Each file starts its own gateway (both planes, simulators, a database) and closes it; what a file
          // would otherwise pay first is loading both planes' modules again in a fresh fork (seconds each on a
          // loaded machine), so the files of a worker share one module graph.
          isolate: false,
        },
      },
    ],
  },
});
