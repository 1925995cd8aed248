// One store, many threads: the thread that owns a store (an in-process spend counter or rate-limit
// store: every operation atomic because nothing awaits inside it) serves it on a MessagePort, and a
// worker thread calls it through a proxy. The owner runs calls one after another in arrival order, so
// the store's operations stay atomic across all threads; a worker's calls keep their order. Arguments
// and results must be structured-cloneable. Generic on purpose: the spend counters and the rate-limit
// cells share it (workers/start-worker-pool.ts).
//
// Batched, because a message costs far more than a store operation: each one is a structured clone and
// wakes the other thread's event loop. A worker posts the calls of one turn of its loop (every request
// that turn admitted) as one message, after the turn's I/O (setImmediate), and the owner answers a
// message with one message. Casts (settle, release, renew: nobody waits for them) travel in the same
// batches, unanswered.
import type { MessagePort } from 'node:worker_threads';

/** A call; casts have id -1 and are not answered. */
type StoreCall = { id: number; method: string; args: unknown[] };
type StoreAnswer = { id: number; value?: unknown; error?: string };

/** Answers the batches of calls arriving on `port` with `store`'s methods, one answer message per batch. */
export function serveStore(port: MessagePort, store: object): void {
  const methods = store as Record<string, (...args: unknown[]) => unknown>;
  port.on('message', (batch: StoreCall[]) => {
    // Every operation runs now, in order (its body is synchronous); only the answers are collected.
    const answers: Array<Promise<StoreAnswer>> = [];
    for (const call of batch) {
      const method = methods[call.method];
      let result: Promise<unknown>;
      try {
        if (typeof method !== 'function') throw new Error(`no store method ${call.method}`);
        result = Promise.resolve(method.apply(store, call.args));
      } catch (error) {
        result = Promise.reject(error);
      }
      if (call.id < 0) result.catch(() => {});
      else
        answers.push(
          result.then(
            (value) => ({ id: call.id, value }),
            (error: unknown) => ({ id: call.id, error: error instanceof Error ? error.message : String(error) }),
          ),
        );
    }
    if (answers.length > 0) void Promise.all(answers).then((answered) => port.postMessage(answered));
  });
}

/** A method that may answer with a promise (an in-process store's may answer synchronously: the proxy's always waits). */
type AsyncMethod<Store> = {
  [Name in keyof Store]: Store[Name] extends (...args: never[]) => infer Answer ? (Promise<never> extends Answer ? Name : never) : never;
}[keyof Store];

export interface StoreClient<Store> {
  /** Methods answered by the owner: each call resolves with its result (or rejects with its error). */
  calls<Name extends AsyncMethod<Store>>(names: readonly Name[]): Pick<Store, Name>;
  /**
   * Methods whose result nobody waits for: posted in order with the calls, never answered. A method
   * that returns a promise resolves it at once (the owner is in this process: the call cannot be lost
   * unless the process is, and then so is the store).
   */
  casts<Name extends keyof Store>(names: readonly Name[]): Pick<Store, Name>;
  /** Rejects the calls still waiting and closes the port. */
  close(): void;
}

export function storeClient<Store>(port: MessagePort): StoreClient<Store> {
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  let closed = false;
  let batch: StoreCall[] = [];
  const flush = () => {
    const calls = batch;
    batch = [];
    if (!closed) port.postMessage(calls);
  };
  const send = (call: StoreCall) => {
    if (batch.length === 0) setImmediate(flush);
    batch.push(call);
  };
  port.on('message', (answers: StoreAnswer[]) => {
    for (const answer of answers) {
      const call = waiting.get(answer.id);
      if (call === undefined) continue;
      waiting.delete(answer.id);
      if (answer.error === undefined) call.resolve(answer.value);
      else call.reject(new Error(answer.error));
    }
  });
  return {
    calls(names) {
      const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
      for (const name of names) {
        methods[name as string] = (...args) => {
          if (closed) return Promise.reject(new Error('the shared store is closed'));
          const id = nextId++;
          return new Promise((resolve, reject) => {
            waiting.set(id, { resolve, reject });
            send({ id, method: name as string, args });
          });
        };
      }
      return methods as unknown as Pick<Store, (typeof names)[number]>;
    },
    casts(names) {
      const methods: Record<string, (...args: unknown[]) => Promise<void>> = {};
      for (const name of names) {
        methods[name as string] = (...args) => {
          if (!closed) send({ id: -1, method: name as string, args });
          return Promise.resolve();
        };
      }
      return methods as unknown as Pick<Store, (typeof names)[number]>;
    },
    close() {
      closed = true;
      for (const call of waiting.values()) call.reject(new Error('the shared store is closed'));
      waiting.clear();
      port.close();
    },
  };
}
