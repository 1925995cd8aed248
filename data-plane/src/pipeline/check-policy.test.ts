import { describe, expect, it } from 'vitest';
import type { SnapshotApiKey, SnapshotModel, SnapshotOrg } from '../../../shared/src/snapshot.ts';
import type { Principal } from '../snapshot/snapshot-view.ts';
import { checkPolicy, isModelAllowed, isProviderAllowed, providerRulesOf } from './check-policy.ts';

describe('isModelAllowed', () => {
  it.each([
    [null, 'openai/gpt-4o', true],
    [[], 'openai/gpt-4o', false],
    [['openai/gpt-4o'], 'openai/gpt-4o', true],
    [['openai/gpt-4o'], 'openai/gpt-4o-mini', false],
    [['openai/*'], 'openai/gpt-4o-mini', true],
    [['openai/*'], 'openai-compatible/x', false],
    [['openai/*'], 'anthropic/claude', false],
    [['together/*'], 'together/meta-llama/Llama-3-70b', true],
    [['anthropic/claude', 'openai/*'], 'anthropic/claude', true],
    [['*'], 'anything/at-all', true],
  ] as const)('%j allows %s: %s', (allowed, modelId, expected) => {
    expect(isModelAllowed(allowed as readonly string[] | null, modelId)).toBe(expected);
  });
});

describe('isProviderAllowed', () => {
  it.each([
    [null, [], 'openai', true],
    [[], [], 'openai', false],
    [['openai'], [], 'openai', true],
    [['openai'], [], 'anthropic', false],
    [null, ['openai'], 'openai', false],
    [null, ['openai'], 'anthropic', true],
    [['openai'], ['openai'], 'openai', false],
  ] as const)('allowed %j, denied %j: %s is %s', (allowedProviders, deniedProviders, slug, expected) => {
    expect(isProviderAllowed({ allowedProviders: allowedProviders as string[] | null, deniedProviders: [...deniedProviders] }, slug)).toBe(expected);
  });
});

describe('key scopes narrow the org policy', () => {
  const principal = (org: Partial<SnapshotOrg>, scopes: SnapshotApiKey['scopes']): Principal => ({
    apiKey: { id: 'key', orgId: 'org', userId: 'user', name: 'key', expiresAt: null, scopes },
    org: {
      id: 'org',
      name: 'Org',
      allowedModels: null,
      allowedProviders: null,
      deniedProviders: [],
      dailyLimitMicros: null,
      userDailyLimitMicros: {},
      ...org,
    },
  });

  it.each([
    { org: {}, keyProviders: null, expected: { allowedProviders: null, deniedProviders: [] } },
    { org: {}, keyProviders: ['groq'], expected: { allowedProviders: ['groq'], deniedProviders: [] } },
    { org: { allowedProviders: ['groq', 'mistral'] }, keyProviders: null, expected: { allowedProviders: ['groq', 'mistral'], deniedProviders: [] } },
    {
      org: { allowedProviders: ['groq', 'mistral'], deniedProviders: ['x'] },
      keyProviders: ['mistral', 'openai'],
      expected: { allowedProviders: ['mistral'], deniedProviders: ['x'] },
    },
  ])('providerRulesOf: org $org, key $keyProviders', ({ org, keyProviders, expected }) => {
    expect(providerRulesOf(principal(org, { models: null, providers: keyProviders }))).toEqual(expected);
  });

  it('checkPolicy refuses a model outside the key scope, naming the key', () => {
    const scoped = principal({}, { models: ['openai/*'], providers: null });
    expect(() => checkPolicy(scoped, { id: 'anthropic/claude' } as SnapshotModel)).toThrow("This API key is not scoped to the model 'anthropic/claude'.");
    expect(() => checkPolicy(scoped, { id: 'openai/gpt-4o' } as SnapshotModel)).not.toThrow();
  });
});
