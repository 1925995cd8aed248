// Test support: a tiny control plane speaking the real channel contract (a real @trpc/server router
// with dataPlane.snapshot and dataPlane.ingestUsage, SSE subscriptions, signed snapshots), so the
// data plane is tested without the real control plane.
import type { AddressInfo } from 'node:net';
import { initTRPC, tracked, TRPCError } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import type { JWK } from 'jose';
import { z } from 'zod';
import { createSnapshotSigner, generateSnapshotSigningKeys } from '../../../shared/src/crypto.ts';
import { formatChannelPosition, parseChannelPosition, type ChannelEnvelope, type SnapshotEnvelope } from '../../../shared/src/data-plane-channel.ts';
import {
  diffSnapshotStates,
  emptySnapshotState,
  hashSnapshotState,
  splitSnapshotState,
  type SnapshotMessage,
  type SnapshotState,
} from '../../../shared/src/snapshot.ts';
import type { OrgSpendFloor, SpendFloorPosition } from '../../../shared/src/spend-floors.ts';
import { usageEventSchema, usageIngestInputSchema, type UsageEvent } from '../../../shared/src/usage-event.ts';

export interface FakeControlPlane {
  url: string;
  token: string;
  publicJwk: JWK;
  version: number;
  state: SnapshotState;
  /** Every usage event ingested (duplicates by requestId counted once). */
  usage: Map<string, UsageEvent>;
  ingestCalls: number;
  /** While true, ingestUsage fails with a 503. */
  ingestDown: boolean;
  /** Subscriptions opened, with the snapshot version each asked to resume from (null: none). */
  subscriptions: Array<string | null>;
  /** Signs and publishes a new version (a delta to current subscribers, full on a fresh connect). */
  publish(state: SnapshotState): Promise<number>;
  /**
   * publish() in two steps: signs now, and the function returned publishes what was signed (its version),
   * with no CPU of its own to speak of (a bench times the data plane from there). Nothing else may be
   * published in between.
   */
  prepare(state: SnapshotState): Promise<() => number>;
  /** Signs and sends spend floors as a checkpoint (every org's: an org left out has none). */
  publishSpendFloors(orgs: Record<string, OrgSpendFloor>): Promise<void>;
  /** The current version's full snapshot as sent: one envelope, or its parts. */
  readonly fullSnapshotEnvelopes: readonly SnapshotEnvelope[];
  /** Sends a raw envelope to current subscribers (for tampering tests); does not change the state. */
  sendRaw(envelope: SnapshotEnvelope): void;
  close(): Promise<void>;
}

