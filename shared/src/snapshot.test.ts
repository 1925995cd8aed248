import { describe, expect, it } from 'vitest';
import {
  applySnapshotChanges,
  diffSnapshotStates,
  emptySnapshotState,
  hashSnapshotState,
  hashSnapshotStateWithJson,
  updateStateHash,
  type SnapshotState,
} from './snapshot.ts';

function stateWithKeys(...ids: string[]): SnapshotState {
  const state = emptySnapshotState();
  for (const id of ids)
    state.apiKeys[`hash-${id}`] = { id, orgId: 'org', userId: 'user', name: id, expiresAt: null, scopes: { models: null, providers: null } };
  return state;
}

describe('snapshot deltas', () => {
  it('diff then apply reproduces the next state exactly, and the hash matches', () => {
    const previous = stateWithKeys('a', 'b');
    const next = stateWithKeys('b', 'c');
    next.apiKeys['hash-b']!.name = 'renamed';
    const changes = diffSnapshotStates(previous, next);
    expect(Object.keys(changes)).toEqual(['apiKeys']);
    expect(changes.apiKeys?.remove).toEqual(['hash-a']);
    expect(Object.keys(changes.apiKeys?.upsert ?? {}).sort()).toEqual(['hash-b', 'hash-c']);
    const applied = applySnapshotChanges(previous, changes);
    expect(applied).toEqual(next);
    expect(hashSnapshotState(applied)).toBe(hashSnapshotState(next));
  });

  it('leaves the previous state untouched, so in-flight requests keep their view', () => {
    const previous = stateWithKeys('a');
    applySnapshotChanges(previous, { apiKeys: { upsert: {}, remove: ['hash-a'] } });
    expect(previous.apiKeys['hash-a']).toBeDefined();
  });

  it('rejects a malformed upserted entry', () => {
    expect(() => applySnapshotChanges(emptySnapshotState(), { apiKeys: { upsert: { x: { id: 1 } }, remove: [] } })).toThrow();
  });

  it("updates the hash from a delta alone to the next state's, a removed and re-added entry included", () => {
    const previous = stateWithKeys('a', 'b');
    const next = stateWithKeys('b', 'c');
    next.apiKeys['hash-b']!.name = 'renamed';
    const changes = diffSnapshotStates(previous, next);
    changes.apiKeys!.remove.push('hash-b'); // removed, then upserted again in the same delta
    expect(updateStateHash(hashSnapshotStateWithJson(previous).lanes, previous, changes).digest()).toBe(hashSnapshotState(next));
  });

  it('hashes independently of key order', () => {
    const one = stateWithKeys('a', 'b');
    const two = stateWithKeys('b', 'a');
    expect(hashSnapshotState(one)).toBe(hashSnapshotState(two));
  });
});
