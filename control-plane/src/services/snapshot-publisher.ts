// Keeps the current snapshot version and pushes it to subscribed data planes.
//
// - Any configuration change calls changed(); recompiles are debounced, and a new version is recorded
//   in snapshot_versions only when the state hash changed, so versions stay monotonic across restarts.
// - Credits and ingested spend are not configuration: changed({ spendOf }) goes to the spend floor
//   publisher (spend-floor-publisher.ts), which sends those orgs' floors on the same subscription, so
//   traffic never publishes a snapshot version.
// - Other control-plane replicas learn of a change through NOTIFY on SNAPSHOT_CHANNEL.
// - A bounded history of recent states lets a reconnecting data plane resume with one delta;
//   otherwise it gets a full snapshot. Every message is signed.
import { randomUUID } from 'node:crypto';
import type { SnapshotSigner } from '../../../shared/src/crypto.ts';
import { formatChannelPosition, parseChannelPosition, type ChannelEnvelope, type SnapshotEnvelope } from '../../../shared/src/data-plane-channel.ts';
import type { SpendFloorPosition } from '../../../shared/src/spend-floors.ts';
import { diffSnapshotStates, hashSnapshotState, type SnapshotMessage, type SnapshotState } from '../../../shared/src/snapshot.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { ByokSnapshotCompiler } from './byok/compile-byok-credentials.ts';
import type { SnapshotChangeCause } from './service-context.ts';
import { compileSnapshotState } from './snapshot-compiler.ts';
import { createSpendFloorPublisher, type SpendFloorPublisher } from './spend-floor-publisher.ts';

export const SNAPSHOT_CHANNEL = 'gateway_snapshot_changed';
/** NOTIFY payloads are capped at 8000 bytes; a longer list of orgs is sent as "every org". */
const MAX_NOTIFY_ORG_LIST = 7_000;

export interface SnapshotPublisherOptions {
  prisma: PrismaClient;
  signer: SnapshotSigner;
  /** Encrypts BYOK provider keys for the snapshot. */
  byok: ByokSnapshotCompiler;
  /** Subscribes to NOTIFY on a channel (see db/open-database.ts); omitted = single replica. */
  listen?: (channel: string, onNotification: (payload: string) => void) => Promise<() => Promise<void>>;
  debounceMs?: number;
  /** Debounce of spend floor updates. */
  spendFloorDebounceMs?: number;
  /** How many recent versions a data plane can resume from with a delta. */
  historySize?: number;
  log?: (line: string) => void;
}

export interface SnapshotPublisher {
  /** The current version (0 before start()). */
  readonly version: number;
  readonly state: SnapshotState;
  readonly spendFloors: SpendFloorPublisher;
  start(): Promise<void>;
  /** Schedules a recompile, or for `{ spendOf }` a spend floor update; cheap to call after every mutation. */
  changed(cause?: SnapshotChangeCause): void;
  /** Resolves once every change signalled so far is compiled (and published if it changed anything). */
  settled(): Promise<void>;
  /**
   * The envelopes one subscriber should receive, each with the position it brings the subscriber to
   * (the SSE event id): the spend floors it lacks, then a delta from the position's version when that
   * version is still in the history (nothing when it is current), else a full snapshot; then whatever
   * changes. Ends when `signal` aborts or the publisher closes.
   */
  subscribe(lastEventId: string | null | undefined, signal?: AbortSignal): AsyncGenerator<{ eventId: string; envelope: ChannelEnvelope }>;
  close(): Promise<void>;
}

interface Published {
  version: number;
  state: SnapshotState;
  stateHash: string;
}

export function createSnapshotPublisher(options: SnapshotPublisherOptions): SnapshotPublisher {
  const { prisma, signer, byok, debounceMs = 25, historySize = 32, log = () => {} } = options;
  const replicaId = randomUUID();
  const history = new Map<number, Published>();
  // Signed messages for the current version, shared by every subscriber: key 'full' or the fromVersion.
  let envelopes = new Map<string, Promise<SnapshotEnvelope>>();
  let current: Published | null = null;
  let waiters = new Set<() => void>();
  let timer: NodeJS.Timeout | null = null;
  let recompiling: Promise<void> | null = null;
  let dirty = false;
  let closed = false;
  let unlisten: (() => Promise<void>) | null = null;
  const spendFloors = createSpendFloorPublisher({ prisma, signer, onPublish: wakeSubscribers, debounceMs: options.spendFloorDebounceMs, log });

  function wakeSubscribers(): void {
    const woken = waiters;
    waiters = new Set();
    for (const wake of woken) wake();
  }

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
    wakeSubscribers();
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

  /** A recompile within the debounce: one already scheduled is kept. */
  function schedule(): void {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void runRecompile();
    }, debounceMs);
  }

  function onChange(cause: SnapshotChangeCause): void {
    if (cause === 'admin') schedule();
    else spendFloors.changed(cause.spendOf);
  }

  /** `<replica>:admin`, `<replica>:spend:<org,org,…>` or `<replica>:spend:*` (too many orgs to list). */
  function notificationPayload(cause: SnapshotChangeCause): string {
    if (cause === 'admin') return `${replicaId}:admin`;
    const orgs = cause.spendOf.join(',');
    return `${replicaId}:spend:${orgs.length > MAX_NOTIFY_ORG_LIST ? '*' : orgs}`;
  }

  function onNotification(payload: string): void {
    const [from, kind, orgs] = payload.split(':');
    if (from === replicaId) return;
    if (kind !== 'spend') schedule();
    else if (orgs === '*' || orgs === undefined) spendFloors.changed(null);
    else spendFloors.changed(orgs.split(',').filter((orgId) => orgId !== ''));
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
    spendFloors,
    async start() {
      await runRecompile();
      requireCurrent();
      await spendFloors.start();
      if (options.listen) unlisten = await options.listen(SNAPSHOT_CHANNEL, onNotification);
    },
    changed(cause = 'admin') {
      if (closed) return;
      onChange(cause);
      if (options.listen) {
        // Other replicas act on this; our own notification is recognised by the payload and ignored.
        prisma.$executeRaw`SELECT pg_notify(${SNAPSHOT_CHANNEL}, ${notificationPayload(cause)})`.catch((error: unknown) =>
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
      await spendFloors.settled();
    },
    async *subscribe(lastEventId, signal) {
      const position = parseChannelPosition(lastEventId);
      let sent: Published | null = history.get(position.version) ?? null;
      let floorsAt: SpendFloorPosition | null = position.floors;
      const eventId = () => formatChannelPosition({ version: sent?.version ?? position.version, floors: floorsAt });
      while (!closed && !signal?.aborted) {
        // Floors first: a data plane that gets its first snapshot already has the floors to enforce it.
        if (spendFloors.behind(floorsAt)) {
          const due = await spendFloors.catchUp(floorsAt);
          for (const envelope of due) {
            floorsAt = envelope.spendFloors;
            yield { eventId: eventId(), envelope };
          }
          if (due.length > 0) continue;
        }
        const now = requireCurrent();
        if (sent !== now) {
          const known = sent !== null && history.get(sent.version) === sent;
          const envelope = await (known && sent ? deltaEnvelope(sent) : fullEnvelope());
          sent = now;
          yield { eventId: eventId(), envelope };
          continue;
        }
        await nextChange(signal);
      }
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      wakeSubscribers();
      await unlisten?.();
      while (recompiling) await recompiling;
      await spendFloors.close();
    },
  };
}
