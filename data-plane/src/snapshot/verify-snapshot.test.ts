// A delta larger than one slice: what the data plane materialises and saves is exactly the canonical
// JSON the control plane hashed, and a state that diverges from the signed hash is refused.
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../../shared/src/canonical-json.ts';
import { createSnapshotSigner, generateSnapshotSigningKeys } from '../../../shared/src/crypto.ts';
import { diffSnapshotStates, emptySnapshotState, type SnapshotState } from '../../../shared/src/snapshot.ts';
import { createInThreadSnapshotParser } from './snapshot-parser.ts';
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

const text = (pieces: ReadonlyArray<string | Uint8Array>) =>
  pieces.map((piece) => (typeof piece === 'string' ? piece : Buffer.from(piece).toString('utf8'))).join('');

describe('verifySnapshot', () => {
  it('materialises a multi-slice delta to the canonical JSON of the target state, and refuses a divergent one', async () => {
    const keys = await generateSnapshotSigningKeys();
    const signer = await createSnapshotSigner(keys.privateJwk);
    const parser = await createInThreadSnapshotParser(keys.publicJwk);
    const before = stateWithKeys(3);
    const after = stateWithKeys(5_003);
    const current = { version: 1, stateHash: sha256Hex(canonicalJson(before)), state: before, jws: '' };
    const changes = diffSnapshotStates(before, after);

    const stateHash = sha256Hex(canonicalJson(after));
    const jws = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash, changes });
    const { snapshot, stateJson } = await verifySnapshot(parser, { version: 2, jws }, current);
    expect(snapshot.stateHash).toBe(stateHash);
    expect(text(stateJson)).toBe(canonicalJson(after));
    expect(Object.keys(snapshot.state.apiKeys)).toHaveLength(5_003);

    const divergent = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash: sha256Hex(canonicalJson(before)), changes });
    await expect(verifySnapshot(parser, { version: 2, jws: divergent }, current)).rejects.toThrow(SnapshotRejected);
  });

  it('materialises a multi-chunk full snapshot exactly, and refuses one whose state does not hash to its signed hash or holds an invalid entry', async () => {
    const keys = await generateSnapshotSigningKeys();
    const signer = await createSnapshotSigner(keys.privateJwk);
    const parser = await createInThreadSnapshotParser(keys.publicJwk);
    const state = stateWithKeys(1_234);
    const stateHash = sha256Hex(canonicalJson(state));
    const jws = await signer.sign({ kind: 'full', version: 7, stateHash, state });
    const { snapshot, stateJson } = await verifySnapshot(parser, { version: 7, jws }, null);
    expect(snapshot).toMatchObject({ version: 7, stateHash });
    expect(snapshot.state).toEqual(state);
    expect(text(stateJson)).toBe(canonicalJson(state));

    const wrongHash = await signer.sign({ kind: 'full', version: 8, stateHash: sha256Hex('something else'), state });
    await expect(verifySnapshot(parser, { version: 8, jws: wrongHash }, null)).rejects.toThrow(SnapshotRejected);
    const invalid = await signer.sign({
      kind: 'delta',
      fromVersion: 7,
      version: 8,
      stateHash,
      changes: { apiKeys: { upsert: { 'hash-x': { id: 'key_x' } }, remove: [] } },
    });
    await expect(verifySnapshot(parser, { version: 8, jws: invalid }, snapshot)).rejects.toThrow(SnapshotRejected);
  });
});
