// Worker thread entry (snapshot-feed.ts): holds the snapshot subscription and parses what it brings,
// so no snapshot message's text reaches the request loop. Messages are handed over in the order received.
// Asked to, it merges a large delta's API keys onto the keys the request loop holds (merge-keys.ts) and
// writes the held keys' JSON for the snapshot file (held-state.ts keysJsonPieces).
import { parentPort, workerData } from 'node:worker_threads';
import type { JWK } from 'jose';
import { createSnapshotVerifier } from '../../../shared/src/crypto.ts';
import { parseSnapshotMessage } from './parse-snapshot-message.ts';
import { FullSnapshotAssembler } from './assemble-full-snapshot.ts';
import { keysJsonPieces } from './held-state.ts';
import { mergeKeysAtOnce } from './merge-keys.ts';
import { sharedUtf8 } from './shared-bytes.ts';
import { createControlPlaneChannel } from '../channel/control-plane-channel.ts';
import { lowerThisThread } from './feed-thread-priority.ts';
import type { FeedReply, FeedRequest } from './snapshot-feed.ts';

lowerThisThread();
const port = parentPort;
if (port === null) throw new Error('snapshot-feed-worker.ts runs as a worker thread');
const { controlPlaneUrls, dataPlaneToken, publicJwk } = workerData as { controlPlaneUrls: string[]; dataPlaneToken: string; publicJwk: JWK };
// The signature is checked on this low-priority thread, not on the thread pool (crypto.ts).
const verifier = await createSnapshotVerifier(publicJwk, { onThisThread: true });
const channel = createControlPlaneChannel({ controlPlaneUrls, dataPlaneToken });
let subscription: { unsubscribe(): void } | null = null;
// Parsing is asynchronous; this chain keeps replies in the order the envelopes arrived.
let replies: Promise<void> = Promise.resolve();
// A full snapshot in parts is handed over once whole: the request loop sees one full snapshot.
const assembler = new FullSnapshotAssembler();
// Whatever is large in a reply (the JWS, entry chunks, the state file's JSON, packed keys) is in shared
// buffers (shared-bytes.ts), so nothing is transferred: the rest (state hash lanes, ids) is small.
const reply = (message: FeedReply) => port.postMessage(message);

port.on('message', (request: FeedRequest) => {
  if (request.type === 'task') {
    // At once: the held keys it reads are never modified, and the subscription waits a second or two.
    const { task, work } = request;
    try {
      if (work.kind === 'merge') {
        const keys = mergeKeysAtOnce(work.held, work.delta, work.from);
        reply({ type: 'done', task, result: keys });
      } else {
        reply({ type: 'done', task, result: keysJsonPieces(work.held) });
      }
    } catch (error) {
      reply({ type: 'done', task, error: error instanceof Error ? error.message : String(error) });
    }
    return;
  }
  subscription?.unsubscribe();
  subscription = null;
  replies = replies.then(() => assembler.reset());
  if (request.type === 'unsubscribe') return;
  const id = request.subscription;
  subscription = channel.subscribeSnapshots(request.lastEventId, {
    onEnvelope(envelope) {
      replies = replies.then(async () => {
        if ('spendFloors' in envelope) return reply({ type: 'spend-floors', subscription: id, envelope });
        const { version } = envelope;
        // A compact JWS is ASCII: its UTF-8 bytes are its latin1 bytes (verify-snapshot.ts SignedMessage).
        // Made once: the request loop gets them, and the signature is checked on them (crypto.ts).
        const jws = sharedUtf8(envelope.jws);
        try {
          const message = await parseSnapshotMessage(verifier, jws);
          if (message.kind !== 'part') assembler.reset();
          const parsed = message.kind === 'part' ? assembler.add(message) : message;
          if (parsed === null) return;
          // The last part's envelope stands for the whole (its JWS signs the version and stateHash).
          reply({ type: 'snapshot', subscription: id, version, jws, parsed });
        } catch (error) {
          assembler.reset();
          reply({ type: 'snapshot', subscription: id, version, jws, error: error instanceof Error ? error.message : String(error) });
        }
      });
    },
    onFailure(error) {
      const message = error instanceof Error ? error.message : String(error);
      replies = replies.then(() => reply({ type: 'failure', subscription: id, error: message, url: channel.currentUrl }));
    },
  });
});
