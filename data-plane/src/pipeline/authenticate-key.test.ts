import { describe, expect, it } from 'vitest';
import { hashSecret } from '../../../shared/src/crypto.ts';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { SnapshotApiKey, SnapshotState } from '../../../shared/src/snapshot.ts';
import { applyChangesInPlace, holdState } from '../snapshot/held-state.ts';
import { buildSnapshotView, type SnapshotView } from '../snapshot/snapshot-view.ts';
import { EXPIRED_API_KEY, TEST_API_KEY, testSnapshotState } from '../testing/data-plane-fixture.ts';
import { authenticateKey, KNOWN_KEYS_MAX, knownKeyCount } from './authenticate-key.ts';

const NOW = Date.parse('2026-12-07T12:00:00.000Z');

/** The key id the request authenticated as, or the 401's message. */
function authenticate(view: SnapshotView, token: string, nowMs = NOW): string {
  try {
    return authenticateKey(view, `Bearer ${token}`, nowMs).apiKey.id;
  } catch (error) {
    if (error instanceof GatewayError && error.code === 'invalid_api_key') return error.message;
    throw error;
  }
}

function view(state: SnapshotState, version = 1): SnapshotView {
  return buildSnapshotView(version, `hash-${version}`, holdState(state));
}

/** The next version as the store makes it for a small delta: the same held state, changed in place (verify-snapshot.ts). */
function nextVersion(previous: SnapshotView): SnapshotView {
  return Object.freeze({ ...previous, version: previous.version + 1 });
}

const alpha = (): SnapshotApiKey => testSnapshotState('http://upstream.test/v1/').apiKeys[hashSecret(TEST_API_KEY)]!;

describe('authenticateKey', () => {
  it('refuses a key revoked by a delta applied in place, on the new view and on the old one still current', () => {
    const first = view(testSnapshotState('http://upstream.test/v1/'));
    expect(authenticate(first, TEST_API_KEY)).toBe('key_alpha');
    expect(authenticate(first, TEST_API_KEY)).toBe('key_alpha');
    // The held state changes before the store swaps the view in (a delta that also touches the indexes
    // waits for BYOK decryption meanwhile): both views must refuse it at once.
    applyChangesInPlace(first.state, { apiKeys: { upsert: {}, remove: [hashSecret(TEST_API_KEY)] } });
    expect(authenticate(first, TEST_API_KEY)).toBe('Invalid API key.');
    expect(authenticate(nextVersion(first), TEST_API_KEY)).toBe('Invalid API key.');
  });

  it('follows a snapshot swap: a full snapshot without the key refuses it, one with it takes it back', () => {
    const state = testSnapshotState('http://upstream.test/v1/');
    const withKey = view(state);
    expect(authenticate(withKey, TEST_API_KEY)).toBe('key_alpha');
    const { [hashSecret(TEST_API_KEY)]: _revoked, ...others } = state.apiKeys;
    expect(authenticate(view({ ...state, apiKeys: others }, 2), TEST_API_KEY)).toBe('Invalid API key.');
    expect(authenticate(view(state, 3), TEST_API_KEY)).toBe('key_alpha');
  });

  it("reads a replaced key's new expiry, and a key moved to another org", () => {
    const first = view(testSnapshotState('http://upstream.test/v1/'));
    expect(authenticate(first, TEST_API_KEY)).toBe('key_alpha');
    const hash = hashSecret(TEST_API_KEY);
    applyChangesInPlace(first.state, { apiKeys: { upsert: { [hash]: { ...alpha(), expiresAt: '2026-12-07T11:00:00.000Z' } }, remove: [] } });
    expect(authenticate(nextVersion(first), TEST_API_KEY)).toBe('This API key has expired.');
    applyChangesInPlace(first.state, { apiKeys: { upsert: { [hash]: { ...alpha(), expiresAt: '2026-12-07T13:00:00.000Z' } }, remove: [] } });
    expect(authenticate(nextVersion(first), TEST_API_KEY)).toBe('key_alpha');
    expect(authenticate(nextVersion(first), TEST_API_KEY, Date.parse('2026-12-07T13:00:00.000Z'))).toBe('This API key has expired.');
    applyChangesInPlace(first.state, { apiKeys: { upsert: { [hash]: { ...alpha(), orgId: 'org_gone' } }, remove: [] } });
    expect(authenticate(nextVersion(first), TEST_API_KEY)).toBe('Invalid API key.');
  });

  it('refuses an expired key every time', () => {
    const first = view(testSnapshotState('http://upstream.test/v1/'));
    expect(authenticate(first, EXPIRED_API_KEY)).toBe('This API key has expired.');
    expect(authenticate(first, EXPIRED_API_KEY)).toBe('This API key has expired.');
  });

  it('keeps at most KNOWN_KEYS_MAX tokens, and none that found no key', () => {
    const state = testSnapshotState('http://upstream.test/v1/');
    const tokens = Array.from({ length: KNOWN_KEYS_MAX + 50 }, (_, index) => `sk-gw-bounded-${index}`);
    for (const token of tokens) state.apiKeys[hashSecret(token)] = { ...alpha(), id: token };
    const many = view(state);
    for (const token of tokens) expect(authenticate(many, token)).toBe(token);
    expect(knownKeyCount()).toBe(KNOWN_KEYS_MAX);
    for (let index = 0; index < 5000; index++) expect(authenticate(many, `sk-gw-unknown-${index}`)).toBe('Invalid API key.');
    expect(knownKeyCount()).toBe(KNOWN_KEYS_MAX);
    // The first ones went first, and authenticate again.
    expect(authenticate(many, tokens[0]!)).toBe(tokens[0]);
  });
});
