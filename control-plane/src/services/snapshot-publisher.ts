// Keeps the current snapshot version and pushes it to subscribed data planes.
//
// - Any mutation calls changed(); recompiles are debounced, and a new version is recorded in
//   snapshot_versions only when the state hash changed, so versions stay monotonic across restarts.
//   Usage ingest only moves ledger totals, which data planes use as a floor under their own spend
//   counters (never their only source), so its changes wait longer and a busy gateway recompiles at
//   most about once a second for them instead of once per ingested batch.
// - Other control-plane replicas learn of a change through NOTIFY on SNAPSHOT_CHANNEL.
// - A bounded history of recent states lets a reconnecting data plane resume with one delta;
//   otherwise it gets a full snapshot. Every message is signed.
import { randomUUID } from 'node:crypto';
import type { SnapshotSigner } from '../../../shared/src/crypto.ts';
import type { SnapshotEnvelope } from '../../../shared/src/data-plane-channel.ts';
import { diffSnapshotStates, hashSnapshotState, type SnapshotMessage, type SnapshotState } from '../../../shared/src/snapshot.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { ByokSnapshotCompiler } from './byok/compile-byok-credentials.ts';
import type { SnapshotChangeCause } from './service-context.ts';
import { compileSnapshotState } from './snapshot-compiler.ts';

export const SNAPSHOT_CHANNEL = 'gateway_snapshot_changed';

export interface SnapshotPublisherOptions {
  prisma: PrismaClient;
  signer: SnapshotSigner;
  /** Encrypts BYOK provider keys for the snapshot. */
  byok: ByokSnapshotCompiler;
  /** Subscribes to NOTIFY on a channel (see db/open-database.ts); omitted = single replica. */
  listen?: (channel: string, onNotification: (payload: string) => void) => Promise<() => Promise<void>>;
  debounceMs?: number;
  /** Debounce for changes caused by usage ingest (see above). */
  usageDebounceMs?: number;
  /** How many recent versions a data plane can resume from with a delta. */
  historySize?: number;
  log?: (line: string) => void;
}

export interface SnapshotPublisher {
  /** The current version (0 before start()). */
  readonly version: number;
  readonly state: SnapshotState;
  start(): Promise<void>;
  /** Schedules a recompile; cheap to call after every mutation. */
  changed(cause?: SnapshotChangeCause): void;
  /** Resolves once every change signalled so far is compiled (and published if it changed anything). */
  settled(): Promise<void>;
  /**
   * The envelopes one subscriber should receive: a delta from `lastEventId` when that version is still
   * in the history (nothing when it is current), else a full snapshot; then one delta per new version.
   * Ends when `signal` aborts or the publisher closes.
   */
  subscribe(lastEventId: string | null | undefined, signal?: AbortSignal): AsyncGenerator<SnapshotEnvelope>;
  close(): Promise<void>;
}

interface Published {
  version: number;
  state: SnapshotState;
  stateHash: string;
}

