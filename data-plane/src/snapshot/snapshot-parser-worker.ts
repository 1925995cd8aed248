// Worker thread entry (snapshot-parser.ts): parses snapshot messages off the request loop.
import { parentPort, workerData } from 'node:worker_threads';
import type { JWK } from 'jose';
import { createSnapshotVerifier } from '../../../shared/src/crypto.ts';
import { parsedBuffers, parseSnapshotMessage } from './parse-snapshot-message.ts';

const port = parentPort;
if (port === null) throw new Error('snapshot-parser-worker.ts runs as a worker thread');
const verifier = await createSnapshotVerifier((workerData as { publicJwk: JWK }).publicJwk);
port.on('message', (request: { id: number; jws: string }) => {
  parseSnapshotMessage(verifier, request.jws).then(
    (parsed) => port.postMessage({ id: request.id, parsed }, parsedBuffers(parsed)),
    (error: unknown) => port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
