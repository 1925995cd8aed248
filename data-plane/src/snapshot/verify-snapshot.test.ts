// A delta larger than one slice: what the data plane materialises and saves is exactly the canonical
// JSON the control plane hashed, and a state that diverges from the signed hash is refused.
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../../shared/src/canonical-json.ts';
import { createSnapshotSigner, createSnapshotVerifier, generateSnapshotSigningKeys } from '../../../shared/src/crypto.ts';
import { diffSnapshotStates, emptySnapshotState, type SnapshotState } from '../../../shared/src/snapshot.ts';
import { SnapshotRejected, verifySnapshot } from './verify-snapshot.ts';

function stateWithKeys(count: number): SnapshotState {
  const state = emptySnapshotState();
  for (let index = 0; index < count; index++) {
    state.apiKeys[`hash-${index}`] = {
      id: `key_${index}`,
      orgId: 'org_1',
      userId: `user_${index % 7}`,
      name: `key ${index}`,
      expiresAt: null,
      scopes: { models: null, providers: ['openai'] },
    };
  }
  return state;
}

describe('verifySnapshot', () => {
  it('materialises a multi-slice delta to the canonical JSON of the target state, and refuses a divergent one', async () => {
    const keys = await generateSnapshotSigningKeys();
    const signer = await createSnapshotSigner(keys.privateJwk);
    const verifier = await createSnapshotVerifier(keys.publicJwk);
    const before = stateWithKeys(3);
    const after = stateWithKeys(5_003);
    const current = { version: 1, stateHash: sha256Hex(canonicalJson(before)), state: before, jws: '' };
    const changes = diffSnapshotStates(before, after);

    const stateHash = sha256Hex(canonicalJson(after));
    const jws = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash, changes });
    const { snapshot, stateJson } = await verifySnapshot(verifier, { version: 2, jws }, current);
    expect(snapshot.stateHash).toBe(stateHash);
    expect(stateJson.join('')).toBe(canonicalJson(after));
    expect(Object.keys(snapshot.state.apiKeys)).toHaveLength(5_003);

    const divergent = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash: sha256Hex(canonicalJson(before)), changes });
    await expect(verifySnapshot(verifier, { version: 2, jws: divergent }, current)).rejects.toThrow(SnapshotRejected);
  });
});
