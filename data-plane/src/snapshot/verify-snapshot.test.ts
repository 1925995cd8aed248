// A delta larger than one slice is applied in place to exactly the target state, its hash computed from
// the held hash's lanes; a full snapshot is materialised and saved as JSON of exactly that state; a
// state that diverges from the signed hash is refused.
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/src/canonical-json.ts';
import { diffSnapshotStates, hashSnapshotState, hashSnapshotStateWithJson } from '../../../shared/src/snapshot.ts';
import { createInThreadSnapshotParser } from './snapshot-parser.ts';
import { SnapshotRejected, verifySnapshot } from './verify-snapshot.ts';
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
    const current = { version: 1, stateHash: beforeHash, lanes, state: before, jws: '' };
    const after = stateWithKeys(5);
    delete after.apiKeys['hash-0'];
    after.apiKeys['hash-1']!.name = 'renamed';
    const changes = diffSnapshotStates(before, after);

    const divergent = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash: beforeHash, changes });
    await expect(verifySnapshot(parser, { version: 2, jws: divergent }, current)).rejects.toThrow(SnapshotRejected);
    expect(before).toEqual(stateWithKeys(3));

    const stateHash = hashSnapshotState(after);
    const jws = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash, changes });
    const verified = await verifySnapshot(parser, { version: 2, jws }, current);
    expect(verified).toMatchObject({ kind: 'delta', changedSections: new Set(['apiKeys']) });
    expect(verified.snapshot.state).toBe(before);
    expect(before).toEqual(after);
    expect(verified.snapshot.stateHash).toBe(stateHash);
    expect(verified.snapshot.lanes).toEqual(hashSnapshotStateWithJson(after).lanes);
  });

  it('builds a large delta beside the held state, hashed in slices, and leaves the held state as it was; refuses one that diverges', async () => {
    const { signer, parser } = await signerAndParser();
    const before = stateWithKeys(300);
    const { stateHash: beforeHash, lanes } = hashSnapshotStateWithJson(before);
    const current = { version: 1, stateHash: beforeHash, lanes, state: before, jws: '' };
    // New keys, a removed one and replaced ones: the hash takes the removed and replaced entries out.
    const after = stateWithKeys(5_003);
    delete after.apiKeys['hash-0'];
    for (let index = 1; index < 250; index++) after.apiKeys[`hash-${index}`]!.name = `renamed ${index}`;
    const changes = diffSnapshotStates(before, after);

    const divergent = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash: hashSnapshotState(stateWithKeys(5_003)), changes });
    await expect(verifySnapshot(parser, { version: 2, jws: divergent }, current)).rejects.toThrow(SnapshotRejected);
    expect(before).toEqual(stateWithKeys(300));

    const stateHash = hashSnapshotState(after);
    const jws = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash, changes });
    const verified = await verifySnapshot(parser, { version: 2, jws }, current);
    expect(verified).toMatchObject({ kind: 'delta', changedSections: null, snapshot: { version: 2, stateHash } });
    expect(verified.snapshot.state).toEqual(after);
    expect(verified.snapshot.lanes).toEqual(hashSnapshotStateWithJson(after).lanes);
    expect(before).toEqual(stateWithKeys(300));
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
    expect(snapshot.state).toEqual(state);
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
