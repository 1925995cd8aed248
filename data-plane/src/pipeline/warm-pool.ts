// undici's Pool, with its spare connections kept in use (issue 19, the 2,000 req/s tail). The Pool sends
// each request over the first free connection in the order they were opened, so steady load runs on the
// first few and the ones a burst or a stall opened sit idle until the upstream closes them, all at about
// the same moment (a burst of closes on the request loop), and the next burst opens them again (connects
// on the loop, during the burst). Here every `keepWarmMs` a sweep lists the connections that are open,
// free and wrote nothing since the previous sweep, and the next requests go over those, one each, before
// the Pool's own choice: each spare connection carries a request at least every two sweeps while the load
// lasts, so an upstream that closes connections idle for a few seconds closes none of them. The
// common path is the Pool's (one length check more); a request sent over a spare connection is a request
// the load sent anyway. A load too light to reach every spare connection lets the rest close one by one.
// undici's internals used here (its version is pinned): the Pool's clients, its per-client busy mark
// and the method that picks a client (lib/dispatcher/pool-base.js), a client's socket (lib/core/symbols.js).
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { Pool } from 'undici';

const require = createRequire(import.meta.url);
const poolBase = require('undici/lib/dispatcher/pool-base.js') as Record<'kClients' | 'kNeedDrain' | 'kGetDispatcher', symbol>;
const coreSymbols = require('undici/lib/core/symbols.js') as Record<'kSocket', symbol>;
const { kClients, kNeedDrain, kGetDispatcher } = poolBase;
const { kSocket } = coreSymbols;
/** The Pool's own choice of client. */
const poolGetDispatcher = (Pool.prototype as unknown as Record<symbol, (() => unknown) | undefined>)[kGetDispatcher];

/** A client of the Pool as this module reads it. */
type PooledClient = Record<symbol, unknown>;

export interface WarmPoolOptions extends Pool.Options {
  /** How often the sweep runs; a spare connection goes at most about twice this long without a request. */
  keepWarmMs: number;
}

export class WarmPool extends Pool {
  /** Spare connections still to be sent a request, the longest idle last. */
  #due: PooledClient[] = [];
  /** Each open socket: what it had written at the last sweep, and the sweep since which it has written nothing. */
  readonly #seen = new WeakMap<Socket, { written: number; idleSince: number }>();
  #sweeps = 0;
  readonly #sweeper: NodeJS.Timeout;

  constructor(origin: string, { keepWarmMs, ...options }: WarmPoolOptions) {
    super(origin, options);
    if (poolGetDispatcher === undefined || typeof kSocket !== 'symbol' || !Array.isArray((this as unknown as PooledClient)[kClients])) {
      throw new Error("undici's Pool no longer has the internals WarmPool uses");
    }
    this.#sweeper = setInterval(() => this.#sweep(), keepWarmMs).unref();
  }

  #sweep(): void {
    if (this.closed || this.destroyed) {
      clearInterval(this.#sweeper);
      this.#due = [];
      return;
    }
    const sweep = ++this.#sweeps;
    const due: { client: PooledClient; idleSince: number }[] = [];
    for (const client of (this as unknown as PooledClient)[kClients] as PooledClient[]) {
      const socket = client[kSocket] as Socket | null;
      if (socket === null || socket === undefined || socket.destroyed) continue;
      const written = socket.bytesWritten;
      const seen = this.#seen.get(socket);
      if (seen === undefined) {
        this.#seen.set(socket, { written, idleSince: sweep });
      } else if (seen.written !== written || client[kNeedDrain] === true) {
        seen.written = written;
        seen.idleSince = sweep;
      } else {
        due.push({ client, idleSince: seen.idleSince });
      }
    }
    // The longest idle are sent on first: a load too light to reach them all in one sweep reaches them in turn.
    due.sort((a, b) => b.idleSince - a.idleSince);
    this.#due = due.map(({ client }) => client);
  }

  /** A spare connection that is still open and free, else the Pool's choice (the first free one, or a new one). */
  [kGetDispatcher](): unknown {
    const due = this.#due;
    while (due.length !== 0) {
      const client = due[due.length - 1]!;
      // Not taken off until sent on: the Pool asks again after each send, and then finds it busy.
      if (client[kNeedDrain] !== true) {
        const socket = client[kSocket] as Socket | null;
        if (socket !== null && !socket.destroyed) return client;
      }
      due.pop();
    }
    return poolGetDispatcher!.call(this);
  }
}
