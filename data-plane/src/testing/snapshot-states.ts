// Snapshot states for the channel's tests: `count` keys of one organization, spread over a few users; and
// both ends of a snapshot's signature on a fresh key pair.
import { createSnapshotSigner, createSnapshotVerifier, generateSnapshotSigningKeys, type JwkPair } from '../../../shared/src/crypto.ts';
import type { SnapshotSigner, SnapshotVerifier } from '../../../shared/src/crypto.ts';
import { emptySnapshotState, type SnapshotState } from '../../../shared/src/snapshot.ts';

/** The control plane's signer and the data plane's verifier of a fresh key pair (the keys, for a parser of its own). */
export async function snapshotSigning(): Promise<{ keys: JwkPair; signer: SnapshotSigner; verifier: SnapshotVerifier }> {
  const keys = await generateSnapshotSigningKeys();
  return { keys, signer: await createSnapshotSigner(keys.privateJwk), verifier: await createSnapshotVerifier(keys.publicJwk) };
}

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
