// A delta larger than one slice is applied in place to exactly the target state, its hash computed from
// the held hash's lanes; a large one is merged beside the held state (API keys as packed bytes, also on
// top of small deltas applied in place before); a full snapshot is materialised and saved as JSON of
// exactly that state; a state that diverges from the signed hash is refused.
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/src/canonical-json.ts';
import { diffSnapshotStates, hashSnapshotState, hashSnapshotStateWithJson } from '../../../shared/src/snapshot.ts';
import { createInThreadSnapshotParser } from './snapshot-parser.ts';
import { SnapshotRejected, verifySnapshot } from './verify-snapshot.ts';
import { holdState, plainState } from './held-state.ts';
import { snapshotSigning, stateWithKeys } from '../testing/snapshot-states.ts';

const text = (pieces: ReadonlyArray<string | Uint8Array>) =>
  pieces.map((piece) => (typeof piece === 'string' ? piece : Buffer.from(piece).toString('utf8'))).join('');

async function signerAndParser() {
  const { keys, signer } = await snapshotSigning();
  return { signer, parser: await createInThreadSnapshotParser(keys.publicJwk) };
}

describe('verifySnapshot', () => {
  it('applies a small delta to the held state in place, hashed from the held hash alone, and refuses a divergent one without touching that state', async () => {
    const { signer, parser } = await signerAndParser();
    const before = stateWithKeys(3);
    const { stateHash: beforeHash, lanes } = hashSnapshotStateWithJson(before);
    const held = holdState(structuredClone(before));
    const current = { version: 1, stateHash: beforeHash, lanes, state: held, jws: '' };
    const after = stateWithKeys(5);
    delete after.apiKeys['hash-0'];
    after.apiKeys['hash-1']!.name = 'renamed';
    const changes = diffSnapshotStates(before, after);

    const divergent = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash: beforeHash, changes });
    await expect(verifySnapshot(parser, { version: 2, jws: divergent }, current)).rejects.toThrow(SnapshotRejected);
    expect(plainState(held)).toEqual(stateWithKeys(3));

    const stateHash = hashSnapshotState(after);
    const jws = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash, changes });
    const verified = await verifySnapshot(parser, { version: 2, jws }, current);
    expect(verified).toMatchObject({ kind: 'delta', changedSections: new Set(['apiKeys']) });
    expect(verified.snapshot.state).toBe(held);
    expect(plainState(held)).toEqual(after);
    expect(held.apiKeys.get('hash-0')).toBeUndefined();
    expect(held.apiKeys.get('hash-1')?.name).toBe('renamed');
    expect(held.apiKeys.get('hash-4')).toEqual(after.apiKeys['hash-4']);
    expect(verified.snapshot.stateHash).toBe(stateHash);
    expect(verified.snapshot.lanes).toEqual(hashSnapshotStateWithJson(after).lanes);
  });

  it('builds a large delta beside the held state, hashed in slices, and leaves the held state as it was; refuses one that diverges', async () => {
    const { signer, parser } = await signerAndParser();
    const before = stateWithKeys(300);
    const { stateHash: beforeHash, lanes } = hashSnapshotStateWithJson(before);
    const held = holdState(structuredClone(before));
    const current = { version: 1, stateHash: beforeHash, lanes, state: held, jws: '' };
    // New keys, a removed one and replaced ones: the hash takes the removed and replaced entries out.
    const after = stateWithKeys(5_003);
    delete after.apiKeys['hash-0'];
    for (let index = 1; index < 250; index++) after.apiKeys[`hash-${index}`]!.name = `renamed ${index}`;
    const changes = diffSnapshotStates(before, after);

    const divergent = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash: hashSnapshotState(stateWithKeys(5_003)), changes });
    await expect(verifySnapshot(parser, { version: 2, jws: divergent }, current)).rejects.toThrow(SnapshotRejected);
    expect(plainState(held)).toEqual(stateWithKeys(300));

    const stateHash = hashSnapshotState(after);
    const jws = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash, changes });
    const verified = await verifySnapshot(parser, { version: 2, jws }, current);
    expect(verified).toMatchObject({ kind: 'delta', changedSections: null, snapshot: { version: 2, stateHash } });
    expect(plainState(verified.snapshot.state)).toEqual(after);
    expect(verified.snapshot.lanes).toEqual(hashSnapshotStateWithJson(after).lanes);
    // The new state answers for old, renamed, removed and new keys; the held one still as before.
    const swapped = verified.snapshot.state.apiKeys;
    expect(swapped.get('hash-0')).toBeUndefined();
    expect(swapped.get('hash-1')?.name).toBe('renamed 1');
    expect(swapped.get('hash-299')).toEqual(before.apiKeys['hash-299']);
    expect(swapped.get('hash-5002')).toEqual(after.apiKeys['hash-5002']);
    expect(swapped.get('hash-5003')).toBeUndefined();
    expect(held.apiKeys.get('hash-0')).toEqual(before.apiKeys['hash-0']);
    expect(held.apiKeys.get('hash-5002')).toBeUndefined();
    expect(plainState(held)).toEqual(stateWithKeys(300));
  });

  it('merges a large delta over keys changed in place by the small deltas before it', async () => {
    const { signer, parser } = await signerAndParser();
    const states = [stateWithKeys(100), stateWithKeys(101), stateWithKeys(3_000)];
    // Small delta: hash-0 removed, hash-1 renamed, hash-100 added. Large delta: hash-1 renamed again,
    // hash-0 back, hash-2 removed, 2,899 keys added.
    delete states[1]!.apiKeys['hash-0'];
    states[1]!.apiKeys['hash-1']!.name = 'small';
    states[2]!.apiKeys['hash-1']!.name = 'large';
    delete states[2]!.apiKeys['hash-2'];
    const hashed = hashSnapshotStateWithJson(states[0]!);
    let current = {
      version: 1,
      stateHash: hashed.stateHash,
      lanes: hashed.lanes,
      state: holdState(structuredClone(states[0]!)),
      jws: '' as string | Uint8Array,
    };
    for (const version of [2, 3]) {
      const stateHash = hashSnapshotState(states[version - 1]!);
      const changes = diffSnapshotStates(states[version - 2]!, states[version - 1]!);
      const jws = await signer.sign({ kind: 'delta', fromVersion: version - 1, version, stateHash, changes });
      current = (await verifySnapshot(parser, { version, jws }, current)).snapshot;
      expect(current.stateHash).toBe(stateHash);
      expect(plainState(current.state)).toEqual(states[version - 1]);
    }
    expect(current.state.apiKeys.get('hash-0')).toEqual(states[2]!.apiKeys['hash-0']);
    expect(current.state.apiKeys.get('hash-1')?.name).toBe('large');
    expect(current.state.apiKeys.get('hash-2')).toBeUndefined();
    expect(current.state.apiKeys.get('hash-2999')).toEqual(states[2]!.apiKeys['hash-2999']);
  });

  it('materialises a multi-chunk full snapshot exactly, and refuses one whose state does not hash to its signed hash or holds an invalid entry', async () => {
    const { signer, parser } = await signerAndParser();
    const state = stateWithKeys(1_234);
    const stateHash = hashSnapshotState(state);
    const jws = await signer.sign({ kind: 'full', version: 7, stateHash, state });
    const verified = await verifySnapshot(parser, { version: 7, jws }, null);
    if (verified.kind !== 'full') throw new Error('expected a full snapshot');
    const { snapshot, stateJson } = verified;
    expect(snapshot).toMatchObject({ version: 7, stateHash });
    expect(plainState(snapshot.state)).toEqual(state);
    expect(snapshot.state.apiKeys.get('hash-1233')).toEqual(state.apiKeys['hash-1233']);
    expect(snapshot.state.apiKeys.get('hash-1234')).toBeUndefined();
    expect(JSON.parse(text(stateJson))).toEqual(state);
    expect(hashSnapshotState(JSON.parse(text(stateJson)) as typeof state)).toBe(stateHash);

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
