// The contract of the control plane's tRPC channel for data planes (router `dataPlane`):
//   dataPlane.snapshot     subscription (SSE). Input { lastEventId?: string } (the position last seen,
//                          formatChannelPosition). Yields tracked(position, ChannelEnvelope): first the
//                          spend floors (a checkpoint, or the updates since the position's floors when
//                          that control plane still has them), then a full snapshot, or the delta since
//                          the position's version when that version is still known; then whatever changes.
//                          A large full snapshot comes as several snapshot messages, its parts (snapshot.ts).
//   dataPlane.ingestUsage  mutation. Input UsageIngestInput, returns UsageIngestResult; idempotent.
//   dataPlane.generation   query. Input GenerationLookupInput; returns the stored UsageEvent of that
//                          request when that API key made it, else null (another key's is not found).
// All require `authorization: Bearer <data-plane token>`.
import { z } from 'zod';
import { snapshotMessageSchema } from './snapshot.ts';
import { spendFloorMessageSchema, type SpendFloorPosition } from './spend-floors.ts';

export const snapshotEnvelopeSchema = z.object({
  version: z.number().int().positive(),
  /** Compact JWS whose payload is a SnapshotMessage (see crypto.ts). */
  jws: z.string(),
});

export type SnapshotEnvelope = z.infer<typeof snapshotEnvelopeSchema>;

export const spendFloorEnvelopeSchema = z.object({
  spendFloors: z.object({ epoch: z.string(), seq: z.number().int().positive() }),
  /** Compact JWS whose payload is a SpendFloorMessage. */
  jws: z.string(),
});

export type SpendFloorEnvelope = z.infer<typeof spendFloorEnvelopeSchema>;

export const channelEnvelopeSchema = z.union([snapshotEnvelopeSchema, spendFloorEnvelopeSchema]);

export type ChannelEnvelope = z.infer<typeof channelEnvelopeSchema>;

/** What the channel's JWSs carry; `kind` tells a snapshot message from a spend-floor message. */
export const channelMessageSchema = z.union([snapshotMessageSchema, spendFloorMessageSchema]);

export type ChannelMessage = z.infer<typeof channelMessageSchema>;

/** Where a data plane stands on the channel: the snapshot version it holds and its place in the floor stream. */
export interface ChannelPosition {
  /** 0 = no snapshot. */
  version: number;
  floors: SpendFloorPosition | null;
}

/** The SSE event id: `<version>` or `<version>.<floor epoch>.<floor seq>` (an epoch has no dot). */
export function formatChannelPosition(position: ChannelPosition): string {
  return position.floors === null ? String(position.version) : `${position.version}.${position.floors.epoch}.${position.floors.seq}`;
}

/** Anything malformed reads as "nothing known", which costs a full resend, never a wrong delta. */
export function parseChannelPosition(eventId: string | null | undefined): ChannelPosition {
  const [version, epoch, seq] = (eventId ?? '').split('.');
  const known = Number(version);
  const floorSeq = Number(seq);
  return {
    version: Number.isSafeInteger(known) && known > 0 ? known : 0,
    floors: epoch && Number.isSafeInteger(floorSeq) && floorSeq > 0 ? { epoch, seq: floorSeq } : null,
  };
}

export const DATA_PLANE_TOKEN_PREFIX = 'dp-';

export const generationLookupInputSchema = z.object({
  requestId: z.string().min(1).max(128),
  /** The key asking: only the key that made a request may read it. */
  apiKeyId: z.string().min(1),
});

export type GenerationLookupInput = z.infer<typeof generationLookupInputSchema>;
