// A full snapshot in parts: each part signed, put together in order into exactly the state signed; a
// part alone, out of order, of another version, or a set of parts that is not the whole state is refused.
import { describe, expect, it } from 'vitest';
import type { SnapshotSigner, SnapshotVerifier } from '../../../shared/src/crypto.ts';
import { hashSnapshotState, splitSnapshotState, type SnapshotState } from '../../../shared/src/snapshot.ts';
import { materialiseFullSnapshot } from './apply-parsed-snapshot.ts';
import { FullSnapshotAssembler } from './assemble-full-snapshot.ts';
import { plainState } from './held-state.ts';
import { parseSnapshotMessage, type ParsedSnapshotPart } from './parse-snapshot-message.ts';
import { snapshotSigning, stateWithKeys } from '../testing/snapshot-states.ts';

const text = (pieces: readonly Uint8Array[]) => pieces.map((piece) => Buffer.from(piece).toString('utf8')).join('');

async function signedParts(
  signer: SnapshotSigner,
  verifier: SnapshotVerifier,
  version: number,
  state: SnapshotState,
  partEntries: number,
  stateHash = hashSnapshotState(state),
) {
  const parts = splitSnapshotState(state, partEntries);
  const parsed: ParsedSnapshotPart[] = [];
  for (const [index, part] of parts.entries()) {
    const message = await parseSnapshotMessage(
      verifier,
      await signer.sign({ kind: 'full', version, stateHash, state: part, part: { index, count: parts.length } }),
    );
    if (message.kind !== 'part') throw new Error('expected a part');
    parsed.push(message);
  }
  return parsed;
}

describe('full snapshot in parts', () => {
  it('puts the parts together into the signed state, its hash lanes and its file JSON', async () => {
    const { signer, verifier } = await snapshotSigning();
    const state = stateWithKeys(1_234);
    state.orgs.org_1 = {
      id: 'org_1',
      name: 'One',
      allowedModels: null,
      allowedProviders: null,
      deniedProviders: [],
      dailyLimitMicros: null,
      userDailyLimitMicros: {},
    } as never;
    const parts = await signedParts(signer, verifier, 3, state, 500);
    expect(parts.map((part) => [part.index, part.count])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    const assembler = new FullSnapshotAssembler();
    expect(assembler.add(parts[0]!)).toBeNull();
    expect(assembler.add(parts[1]!)).toBeNull();
    const whole = assembler.add(parts[2]!);
    if (whole === null) throw new Error('expected the whole snapshot');
    expect(whole).toMatchObject({ kind: 'full', version: 3, stateHash: hashSnapshotState(state) });
    const held = await materialiseFullSnapshot(whole);
    expect(plainState(held)).toEqual(JSON.parse(JSON.stringify(state)));
    // Keys of the first and the last part are found in the merged packed keys.
    expect(held.apiKeys.get('hash-0')).toEqual(state.apiKeys['hash-0']);
    expect(held.apiKeys.get(`hash-${Object.keys(state.apiKeys).length - 1}`)?.id).toBe(`key_${Object.keys(state.apiKeys).length - 1}`);
    expect(JSON.parse(text(whole.stateJson))).toEqual(JSON.parse(JSON.stringify(state)));
  });

  it('refuses parts out of order, of two versions, or that are not the whole signed state', async () => {
    const { signer, verifier } = await snapshotSigning();
    const state = stateWithKeys(30);
    const parts = await signedParts(signer, verifier, 3, state, 10);
    const assembler = new FullSnapshotAssembler();
    expect(() => assembler.add(parts[1]!)).toThrow(/does not follow/);
    assembler.add(parts[0]!);
    expect(() => assembler.add(parts[2]!)).toThrow(/does not follow/);

    const otherVersion = await signedParts(signer, verifier, 4, state, 10);
    assembler.add(parts[0]!);
    expect(() => assembler.add(otherVersion[1]!)).toThrow(/does not follow/);

    // Signed as two parts of the 30-key state's hash, but they hold 20 of its keys.
    const twenty = stateWithKeys(20);
    const short = await signedParts(signer, verifier, 5, twenty, 10, hashSnapshotState(state));
    assembler.add(short[0]!);
    expect(() => assembler.add(short[1]!)).toThrow(/does not hash to the signed stateHash/);
  });
});
