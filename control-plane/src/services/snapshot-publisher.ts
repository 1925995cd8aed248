// Keeps the current snapshot version and pushes it to subscribed data planes.
//
// - Any configuration change calls changed(); recompiles are debounced, and a new version is recorded
//   in snapshot_versions only when the state hash changed, so versions stay monotonic across restarts.
// - A change of a few API keys, organizations, BYOK credentials, models or providers names them
//   (changed({ apiKeys }), changed({ orgs }), changed({ byokCredentials }), changed({ models }),
//   changed({ providers })): only those rows are read (and for a provider enabled or disabled, the
//   models it serves, whose endpoints it adds or takes away), the entries that differ become the new
//   version's changes, its hash is updated from the current one's lanes (updateStateHash) and the state
//   is patched in place, so creating or revoking one key, or changing one model's price, costs the
//   control plane its rows, not the whole catalogue. Anything else ('admin', a catalog import) compiles
//   the whole state again.
// - Credits and ingested spend are not configuration: changed({ spendOf }) goes to the spend floor
//   publisher (spend-floor-publisher.ts), which sends those orgs' floors on the same subscription, so
//   traffic never publishes a snapshot version.
// - Other control-plane replicas learn of a change through NOTIFY on SNAPSHOT_CHANNEL.
// - A bounded log of the recent versions' changes lets a reconnecting data plane resume with one delta
//   (the changes since its version, composed); otherwise it gets a full snapshot. Every message is signed.
// - A full snapshot of more than FULL_SNAPSHOT_PART_ENTRIES entries goes in parts, each a signed message
//   of its own (splitSnapshotState): one 30 MB SSE event for 100k keys took a loaded data plane longer
//   to read than the channel's 25 s inactivity limit (no ping gets through behind it), so it reconnected
//   and started again, and never got a snapshot.
import { randomUUID } from 'node:crypto';
import type { SnapshotSigner } from '../../../shared/src/crypto.ts';
import { formatChannelPosition, parseChannelPosition, type ChannelEnvelope, type SnapshotEnvelope } from '../../../shared/src/data-plane-channel.ts';
import type { OrgSpendFloor, SpendFloorPosition } from '../../../shared/src/spend-floors.ts';
import { canonicalJson } from '../../../shared/src/canonical-json.ts';
import {
  applyChangesInPlace,
  composeSnapshotChanges,
  diffSnapshotStates,
  hashSnapshotStateWithJson,
  splitSnapshotState,
  updateStateHash,
  type SnapshotDelta,
  type SnapshotMessage,
  type SnapshotState,
} from '../../../shared/src/snapshot.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { ByokSnapshotCompiler } from './byok/compile-byok-credentials.ts';
import type { SnapshotChangeCause } from './service-context.ts';
import type { Database } from '../db/open-database.ts';
import {
  compileApiKey,
  compileModel,
  compileOrg,
  compileProvider,
  compileSnapshotState,
  modelSnapshotInclude,
  orgSnapshotInclude,
} from './snapshot-compiler.ts';
import { createSpendFloorPublisher, type SpendFloorPublisher } from './spend-floor-publisher.ts';

export const SNAPSHOT_CHANNEL = 'gateway_snapshot_changed';
/** NOTIFY payloads are capped at 8000 bytes; a longer list of ids is sent as "everything". */
const MAX_NOTIFY_ID_LIST = 7_000;
/** Entries per part of a full snapshot: about 1.5 MB of keys, a fraction of a second to verify and hash on a data plane. */
const FULL_SNAPSHOT_PART_ENTRIES = 5_000;

