// The snapshot on disk: a state file plus a log of the deltas since, replayed and re-verified on load;
// the log is emptied when the state file is written again, and when a delta's line would make it
// outweigh the state file the writer says so (the sync then writes the state whole, not the line).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diffSnapshotStates, hashSnapshotStateWithJson } from '../../../shared/src/snapshot.ts';
import { holdState, plainState, serializeHeldStateInSlices } from './held-state.ts';
import { loadSnapshotFile, SnapshotFileWriter } from './load-snapshot.ts';
import { createSnapshotFeed } from './snapshot-feed.ts';
import { snapshotSigning, stateWithKeys } from '../testing/snapshot-states.ts';

const directories: string[] = [];
afterEach(async () => {
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

describe('snapshot file and deltas log', () => {
  it('replays the logged deltas on load, skips ones older than the state file, and stops at one that does not follow', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'snapshot-file-'));
    directories.push(directory);
    const path = join(directory, 'snapshot.json');
    const { signer, verifier } = await snapshotSigning();
    const states = [1, 2, 3].map(stateWithKeys);
    const hashed = states.map(hashSnapshotStateWithJson);
    const full = await signer.sign({ kind: 'full', version: 1, stateHash: hashed[0]!.stateHash, state: states[0]! });
    const delta = (from: number) =>
      signer.sign({
        kind: 'delta',
        fromVersion: from,
        version: from + 1,
        stateHash: hashed[from]!.stateHash,
        changes: diffSnapshotStates(states[from - 1]!, states[from]!),
      });

    const writer = new SnapshotFileWriter(path, () => {});
    writer.save(
      { version: 1, stateHash: hashed[0]!.stateHash, lanes: hashed[0]!.lanes, state: holdState(structuredClone(states[0]!)), jws: full },
      hashed[0]!.stateJson,
    );
    const second = { version: 2, stateHash: hashed[1]!.stateHash, lanes: hashed[1]!.lanes, state: holdState(structuredClone(states[1]!)), jws: await delta(1) };
    writer.append(second);
    writer.append({ version: 3, stateHash: hashed[2]!.stateHash, lanes: hashed[2]!.lanes, state: holdState(structuredClone(states[2]!)), jws: await delta(2) });
    await writer.flush();
    const loaded = await loadSnapshotFile(path, verifier, () => {});
    expect(loaded?.snapshot).toMatchObject({ version: 3, stateHash: hashed[2]!.stateHash });
    expect(plainState(loaded!.snapshot.state)).toEqual(states[2]);

    // The state file rewritten at version 2 (a crash before the log was emptied leaves version 2 and 3 in it).
    const log = await readFile(join(directory, 'snapshot-deltas.jws'), 'utf8');
    // As a compaction writes it: entries in the order held, not sorted.
    writer.save(second, await serializeHeldStateInSlices(second.state));
    await writer.flush();
    expect(await readFile(join(directory, 'snapshot-deltas.jws'), 'utf8')).toBe('');
    await writeFile(join(directory, 'snapshot-deltas.jws'), log);
    expect((await loadSnapshotFile(path, verifier, () => {}))?.snapshot.version).toBe(3);

    // A line that does not follow (version 3 again, from 2, after a gap): the replay stops at version 2.
    await writeFile(join(directory, 'snapshot-deltas.jws'), `${log.split('\n')[1]!.replace('"version":3', '"version":4')}\n`);
    expect((await loadSnapshotFile(path, verifier, () => {}))?.snapshot.version).toBe(2);
  });

  it('writes the same state JSON with the API keys serialised by the snapshot feed worker, changes in place included', async () => {
    const { keys } = await snapshotSigning();
    const feed = createSnapshotFeed({ controlPlaneUrls: ['http://127.0.0.1:9'], dataPlaneToken: 'unused', snapshotPublicJwk: keys.publicJwk });
    try {
      const state = stateWithKeys(4_321);
      const held = holdState(structuredClone(state));
      held.apiKeys.delete('hash-0');
      held.apiKeys.set('hash-1', { ...state.apiKeys['hash-1']!, name: 'renamed' });
      delete state.apiKeys['hash-0'];
      state.apiKeys['hash-1']!.name = 'renamed';
      const text = (pieces: Uint8Array[]) => Buffer.concat(pieces).toString('utf8');
      const inWorker = await serializeHeldStateInSlices(held, feed.keysJson);
      expect(JSON.parse(text(inWorker))).toEqual(state);
      expect(JSON.parse(text(inWorker))).toEqual(JSON.parse(text(await serializeHeldStateInSlices(held))));
    } finally {
      await feed.close();
    }
  });

  it('says when a delta would make the log outweigh the state file', async () => {
    const { signer } = await snapshotSigning();
    const state = stateWithKeys(1);
    const jws = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash: hashSnapshotStateWithJson(state).stateHash, changes: {} });
    const delta = { version: 2, ...hashSnapshotStateWithJson(state), state: holdState(state), jws };
    const line = `{"version":2,"jws":"${jws}"}\n`.length;
    const writer = new SnapshotFileWriter('/nonexistent/snapshot.json', () => {}, { fileBytes: 100_000, deltaBytes: 100_000 - line });
    expect(writer.outweighedBy(delta)).toBe(false);
    const writerWithMore = new SnapshotFileWriter('/nonexistent/snapshot.json', () => {}, { fileBytes: 100_000, deltaBytes: 100_001 - line });
    expect(writerWithMore.outweighedBy(delta)).toBe(true);
  });
});