/** `fullSnapshotPartEntries`: send full snapshots in parts of that many entries, as the real control plane sends large ones. */
export async function startFakeControlPlane(options: { port?: number; fullSnapshotPartEntries?: number } = {}): Promise<FakeControlPlane> {
  const keys = await generateSnapshotSigningKeys();
  const signer = await createSnapshotSigner(keys.privateJwk);
  const token = 'dp-test-token';
  const deltas = new Map<number, SnapshotEnvelope>(); // by fromVersion
  const listeners = new Set<(envelope: ChannelEnvelope) => void>();
  let fullEnvelopes: SnapshotEnvelope[] = [];
  // One epoch, and every floor message a checkpoint: the fake has no update log to resume from.
  const floorEpoch = 'fake';
  let floorCheckpoint: ChannelEnvelope | null = null;
  let floorPosition: SpendFloorPosition | null = null;

  const t = initTRPC.context<{ authorization: string }>().create();
  const authed = t.procedure.use(({ ctx, next }) => {
    if (ctx.authorization !== `Bearer ${token}`) throw new TRPCError({ code: 'UNAUTHORIZED' });
    return next();
  });

  const fake: FakeControlPlane = {
    url: '',
    token,
    publicJwk: keys.publicJwk,
    version: 0,
    state: emptySnapshotState(),
    usage: new Map(),
    ingestCalls: 0,
    ingestDown: false,
    subscriptions: [],
    get fullSnapshotEnvelopes() {
      return fullEnvelopes;
    },
    async publish(state) {
      return (await fake.prepare(state))();
    },
    async prepare(state) {
      const version = fake.version + 1;
      const stateHash = hashSnapshotState(state);
      const parts = splitSnapshotState(state, options.fullSnapshotPartEntries ?? Number.POSITIVE_INFINITY);
      const full: SnapshotMessage[] =
        parts.length === 1
          ? [{ kind: 'full', version, stateHash, state }]
          : parts.map((part, index) => ({ kind: 'full', version, stateHash, state: part, part: { index, count: parts.length } }));
      const signedFull = await Promise.all(full.map(async (message) => ({ version, jws: await signer.sign(message) })));
      const fromVersion = fake.version;
      const delta: SnapshotEnvelope | null =
        fromVersion > 0
          ? { version, jws: await signer.sign({ kind: 'delta', fromVersion, version, stateHash, changes: diffSnapshotStates(fake.state, state) }) }
          : null;
      return () => {
        if (fake.version !== fromVersion) throw new Error(`version ${version} was prepared on ${fromVersion}, but ${fake.version} was published since`);
        fullEnvelopes = signedFull;
        if (delta !== null) deltas.set(fromVersion, delta);
        fake.version = version;
        fake.state = state;
        for (const listener of listeners) for (const envelope of delta ? [delta] : fullEnvelopes) listener(envelope);
        return version;
      };
    },
    async publishSpendFloors(orgs) {
      const seq = (floorPosition?.seq ?? 0) + 1;
      floorPosition = { epoch: floorEpoch, seq };
      floorCheckpoint = { spendFloors: floorPosition, jws: await signer.sign({ kind: 'spend-floors', epoch: floorEpoch, seq, checkpoint: true, orgs }) };
      for (const listener of listeners) listener(floorCheckpoint);
    },
    sendRaw(envelope) {
      for (const listener of listeners) listener(envelope);
    },
    close: async () => {
      listeners.clear();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const appRouter = t.router({
    dataPlane: t.router({
      snapshot: authed.input(z.object({ lastEventId: z.string().nullish() }).optional()).subscription(async function* ({ input, signal }) {
        const position = parseChannelPosition(input?.lastEventId);
        const lastEventId = position.version === 0 ? null : String(position.version);
        fake.subscriptions.push(lastEventId);
        const queue: ChannelEnvelope[] = [];
        let wake: (() => void) | null = null;
        const listener = (envelope: ChannelEnvelope) => {
          queue.push(envelope);
          wake?.();
        };
        listeners.add(listener);
        try {
          // Resume: the deltas since lastEventId when known; otherwise the full snapshot.
          let from = lastEventId === null ? null : Number(lastEventId);
          if (from !== null && from !== fake.version) {
            const catchUp: SnapshotEnvelope[] = [];
            while (from !== null && deltas.has(from)) {
              const delta = deltas.get(from) as SnapshotEnvelope;
              catchUp.push(delta);
              from = delta.version;
            }
            if (from === fake.version) queue.unshift(...catchUp);
            else queue.unshift(...fullEnvelopes);
          } else if (from === null) queue.unshift(...fullEnvelopes);
          // Floors first, as the real control plane sends them.
          const floorsKnown = position.floors !== null && position.floors.epoch === floorEpoch && position.floors.seq === floorPosition?.seq;
          if (floorCheckpoint && !floorsKnown) queue.unshift(floorCheckpoint);
          let sent = { version: position.version, floors: position.floors };
          while (!signal?.aborted) {
            const envelope = queue.shift();
            if (envelope) {
              sent = 'spendFloors' in envelope ? { ...sent, floors: envelope.spendFloors } : { ...sent, version: envelope.version };
              yield tracked(formatChannelPosition(sent), envelope);
              continue;
            }
            await new Promise<void>((resolve) => {
              wake = resolve;
              signal?.addEventListener('abort', () => resolve(), { once: true });
            });
            wake = null;
          }
        } finally {
          listeners.delete(listener);
        }
      }),
      ingestUsage: authed.input(usageIngestInputSchema).mutation(({ input }) => {
        fake.ingestCalls += 1;
        if (fake.ingestDown) throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'down for the test' });
        let inserted = 0;
        for (const event of input.events.map((raw) => usageEventSchema.parse(raw))) {
          if (fake.usage.has(event.requestId)) continue;
          fake.usage.set(event.requestId, event);
          inserted += 1;
        }
        return { inserted, duplicates: input.events.length - inserted };
      }),
    }),
  });

  const server = createHTTPServer({
    basePath: '/trpc/',
    router: appRouter,
    createContext: ({ req }) => ({ authorization: req.headers.authorization ?? '' }),
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