export interface SnapshotPublisherOptions {
  prisma: PrismaClient;
  signer: SnapshotSigner;
  /** Encrypts BYOK provider keys for the snapshot. */
  byok: ByokSnapshotCompiler;
  /** Subscribes to NOTIFY on a channel (see db/open-database.ts); omitted = single replica. */
  listen?: NonNullable<Database['listen']>;
  debounceMs?: number;
  /** Debounce of spend floor updates. */
  spendFloorDebounceMs?: number;
  /** Sees every spend floor read (budget-alerts.ts). */
  onSpendFloors?(floors: ReadonlyMap<string, OrgSpendFloor>): void;
  /** How many recent versions a data plane can resume from with a delta. */
  historySize?: number;
  /** Entries per part of a full snapshot (FULL_SNAPSHOT_PART_ENTRIES; tests use fewer). */
  fullSnapshotPartEntries?: number;
  /** Failures (a recompile, a notification). */
  log?: (line: string) => void;
  /** Each published version: how it was compiled, how long it took, and the whole state's JSON size (whole compiles). */
  onCompiled?: (compiled: CompiledVersion) => void;
}

export interface CompiledVersion {
  version: number;
  kind: 'whole' | 'rows';
  ms: number;
  stateBytes: number | null;
  /** What was read, in words. */
  summary: string;
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

interface Pending {
  all: boolean;
  apiKeys: Set<string>;
  orgs: Set<string>;
  byokCredentials: Set<string>;
  models: Set<string>;
  providers: Set<string>;
}

const nothingPending = (): Pending => ({
  all: false,
  apiKeys: new Set(),
  orgs: new Set(),
  byokCredentials: new Set(),
  models: new Set(),
  providers: new Set(),
});

interface Published {
  version: number;
  stateHash: string;
}

/** The changes that made a version out of the one before it (empty for the first version held). */
interface LogEntry {
  version: number;
  changes: SnapshotDelta['changes'];
}

/** The catalog rows a targeted compile read, in words ('' for none). */
function catalogRowsRead(providers: number, models: number): string {
  if (providers + models === 0) return '';
  return `${providers > 0 ? `${providers} provider, ` : ''}${models} model, `;
}

export function createSnapshotPublisher(options: SnapshotPublisherOptions): SnapshotPublisher {
  const {
    prisma,
    signer,
    byok,
    debounceMs = 25,
    historySize = 32,
    fullSnapshotPartEntries = FULL_SNAPSHOT_PART_ENTRIES,
    log = () => {},
    onCompiled = () => {},
  } = options;
  const replicaId = randomUUID();
  // Signed messages for the current version, shared by every subscriber: key 'full' (its parts) or the fromVersion.
  let envelopes = new Map<string, Promise<SnapshotEnvelope[]>>();
  let current: Published | null = null;
  // The current state, patched in place by changes of a few entries, replaced by a whole compile.
  let state: SnapshotState | null = null;
  let lanes: Uint16Array = new Uint16Array();
  /** keyHash by key id, for a key that was deleted rather than revoked. */
  let keyHashById = new Map<string, string>();
  let changeLog: LogEntry[] = [];
  let waiters = new Set<() => void>();
  let timer: NodeJS.Timeout | null = null;
  let recompiling: Promise<void> | null = null;
  /** Why the last recompile failed, for start() to report. */
  let lastFailure: unknown = null;
  /** What the next run must compile: everything, or only these keys, orgs and BYOK credentials. */
  let pending = nothingPending();
  let closed = false;
  let unlisten: (() => Promise<void>) | null = null;
  const spendFloors = createSpendFloorPublisher({
    prisma,
    signer,
    onPublish: wakeSubscribers,
    debounceMs: options.spendFloorDebounceMs,
    onFloors: options.onSpendFloors,
    log,
  });

  function wakeSubscribers(): void {
    const woken = waiters;
    waiters = new Set();
    for (const wake of woken) wake();
  }

  function requireCurrent(): Published {
    if (!current) throw new Error('snapshot publisher not started');
    return current;
  }

  function requireState(): SnapshotState {
    if (!state) throw new Error('snapshot publisher not started');
    return state;
  }

  function publish(version: number, stateHash: string, changes: SnapshotDelta['changes']): void {
    current = { version, stateHash };
    changeLog.push({ version, changes });
    if (changeLog.length > historySize) changeLog = changeLog.slice(-historySize);
    envelopes = new Map();
    wakeSubscribers();
  }

  async function compileAll(): Promise<void> {
    const startedMs = performance.now();
    const next = await compileSnapshotState(prisma, byok);
    const hashed = hashSnapshotStateWithJson(next);
    if (current && current.stateHash === hashed.stateHash) return;
    const latest = current ? null : await prisma.snapshotVersion.findFirst({ orderBy: { version: 'desc' } });
    const version =
      latest && latest.stateHash === hashed.stateHash
        ? Number(latest.version)
        : Number((await prisma.snapshotVersion.create({ data: { stateHash: hashed.stateHash } })).version);
    const changes = state === null ? {} : diffSnapshotStates(state, next);
    if (state === null) changeLog = [];
    state = next;
    lanes = hashed.lanes;
    keyHashById = new Map(Object.entries(next.apiKeys).map(([keyHash, key]) => [key.id, keyHash]));
    publish(version, hashed.stateHash, changes);
    onCompiled({
      version,
      kind: 'whole',
      ms: performance.now() - startedMs,
      stateBytes: hashed.stateJson.reduce((bytes, piece) => bytes + Buffer.byteLength(piece), 0),
      summary: `${Object.keys(next.apiKeys).length} keys, ${Object.keys(next.models).length} models`,
    });
  }

  /** Reads only the named rows; false when that cannot describe the change (an org is gone: compile everything). */
  async function compileSome(due: Pending): Promise<boolean> {
    const held = requireState();
    const startedMs = performance.now();
    const apiKeyIds = [...due.apiKeys];
    const byokIds = [...due.byokCredentials];
    const providerIds = [...due.providers];
    const orgIds = due.orgs;
    const keyRows = apiKeyIds.length === 0 ? [] : await prisma.apiKey.findMany({ where: { id: { in: apiKeyIds } } });
    const byokRows = byokIds.length === 0 ? [] : await prisma.byokCredential.findMany({ where: { id: { in: byokIds } } });
    // A key's or credential's org must be in the state with it.
    for (const row of [...keyRows, ...byokRows]) if (held.orgs[row.orgId] === undefined) orgIds.add(row.orgId);
    const orgRows = orgIds.size === 0 ? [] : await prisma.organization.findMany({ where: { id: { in: [...orgIds] } }, include: orgSnapshotInclude });
    if (orgRows.length < orgIds.size) return false;
    const providerRows = providerIds.length === 0 ? [] : await prisma.provider.findMany({ where: { id: { in: providerIds } } });
    const providers = new Map(providerRows.map((row) => [row.id, compileProvider(row)]));
    // A provider enabled or disabled adds or takes away its endpoints: the models it serves are read again.
    const toggled = providerIds.filter((id) => (held.providers[id] !== undefined) !== ((providers.get(id) ?? null) !== null));
    const modelIds = [...due.models];
    const modelRows =
      modelIds.length === 0 && toggled.length === 0
        ? []
        : await prisma.model.findMany({
            where: { OR: [{ id: { in: modelIds } }, { endpoints: { some: { providerId: { in: toggled } } } }] },
            include: modelSnapshotInclude,
          });
    const changes: SnapshotDelta['changes'] = {};
    const change = (section: 'apiKeys' | 'orgs' | 'byokCredentials' | 'providers' | 'models', id: string, entry: unknown) => {
      const old = (held[section] as Record<string, unknown>)[id];
      if (entry === null ? old === undefined : old !== undefined && canonicalJson(old) === canonicalJson(entry)) return;
      const sectionChanges = (changes[section] ??= { upsert: {}, remove: [] });
      if (entry === null) sectionChanges.remove.push(id);
      else sectionChanges.upsert[id] = entry as never;
    };
    for (const row of orgRows) change('orgs', row.id, compileOrg(row));
    const found = new Set(keyRows.map((row) => row.id));
    for (const row of keyRows) change('apiKeys', row.keyHash, row.revokedAt === null ? compileApiKey(row) : null);
    for (const id of apiKeyIds) {
      const keyHash = keyHashById.get(id);
      if (!found.has(id) && keyHash !== undefined) change('apiKeys', keyHash, null);
    }
    for (const id of providerIds) change('providers', id, providers.get(id) ?? null);
    for (const row of modelRows) change('models', row.id, compileModel(row));
    const modelsFound = new Set(modelRows.map((row) => row.id));
    for (const id of modelIds) if (!modelsFound.has(id)) change('models', id, null);
    const credentials = await byok.compileSome(byokRows);
    for (const id of byokIds) change('byokCredentials', id, credentials[id] ?? null);
    if (Object.keys(changes).length === 0) return true;
    const hash = updateStateHash(lanes, held, changes);
    const stateHash = hash.digest();
    const version = Number((await prisma.snapshotVersion.create({ data: { stateHash } })).version);
    // From here to publish() nothing awaits: the state, its hash and its version move together.
    applyChangesInPlace(held, changes);
    lanes = hash.lanes;
    for (const row of keyRows) {
      if (row.revokedAt === null) keyHashById.set(row.id, row.keyHash);
      else keyHashById.delete(row.id);
    }
    for (const id of apiKeyIds) if (!found.has(id)) keyHashById.delete(id);
    publish(version, stateHash, changes);
    onCompiled({
      version,
      kind: 'rows',
      ms: performance.now() - startedMs,
      stateBytes: null,
      summary: `${catalogRowsRead(providerRows.length, modelRows.length)}${byokRows.length > 0 ? `${byokRows.length} BYOK credential, ` : ''}${keyRows.length} key and ${orgRows.length} organization rows read`,
    });
    return true;
  }

  async function recompile(): Promise<void> {
    const due = pending;
    pending = nothingPending();
    try {
      if (due.all || state === null || !(await compileSome(due))) await compileAll();
    } catch (error) {
      // Data planes keep the last good snapshot; the next change retries, compiling everything.
      pending.all = true;
      throw error;
    }
  }

  const hasPending = () =>
    pending.all ||
    pending.apiKeys.size > 0 ||
    pending.orgs.size > 0 ||
    pending.byokCredentials.size > 0 ||
    pending.models.size > 0 ||
    pending.providers.size > 0;

  /** Runs recompiles one at a time; a change signalled during a run causes exactly one more run. */
  function runRecompile(): Promise<void> {
    if (recompiling) return recompiling;
    recompiling = (async () => {
      do {
        try {
          await recompile();
          lastFailure = null;
        } catch (error) {
          lastFailure = error;
          log(`snapshot recompile failed: ${error instanceof Error ? error.message : String(error)}`);
          break;
        }
      } while (hasPending() && !closed);
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
    if (cause !== 'admin' && 'spendOf' in cause) return spendFloors.changed(cause.spendOf);
    if (cause === 'admin') pending.all = true;
    else if ('apiKeys' in cause) for (const id of cause.apiKeys) pending.apiKeys.add(id);
    else if ('byokCredentials' in cause) for (const id of cause.byokCredentials) pending.byokCredentials.add(id);
    else if ('models' in cause) for (const id of cause.models) pending.models.add(id);
    else if ('providers' in cause) for (const id of cause.providers) pending.providers.add(id);
    else for (const id of cause.orgs) pending.orgs.add(id);
    schedule();
  }

  /**
   * `<replica>:admin`, or `<replica>:<spend|keys|orgs|byok|models|providers>:<id,id,…>`, or with `*` for
   * a list too long to send. Ids are URI-encoded: a model id may hold ':' or ','.
   */
  function notificationPayload(cause: SnapshotChangeCause): string {
    if (cause === 'admin') return `${replicaId}:admin`;
    const [kind, ids] =
      'spendOf' in cause
        ? ['spend', cause.spendOf]
        : 'apiKeys' in cause
          ? ['keys', cause.apiKeys]
          : 'byokCredentials' in cause
            ? ['byok', cause.byokCredentials]
            : 'models' in cause
              ? ['models', cause.models]
              : 'providers' in cause
                ? ['providers', cause.providers]
                : ['orgs', cause.orgs];
    const list = ids.map(encodeURIComponent).join(',');
    return `${replicaId}:${kind}:${list.length > MAX_NOTIFY_ID_LIST ? '*' : list}`;
  }

  function onMissedNotifications(): void {
    onChange('admin');
    spendFloors.changed(null);
  }

  function onNotification(payload: string): void {
    const [from, kind] = payload.split(':', 2);
    if (from === replicaId) return;
    const list = kind === undefined ? undefined : payload.slice(`${from}:${kind}:`.length);
    const ids = list === undefined || list === '' || list === '*' ? null : list.split(',').map(decodeURIComponent);
    if (kind === 'spend') spendFloors.changed(ids);
    else if (ids !== null && kind === 'keys') onChange({ apiKeys: ids });
    else if (ids !== null && kind === 'orgs') onChange({ orgs: ids });
    else if (ids !== null && kind === 'byok') onChange({ byokCredentials: ids });
    else if (ids !== null && kind === 'models') onChange({ models: ids });
    else if (ids !== null && kind === 'providers') onChange({ providers: ids });
    else onChange('admin');
  }

  /** Signed now (each payload is serialised synchronously as sign() is called), so later in-place changes cannot reach them. */
  function envelope(key: string, build: () => SnapshotMessage[]): Promise<SnapshotEnvelope[]> {
    let cached = envelopes.get(key);
    if (!cached) {
      cached = Promise.all(build().map((message) => signer.sign(message).then((jws) => ({ version: message.version, jws }))));
      envelopes.set(key, cached);
    }
    return cached;
  }

  /** The full snapshot: one message, or parts of FULL_SNAPSHOT_PART_ENTRIES entries. */
  function fullEnvelopes(): Promise<SnapshotEnvelope[]> {
    const { version, stateHash } = requireCurrent();
    return envelope('full', () => {
      const parts = splitSnapshotState(requireState(), fullSnapshotPartEntries);
      if (parts.length === 1) return [{ kind: 'full', version, stateHash, state: parts[0]! }];
      return parts.map((state, index) => ({ kind: 'full', version, stateHash, state, part: { index, count: parts.length } }));
    });
  }

  /** The changes since `fromVersion`, which the log must hold. */
  function deltaEnvelopes(fromVersion: number): Promise<SnapshotEnvelope[]> {
    const { version, stateHash } = requireCurrent();
    return envelope(String(fromVersion), () => {
      const since = changeLog.slice(changeLog.findIndex((entry) => entry.version === fromVersion) + 1);
      return [{ kind: 'delta', fromVersion, version, stateHash, changes: composeSnapshotChanges(since.map((entry) => entry.changes)) }];
    });
  }

  const resumable = (version: number | null) => version !== null && changeLog.some((entry) => entry.version === version);

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
      return requireState();
    },
    spendFloors,
    async start() {
      pending.all = true;
      await runRecompile();
      if (!current) {
        const reason = lastFailure instanceof Error ? lastFailure.message : String(lastFailure);
        throw new Error(`the control plane could not compile its first snapshot: ${reason}`, { cause: lastFailure });
      }
      await spendFloors.start();
      // What other replicas notified while the connection was down is lost: recompile everything and read every org's floor.
      if (options.listen) unlisten = await options.listen(SNAPSHOT_CHANNEL, onNotification, onMissedNotifications);
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
      /** The version this subscriber holds, when this replica can send it a delta from there; else null. */
      let sent: number | null = resumable(position.version) ? position.version : null;
      let floorsAt: SpendFloorPosition | null = position.floors;
      const eventId = () => formatChannelPosition({ version: sent ?? position.version, floors: floorsAt });
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
        if (sent !== now.version) {
          const envelopes = await (sent !== null && resumable(sent) ? deltaEnvelopes(sent) : fullEnvelopes());
          // A part before the last leaves the subscriber where it was: it holds the new version only once whole.
          for (const envelope of envelopes.slice(0, -1)) yield { eventId: eventId(), envelope };
          sent = now.version;
          yield { eventId: eventId(), envelope: envelopes.at(-1)! };
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
