import { describe, expect, it } from 'vitest';
import { isModelAllowed, isProviderAllowed } from './check-policy.ts';

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