export function createSnapshotPublisher(options: SnapshotPublisherOptions): SnapshotPublisher {
  const { prisma, signer, byok, debounceMs = 25, usageDebounceMs = 1000, historySize = 32, log = () => {} } = options;
  const replicaId = randomUUID();
  const history = new Map<number, Published>();
  // Signed messages for the current version, shared by every subscriber: key 'full' or the fromVersion.
  let envelopes = new Map<string, Promise<SnapshotEnvelope>>();
  let current: Published | null = null;
  let waiters = new Set<() => void>();
  let timer: NodeJS.Timeout | null = null;
  let timerDueAt = 0;
  let recompiling: Promise<void> | null = null;
  let dirty = false;
  let closed = false;
  let unlisten: (() => Promise<void>) | null = null;

  function requireCurrent(): Published {
    if (!current) throw new Error('snapshot publisher not started');
    return current;
  }

  async function recompile(): Promise<void> {
    const state = await compileSnapshotState(prisma, byok);
    const stateHash = hashSnapshotState(state);
    if (current && current.stateHash === stateHash) return;
    const latest = current ? null : await prisma.snapshotVersion.findFirst({ orderBy: { version: 'desc' } });
    const version =
      latest && latest.stateHash === stateHash ? Number(latest.version) : Number((await prisma.snapshotVersion.create({ data: { stateHash } })).version);
    current = { version, state, stateHash };
    history.set(version, current);
    for (const old of history.keys()) {
      if (history.size <= historySize) break;
      history.delete(old);
    }
    envelopes = new Map();
    const woken = waiters;
    waiters = new Set();
    for (const wake of woken) wake();
    log(`snapshot version ${version} (${Object.keys(state.apiKeys).length} keys, ${Object.keys(state.models).length} models)`);
  }

  /** Runs recompiles one at a time; a change signalled during a run causes exactly one more run. */
  function runRecompile(): Promise<void> {
    if (recompiling) {
      dirty = true;
      return recompiling;
    }
    recompiling = (async () => {
      do {
        dirty = false;
        try {
          await recompile();
        } catch (error) {
          // Data planes keep the last good snapshot; the next change retries.
          log(`snapshot recompile failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      } while (dirty && !closed);
      recompiling = null;
    })();
    return recompiling;
  }

  /** A recompile within `delay` ms: an earlier one already scheduled is kept, a later one is brought forward. */
  function schedule(cause: SnapshotChangeCause): void {
    if (closed) return;
    const delay = cause === 'usage' ? usageDebounceMs : debounceMs;
    const dueAt = Date.now() + delay;
    if (timer) {
      if (timerDueAt <= dueAt) return;
      clearTimeout(timer);
    }
    timerDueAt = dueAt;
    timer = setTimeout(() => {
      timer = null;
      void runRecompile();
    }, delay);
  }

  function envelope(key: string, build: () => SnapshotMessage): Promise<SnapshotEnvelope> {
    let cached = envelopes.get(key);
    if (!cached) {
      const message = build();
      cached = signer.sign(message).then((jws) => ({ version: message.version, jws }));
      envelopes.set(key, cached);
    }
    return cached;
  }

  function fullEnvelope(): Promise<SnapshotEnvelope> {
    const { version, state, stateHash } = requireCurrent();
    return envelope('full', () => ({ kind: 'full', version, stateHash, state }));
  }

  function deltaEnvelope(from: Published): Promise<SnapshotEnvelope> {
    const { version, state, stateHash } = requireCurrent();
    return envelope(String(from.version), () => ({
      kind: 'delta',
      fromVersion: from.version,
      version,
      stateHash,
      changes: diffSnapshotStates(from.state, state),
    }));
  }

  function nextChange(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        waiters.delete(wake);
        signal?.removeEventListener('abort', wake);
        resolve();
      };
      waiters.add(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }

  return {
    get version() {
      return current?.version ?? 0;
    },
    get state() {
      return requireCurrent().state;
    },
    async start() {
      await runRecompile();
      requireCurrent();
      if (options.listen) {
        unlisten = await options.listen(SNAPSHOT_CHANNEL, (payload) => {
          const [from, cause] = payload.split(':');
          if (from !== replicaId) schedule(cause === 'usage' ? 'usage' : 'admin');
        });
      }
    },
    changed(cause = 'admin') {
      if (closed) return;
      schedule(cause);
      if (options.listen) {
        // Other replicas recompile on this; our own notification is recognised by the payload and ignored.
        prisma.$executeRaw`SELECT pg_notify(${SNAPSHOT_CHANNEL}, ${`${replicaId}:${cause}`})`.catch((error: unknown) =>
          log(`snapshot notify failed: ${error instanceof Error ? error.message : String(error)}`),
        );
      }
    },
    async settled() {
      if (timer) {
        clearTimeout(timer);
        timer = null;
        await runRecompile();
      }
      while (recompiling) await recompiling;
    },
    async *subscribe(lastEventId, signal) {
      const resumeFrom = lastEventId ? history.get(Number(lastEventId)) : undefined;
      let sent: Published | null = resumeFrom ?? null;
      while (!closed && !signal?.aborted) {
        const now = requireCurrent();
        if (sent !== now) {
          const known = sent !== null && history.get(sent.version) === sent;
          yield await (known && sent ? deltaEnvelope(sent) : fullEnvelope());
          sent = now;
          continue;
        }
        await nextChange(signal);
      }
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      for (const wake of waiters) wake();
      waiters = new Set();
      await unlisten?.();
      while (recompiling) await recompiling;
    },
  };
}
