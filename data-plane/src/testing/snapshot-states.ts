// Snapshot states for the channel's tests: `count` keys of one organization, spread over a few users.
import { emptySnapshotState, type SnapshotState } from '../../../shared/src/snapshot.ts';

export function stateWithKeys(count: number): SnapshotState {
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
