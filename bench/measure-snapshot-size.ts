// Bytes per API key: on the wire (the signed full snapshot message, as the SSE event carries it) and in
// a data plane's memory (V8 heap and array buffers held by the state materialised the way a data plane does:
// API keys packed by the parser, other entries parsed chunk by chunk). Run with --expose-gc so memory is measured after collection.
import { createSnapshotSigner, generateSnapshotSigningKeys } from '../shared/src/crypto.ts';
import { hashSnapshotState } from '../shared/src/snapshot.ts';
import { materialiseFullSnapshot } from '../data-plane/src/snapshot/apply-parsed-snapshot.ts';
import { createInThreadSnapshotParser } from '../data-plane/src/snapshot/snapshot-parser.ts';
import { benchSnapshotState, withExtraKeys } from './bench-snapshot.ts';

export interface SnapshotSizeResult {
  keys: number;
  wireBytesPerKey: number;
  heapBytesPerKey: number;
}

const collect = () => (globalThis as { gc?: () => void }).gc?.();

export async function measureSnapshotSize(keys: number): Promise<SnapshotSizeResult> {
  if ((globalThis as { gc?: unknown }).gc === undefined) throw new Error('run with node --expose-gc');
  const signingKeys = await generateSnapshotSigningKeys();
  const signer = await createSnapshotSigner(signingKeys.privateJwk);
  const parser = await createInThreadSnapshotParser(signingKeys.publicJwk);
  const sign = async (count: number) => {
    const state = withExtraKeys(benchSnapshotState('http://127.0.0.1:9/v1'), count);
    return signer.sign({ kind: 'full', version: 1, stateHash: hashSnapshotState(state), state });
  };
  // The difference between `keys` and no extra keys: what the keys alone cost.
  const empty = await sign(0);
  const full = await sign(keys);
  // The packed API keys are array buffers, outside the V8 heap proper.
  const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const heapOf = async (jws: string) => {
    collect();
    const before = memory();
    const state = await parser.parse(jws).then((parsed) => {
      if (parsed.kind !== 'full') throw new Error('expected a full snapshot');
      return materialiseFullSnapshot(parsed);
    });
    collect();
    const held = memory() - before;
    return { state, held };
  };
  const small = await heapOf(empty);
  const large = await heapOf(full);
  return { keys, wireBytesPerKey: (full.length - empty.length) / keys, heapBytesPerKey: (large.held - small.held) / keys };
}
