// Where snapshot messages are parsed (parse-snapshot-message.ts): in a worker thread, so verifying,
// parsing, validating and hashing a large snapshot never holds the request loop; or in this thread,
// for tests and tools that serve no requests. A worker that dies fails the messages it held (the sync
// then resubscribes for a full snapshot) and is started again for the next one.
import { Worker } from 'node:worker_threads';
import type { JWK } from 'jose';
import { createSnapshotVerifier } from '../../../shared/src/crypto.ts';
import { parseSnapshotMessage, type ParsedSnapshotMessage } from './parse-snapshot-message.ts';

export interface SnapshotParser {
  parse(jws: string): Promise<ParsedSnapshotMessage>;
  close(): Promise<void>;
}

export async function createInThreadSnapshotParser(publicJwk: JWK): Promise<SnapshotParser> {
  const verifier = await createSnapshotVerifier(publicJwk);
  return { parse: (jws) => parseSnapshotMessage(verifier, jws), close: async () => {} };
}

// Running from TypeScript sources (tests, node --import tsx), the worker registers tsx's loader before it
// imports its entry: a loader given through the worker's execArgv does not reach its imports on Node 20.
const fromSources = import.meta.url.endsWith('.ts');
const workerUrl = new URL(fromSources ? './snapshot-parser-worker.ts' : './snapshot-parser-worker.js', import.meta.url);
const workerSource = fromSources
  ? `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(workerUrl.href)}); })`
  : `import(${JSON.stringify(workerUrl.href)})`;

export function createWorkerSnapshotParser(publicJwk: JWK): SnapshotParser {
  let worker: Worker | null = null;
  let nextId = 0;
  const pending = new Map<number, { resolve(parsed: ParsedSnapshotMessage): void; reject(error: Error): void }>();

  function failAll(error: Error): void {
    for (const request of pending.values()) request.reject(error);
    pending.clear();
  }

  function start(): Worker {
    const started = new Worker(workerSource, { eval: true, workerData: { publicJwk } });
    started.unref();
    started.on('message', (reply: { id: number; parsed?: ParsedSnapshotMessage; error?: string }) => {
      const request = pending.get(reply.id);
      if (request === undefined) return;
      pending.delete(reply.id);
      if (reply.parsed !== undefined) request.resolve(reply.parsed);
      else request.reject(new Error(reply.error ?? 'snapshot parser failed'));
    });
    const onEnd = (error: Error) => {
      if (worker === started) worker = null;
      failAll(error);
    };
    started.on('error', onEnd);
    started.on('exit', (code) => onEnd(new Error(`snapshot parser worker exited (${code})`)));
    return started;
  }

  // Started now, not with the first message: loading the worker's modules takes a while.
  worker = start();
  return {
    parse(jws) {
      worker ??= start();
      const id = nextId++;
      const running = worker;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        running.postMessage({ id, jws });
      });
    },
    async close() {
      const running = worker;
      worker = null;
      if (running !== null) await running.terminate();
      failAll(new Error('snapshot parser closed'));
    },
  };
}
