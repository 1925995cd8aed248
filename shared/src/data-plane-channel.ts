// The contract of the control plane's tRPC channel for data planes (router `dataPlane`):
//   dataPlane.snapshot     subscription (SSE). Input { lastEventId?: string } (the last version seen).
//                          Yields tracked(String(version), SnapshotEnvelope): a full snapshot on connect,
//                          or the deltas since lastEventId when that version is still known; then deltas.
//   dataPlane.ingestUsage  mutation. Input UsageIngestInput, returns UsageIngestResult; idempotent.
//   dataPlane.generation   query. Input GenerationLookupInput; returns the stored UsageEvent of that
//                          request when that API key made it, else null (another key's is not found).
// All require `authorization: Bearer <data-plane token>`.
import { z } from 'zod';

export const snapshotEnvelopeSchema = z.object({
  version: z.number().int().positive(),
  /** Compact JWS whose payload is a SnapshotMessage (see crypto.ts). */
  jws: z.string(),
});

export type SnapshotEnvelope = z.infer<typeof snapshotEnvelopeSchema>;

export const DATA_PLANE_TOKEN_PREFIX = 'dp-';

export const generationLookupInputSchema = z.object({
  requestId: z.string().min(1).max(128),
  /** The key asking: only the key that made a request may read it. */
  apiKeyId: z.string().min(1),
});

export type GenerationLookupInput = z.infer<typeof generationLookupInputSchema>;
