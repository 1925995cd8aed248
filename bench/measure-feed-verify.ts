// The snapshot feed's check of a large message (snapshot-feed-worker.ts), its text against its bytes, in
// alternated rounds in one process: the bench's 100k-key delta (a 30 MB JWS) verified and parsed from its
// text with the JWS's bytes made for the request loop after (as the feed did), then the bytes made first
// and the message verified and parsed from them (crypto.ts: the signature checked on those bytes, no
// signing input encoded again). Per round this thread's CPU (its schedstat, so waiting for a CPU does not
// count) for the verify alone and for the whole parse, and the medians per side. Fresh pages count: on this
// VM a first touch of a 4 KiB page costs 13-20 µs, and both ways allocate tens of MB.
//
//   taskset -c 0 node --single-threaded-gc --max-semi-space-size=16 --import tsx bench/measure-feed-verify.ts [--rounds=6] [--keys=100000]
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { median } from './alternate-rounds.ts';
import { benchSnapshotState, withExtraKeys } from './bench-snapshot.ts';
import { option } from './command-line-option.ts';
import { createSnapshotSigner, createSnapshotVerifier, generateSnapshotSigningKeys } from '../shared/src/crypto.ts';
import { diffSnapshotStates, hashSnapshotState } from '../shared/src/snapshot.ts';
import { parseSnapshotMessage } from '../data-plane/src/snapshot/parse-snapshot-message.ts';
import { sharedUtf8 } from '../data-plane/src/snapshot/shared-bytes.ts';

const args = process.argv.slice(2);
const rounds = Number(option(args, 'rounds') ?? 6);
const keys = Number(option(args, 'keys') ?? 100_000);
const threadCpuMs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;

const signingKeys = await generateSnapshotSigningKeys();
const signer = await createSnapshotSigner(signingKeys.privateJwk);
const before = benchSnapshotState('http://127.0.0.1:9/v1');
const after = withExtraKeys(before, keys);
const jws = await signer.sign({ kind: 'delta', fromVersion: 1, version: 2, stateHash: hashSnapshotState(after), changes: diffSnapshotStates(before, after) });
const verifier = await createSnapshotVerifier(signingKeys.publicJwk, { onThisThread: true });

/** The verify alone (the bytes made before it, not counted), then the feed's whole step as the worker takes it. */
const sides = {
  text: async () => {
    let start = threadCpuMs();
    await verifier.verify(jws);
    const verifyMs = threadCpuMs() - start;
    start = threadCpuMs();
    await parseSnapshotMessage(verifier, jws);
    sharedUtf8(jws);
    return { verifyMs, parseMs: threadCpuMs() - start };
  },
  bytes: async () => {
    const made = sharedUtf8(jws);
    let start = threadCpuMs();
    await verifier.verify(made);
    const verifyMs = threadCpuMs() - start;
    start = threadCpuMs();
    const bytes = sharedUtf8(jws);
    await parseSnapshotMessage(verifier, bytes);
    return { verifyMs, parseMs: threadCpuMs() - start };
  },
};
const results: Record<keyof typeof sides, Array<{ verifyMs: number; parseMs: number }>> = { text: [], bytes: [] };
for (let round = 0; round < rounds; round++) {
  for (const side of (round % 2 === 0 ? ['text', 'bytes'] : ['bytes', 'text']) as Array<keyof typeof sides>) {
    const result = await sides[side]();
    results[side].push(result);
    process.stdout.write(
      `round ${round + 1} ${side}: verify alone ${result.verifyMs.toFixed(0)} ms, the feed's step (verify, parse, the bytes for the loop) ${result.parseMs.toFixed(0)} ms of CPU; load ${loadavg()[0]!.toFixed(2)}\n`,
    );
  }
}
for (const [side, list] of Object.entries(results)) {
  const verify = list.map((result) => result.verifyMs);
  const parse = list.map((result) => result.parseMs);
  process.stdout.write(
    `${side}: verify alone median ${median(verify).toFixed(0)} ms (${Math.min(...verify).toFixed(0)}-${Math.max(...verify).toFixed(0)}), the feed's step median ${median(parse).toFixed(0)} ms (${Math.min(...parse).toFixed(0)}-${Math.max(...parse).toFixed(0)})\n`,
  );
}
