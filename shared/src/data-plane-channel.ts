// The contract of the control plane's tRPC channel for data planes (router `dataPlane`):
//   dataPlane.snapshot     subscription (SSE). Input { lastEventId?: string } (the last version seen).
//                          Yields tracked(String(version), SnapshotEnvelope): a full snapshot on connect,
//                          or the deltas since lastEventId when that version is still known; then deltas.
//   dataPlane.ingestUsage  mutation. Input UsageIngestInput, returns UsageIngestResult; idempotent.
// Both require `authorization: Bearer <data-plane token>`.
import { z } from 'zod';

export const snapshotEnvelopeSchema = z.object({
  version: z.number().int().positive(),
  /** Compact JWS whose payload is a SnapshotMessage (see crypto.ts). */
  jws: z.string(),
});

export type SnapshotEnvelope = z.infer<typeof snapshotEnvelopeSchema>;

export const DATA_PLANE_TOKEN_PREFIX = 'dp-';
