// A delta larger than one slice is applied in place to exactly the target state, its hash computed from
// the held hash's lanes; a large one is merged beside the held state (API keys as packed bytes, also on
// top of small deltas applied in place before); a full snapshot is materialised and saved as JSON of
// exactly that state; a state that diverges from the signed hash is refused. The large delta's keys merge
// either on this thread or in the snapshot feed's worker thread, as a serving data plane merges them, the
// result's state hash lanes added up where they merge.
import { afterAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/src/canonical-json.ts';
import { diffSnapshotStates, hashSnapshotState, hashSnapshotStateWithJson, type SnapshotState } from '../../../shared/src/snapshot.ts';
import { createSnapshotFeed } from './snapshot-feed.ts';
import { createInThreadSnapshotParser, type SnapshotParser } from './snapshot-parser.ts';
import { SnapshotRejected, verifySnapshot } from './verify-snapshot.ts';
import { holdState, plainState } from './held-state.ts';
import { mergeKeysInTurns, type KeyMerger } from './merge-keys.ts';
import { snapshotSigning, stateWithKeys } from '../testing/snapshot-states.ts';

const text = (pieces: ReadonlyArray<string | Uint8Array>) =>
  pieces.map((piece) => (typeof piece === 'string' ? piece : Buffer.from(piece).toString('utf8'))).join('');

/** Feeds whose worker only merges (nothing subscribes, so their control plane is never called). */
const feeds: Array<ReturnType<typeof createSnapshotFeed>> = [];
afterAll(() => Promise.all(feeds.map((feed) => feed.close())));

async function signerAndParser(mergeIn: 'this thread' | 'the feed worker' = 'this thread') {
  const { keys, signer } = await snapshotSigning();
  const parser: SnapshotParser = await createInThreadSnapshotParser(keys.publicJwk);
  /** Merges the feed worker made, and the lanes each merge was given to start its result's lanes from. */
  const workerMerges = { count: 0, from: [] as Array<readonly Uint16Array[] | undefined> };
  let merge: KeyMerger = mergeKeysInTurns;
  if (mergeIn === 'the feed worker') {
    const feed = createSnapshotFeed({ controlPlaneUrls: ['http://127.0.0.1:9'], dataPlaneToken: 'unused', snapshotPublicJwk: keys.publicJwk });
    feeds.push(feed);
    merge = async (held, delta, from) => {
      const merged = await feed.mergeKeys(held, delta, from);
      workerMerges.count += 1;
      return merged;
    };
  }
  parser.mergeKeys = async (held, delta, from) => {
    workerMerges.from.push(from);
    return merge(held, delta, from);
  };
  return { signer, parser, workerMerges };
}

/** `state` held at version 1, as verifySnapshot's current snapshot. */
function heldAtVersion1(state: SnapshotState) {
  const { stateHash, lanes } = hashSnapshotStateWithJson(state);
  const held = holdState(structuredClone(state));
  return { held, current: { version: 1, stateHash, lanes, state: held, jws: '' as string | Uint8Array } };
}

describe('verifySnapshot', () => {
  it('applies a small delta to the held state in place, hashed from the held hash alone, and refuses a divergent one without touching that state', async () => {
    const { signer, parser } = await signerAndParser();
    const before = stateWithKeys(3);
    const { held, current } = heldAtVersion1(before);
    const after = stateWithKeys(5);
    delete after.apiKeys['hash-0'];
    after.apiKeys['hash-1']!.name = 'renamed';
    const changes = diffSnapshotStates(before, after);

    const divergent = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash: current.stateHash, changes });
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

  it.each(['this thread', 'the feed worker'] as const)(
    'builds a large delta beside the held state, its keys merged on %s, and leaves the held state as it was; refuses one that diverges',
    async (mergeIn) => {
      const { signer, parser, workerMerges } = await signerAndParser(mergeIn);
      const before = stateWithKeys(300);
      const { held, current } = heldAtVersion1(before);
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
      // Built beside, yet only the API keys changed: a view's indexes of the other sections still hold.
      expect(verified).toMatchObject({ kind: 'delta', changedSections: new Set(['apiKeys']), snapshot: { version: 2, stateHash } });
      expect(verified.snapshot.state.models).toBe(held.models);
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
      expect(workerMerges.count).toBe(mergeIn === 'the feed worker' ? 2 : 0);
      // The result's lanes are added up where the keys merge (the held state's, then the delta's upserted
      // entries'), not on the request loop.
      expect(workerMerges.from.at(-1)?.[0]).toEqual(current.lanes);
      expect(workerMerges.from.at(-1)).toHaveLength(2);
    },
  );

  it.each(['this thread', 'the feed worker'] as const)(
    'merges a large delta over keys changed in place by the small deltas before it, on %s',
    async (mergeIn) => {
      const { signer, parser, workerMerges } = await signerAndParser(mergeIn);
      const states = [stateWithKeys(100), stateWithKeys(101), stateWithKeys(3_000)];
      // Small delta: hash-0 removed, hash-1 renamed, hash-100 added. Large delta: hash-1 renamed again,
      // hash-0 back, hash-2 removed, 2,899 keys added.
      delete states[1]!.apiKeys['hash-0'];
      states[1]!.apiKeys['hash-1']!.name = 'small';
      states[2]!.apiKeys['hash-1']!.name = 'large';
      delete states[2]!.apiKeys['hash-2'];
      let { current } = heldAtVersion1(states[0]!);
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
      // The small delta applies in place on this thread; the large one's keys merge where asked.
      expect(workerMerges.count).toBe(mergeIn === 'the feed worker' ? 1 : 0);
    },
  );

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
