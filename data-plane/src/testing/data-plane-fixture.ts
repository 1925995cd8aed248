// Test support: a data plane on port 0 wired to a fake control plane, with a snapshot that routes the
// model `simulator/echo` to an OpenAI-compatible upstream. Every test closes what it started.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSecret } from '../../../shared/src/crypto.ts';
import { silentLogger } from '../../../shared/src/logger.ts';
import { snapshotPricesSchema, type SnapshotState } from '../../../shared/src/snapshot.ts';
import type { OrgSpendFloor } from '../../../shared/src/spend-floors.ts';
import { readProviderKeys, type ProviderKeys } from '../pipeline/provider-keys.ts';
import { startDataPlane, type DataPlane, type DataPlaneOptions } from '../start-data-plane.ts';
import { startFakeControlPlane, type FakeControlPlane } from './fake-control-plane.ts';

export const TEST_API_KEY = 'sk-gw-test-key-alpha';
export const RESTRICTED_API_KEY = 'sk-gw-test-key-restricted';
export const EXPIRED_API_KEY = 'sk-gw-test-key-expired';
export const TEST_MODEL = 'simulator/echo';
/** Another id of TEST_MODEL (as OpenRouter's or a -latest name would be). */
export const TEST_MODEL_ALIAS = 'simulator/echo-latest';
export const UPSTREAM_KEY_ENV = 'DATA_PLANE_TEST_UPSTREAM_API_KEY';
/** The simulator provider's platform key when a test sets none in UPSTREAM_KEY_ENV (a provider without a key is never called). */
export const FIXTURE_UPSTREAM_KEY = 'sk-fixture-upstream-key';

/** What the fixture's data plane reads at start: the environment's provider keys, and FIXTURE_UPSTREAM_KEY unless a test set its own. */
function fixtureProviderKeys(): ProviderKeys {
  const keys = new Map(readProviderKeys());
  if (!keys.has(UPSTREAM_KEY_ENV)) keys.set(UPSTREAM_KEY_ENV, FIXTURE_UPSTREAM_KEY);
  return keys;
}

/** $3 / Mtok prompt, $15 / Mtok completion, in nanodollars per token. */
export const TEST_PRICES = snapshotPricesSchema.parse({ prompt: 3000, completion: 15000, cacheRead: 300, cacheWrite: null });

/** $1,000 of credit and nothing spent: spend limits never refuse the fixture's requests unless a test says so. */
export const FUNDED_SPEND_FLOOR: OrgSpendFloor = { creditsMicros: 1_000_000_000, usageDebitedMicros: 0, day: '2026-01-01', userMicros: {} };

/** The spend floors the fixture's control plane sends: every org of `state` funded. */
export function fundedSpendFloors(state: SnapshotState): Record<string, OrgSpendFloor> {
  return Object.fromEntries(Object.keys(state.orgs).map((orgId) => [orgId, FUNDED_SPEND_FLOOR]));
}

const testKey = (id: string, orgId: string, userId: string, name: string, expiresAt: string | null = null) => ({
  id,
  orgId,
  userId,
  name,
  expiresAt,
  scopes: { models: null, providers: null },
});

const testOrg = (id: string, name: string, allowedModels: string[] | null) => ({
  id,
  name,
  allowedModels,
  allowedProviders: null,
  deniedProviders: [],
  dailyLimitMicros: null,
  userDailyLimitMicros: {},
});

export function testSnapshotState(upstreamBaseUrl: string): SnapshotState {
  return {
    apiKeys: {
      [hashSecret(TEST_API_KEY)]: testKey('key_alpha', 'org_alpha', 'user_alpha', 'alpha'),
      [hashSecret(RESTRICTED_API_KEY)]: testKey('key_restricted', 'org_restricted', 'user_beta', 'restricted'),
      [hashSecret(EXPIRED_API_KEY)]: testKey('key_expired', 'org_alpha', 'user_alpha', 'old', '2020-01-01T00:00:00.000Z'),
    },
    orgs: {
      org_alpha: testOrg('org_alpha', 'Alpha', null),
      org_restricted: testOrg('org_restricted', 'Restricted', ['other/*']),
    },
    providers: {
      prov_simulator: { id: 'prov_simulator', slug: 'simulator', kind: 'openai-compatible', baseUrl: upstreamBaseUrl, apiKeyEnv: UPSTREAM_KEY_ENV },
      prov_other: { id: 'prov_other', slug: 'other', kind: 'openai-compatible', baseUrl: upstreamBaseUrl, apiKeyEnv: null },
    },
    models: {
      [TEST_MODEL]: {
        id: TEST_MODEL,
        name: 'Echo',
        aliases: [TEST_MODEL_ALIAS],
        created: 1700000000,
        contextLength: 8192,
        description: 'Echoes the prompt back.',
        maxOutputTokens: 4096,
        inputModalities: ['text', 'image'],
        outputModalities: ['text'],
        supportedParameters: ['max_tokens', 'temperature', 'tools', 'tool_choice'],
        endpoints: [{ providerId: 'prov_simulator', upstreamModel: 'echo', prices: TEST_PRICES }],
      },
      'other/echo': {
        id: 'other/echo',
        name: 'Other echo',
        aliases: [],
        created: 1700000001,
        contextLength: null,
        description: null,
        maxOutputTokens: null,
        inputModalities: ['text'],
        outputModalities: ['text'],
        supportedParameters: ['max_tokens'],
        endpoints: [{ providerId: 'prov_other', upstreamModel: 'echo', prices: TEST_PRICES }],
      },
    },
    byokCredentials: {},
  };
}

export interface DataPlaneFixture {
  controlPlane: FakeControlPlane;
  dataPlane: DataPlane;
  stateDir: string;
  /** Starts another data plane on the same state dir (after close()). */
  restart(options?: Partial<DataPlaneOptions>): Promise<DataPlane>;
  close(): Promise<void>;
}

export async function startDataPlaneFixture(
  upstreamBaseUrl: string,
  { fullSnapshotPartEntries, ...options }: Partial<DataPlaneOptions> & { publish?: boolean; fullSnapshotPartEntries?: number } = {},
): Promise<DataPlaneFixture> {
  const stateDir = await mkdtemp(join(tmpdir(), 'data-plane-test-'));
  const controlPlane = await startFakeControlPlane({ fullSnapshotPartEntries });
  await controlPlane.publishSpendFloors(fundedSpendFloors(testSnapshotState(upstreamBaseUrl)));
  if (options.publish !== false) await controlPlane.publish(testSnapshotState(upstreamBaseUrl));
  const start = (extra: Partial<DataPlaneOptions> = {}) =>
    startDataPlane({
      port: 0,
      controlPlaneUrl: controlPlane.url,
      dataPlaneToken: controlPlane.token,
      snapshotPublicJwk: controlPlane.publicJwk,
      stateDir,
      usageFlushIntervalMs: 60_000,
      // The simulators listen on 127.0.0.1.
      allowPrivateUpstreams: true,
      providerKeys: fixtureProviderKeys(),
      logger: silentLogger,
      ...options,
      ...extra,
    });
  const fixture: DataPlaneFixture = {
    controlPlane,
    dataPlane: await start(),
    stateDir,
    async restart(extra) {
      fixture.dataPlane = await start(extra);
      return fixture.dataPlane;
    },
    async close() {
      await fixture.dataPlane.close();
      await controlPlane.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  if (options.publish !== false) await fixture.dataPlane.waitForSnapshot();
  return fixture;
}
