// What the feed's worker thread hands the request loop, in shared buffers: a full snapshot's entries,
// the state file's JSON and the signed message, posted to another thread, read there exactly as signed
// (names that are not ASCII included) and still read here.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { hashSnapshotState } from '../../../shared/src/snapshot.ts';
import { materialiseFullSnapshot } from './apply-parsed-snapshot.ts';
import { plainState } from './held-state.ts';
import { parseSnapshotMessage, type ParsedFullSnapshot } from './parse-snapshot-message.ts';
import { sharedUtf8 } from './shared-bytes.ts';
import { signedText } from './verify-snapshot.ts';
import { snapshotSigning, stateWithKeys } from '../testing/snapshot-states.ts';

const received = <Message>(port: MessagePort) => new Promise<Message>((resolve) => port.once('message', resolve));

describe('shared bytes', () => {
  it('a parsed full snapshot and its signed message, posted to another thread, read as signed on both sides', async () => {
    const { signer, verifier } = await snapshotSigning();
    const state = stateWithKeys(1_200);
    const [first] = Object.keys(state.apiKeys);
    state.apiKeys[first!] = { ...state.apiKeys[first!]!, name: 'clé ключ 鍵 🔑' };
    const jws = await signer.sign({ kind: 'full', version: 7, stateHash: hashSnapshotState(state), state });
    const parsed = (await parseSnapshotMessage(verifier, jws)) as ParsedFullSnapshot;
    const { port1, port2 } = new MessageChannel();
    try {
      const arrival = received<{ parsed: ParsedFullSnapshot; jws: Uint8Array }>(port2);
      port1.postMessage({ parsed, jws: sharedUtf8(jws) });
      const there = await arrival;
      const fileJson = (pieces: readonly Uint8Array[]) => JSON.parse(pieces.map((piece) => Buffer.from(piece).toString('utf8')).join('')) as unknown;
      for (const side of [there.parsed, parsed]) {
        expect(plainState(await materialiseFullSnapshot(side))).toEqual(state);
        expect(fileJson(side.stateJson)).toEqual(state);
      }
      expect(signedText(there.jws)).toBe(jws);
    } finally {
      port1.close();
    }
  });
});
