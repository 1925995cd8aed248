// One store, many threads: the thread that owns a store (an in-process spend counter or rate-limit
// store: every operation atomic because nothing awaits inside it) serves it on a MessagePort, and a
// worker thread calls it through a proxy that posts each call and awaits its answer. The owner runs
// calls one after another in arrival order, so the store's operations stay atomic across all threads;
// a worker's calls keep their order. Arguments and results must be structured-cloneable. Generic on
// purpose: the spend counters and the rate-limit cells share it (workers/start-worker-pool.ts).
import type { MessagePort } from 'node:worker_threads';

type StoreCall = { id: number; method: string; args: unknown[] };
type StoreAnswer = { id: number; value?: unknown; error?: string };

/** Answers calls arriving on `port` with `store`'s methods; casts (id < 0) are run and not answered. */
export function serveStore(port: MessagePort, store: object): void {
  const methods = store as Record<string, (...args: unknown[]) => unknown>;
  port.on('message', (call: StoreCall) => {
    const method = methods[call.method];
    let result: Promise<unknown>;
    try {
      if (typeof method !== 'function') throw new Error(`no store method ${call.method}`);
      result = Promise.resolve(method.apply(store, call.args));
    } catch (error) {
      result = Promise.reject(error);
    }
    if (call.id < 0) {
      result.catch(() => {});
      return;
    }
    result.then(
      (value) => port.postMessage({ id: call.id, value } satisfies StoreAnswer),
      (error: unknown) => port.postMessage({ id: call.id, error: error instanceof Error ? error.message : String(error) } satisfies StoreAnswer),
    );
  });
}

type AsyncMethod<Store> = { [Name in keyof Store]: Store[Name] extends (...args: never[]) => Promise<unknown> ? Name : never }[keyof Store];
type VoidMethod<Store> = { [Name in keyof Store]: Store[Name] extends (...args: never[]) => void ? Name : never }[keyof Store];

export interface StoreClient<Store> {
  /** Methods answered by the owner: each call resolves with its result (or rejects with its error). */
  calls<Name extends AsyncMethod<Store>>(names: readonly Name[]): Pick<Store, Name>;
  /** Methods whose result nobody waits for: posted, in order with the calls. */
  casts<Name extends VoidMethod<Store>>(names: readonly Name[]): Pick<Store, Name>;
  /** Rejects the calls still waiting and closes the port. */
  close(): void;
}

export function storeClient<Store>(port: MessagePort): StoreClient<Store> {
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let nextId = 0;
  let closed = false;
  port.on('message', (answer: StoreAnswer) => {
    const call = waiting.get(answer.id);
    if (call === undefined) return;
    waiting.delete(answer.id);
    if (answer.error === undefined) call.resolve(answer.value);
    else call.reject(new Error(answer.error));
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
            port.postMessage({ id, method: name as string, args } satisfies StoreCall);
          });
        };
      }
      return methods as unknown as Pick<Store, (typeof names)[number]>;
    },
    casts(names) {
      const methods: Record<string, (...args: unknown[]) => void> = {};
      for (const name of names) {
        methods[name as string] = (...args) => {
          if (!closed) port.postMessage({ id: -1, method: name as string, args } satisfies StoreCall);
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
