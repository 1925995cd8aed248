// What the main thread and a data-plane worker thread say to each other (start-worker-pool.ts,
// data-plane-worker.ts).
import type { MessagePort } from 'node:worker_threads';
import type { JWK } from 'jose';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Level } from 'pino';
import type { ServingSettings } from '../serve-requests.ts';
import type { SpendOptions } from '../start-data-plane.ts';
import type { FollowedUpdate } from './follow-snapshots.ts';

export interface WorkerData {
  /** 1-based. */
  index: number;
  settings: ServingSettings;
  spoolDirectory: string;
  logLevel: Level | 'silent';
  byokPrivateJwk: JWK | null;
  /** Set: each worker talks to Redis itself. Unset: the main thread's in-process stores, on these ports. */
  redis: (SpendOptions & { redisUrl: string }) | null;
  counterPort: MessagePort | null;
  ratePort: MessagePort | null;
  /** The main thread's snapshot and spend floors when the worker started. */
  initial: Extract<FollowedUpdate, { kind: 'state' }>;
}

export type ToWorker = { type: 'update'; update: FollowedUpdate } | { type: 'flush'; id: number } | { type: 'metrics'; id: number } | { type: 'close' };

export type FromWorker =
  | { type: 'listening'; port: number }
  | { type: 'failed'; error: string }
  | { type: 'version'; version: number }
  | { type: 'state-wanted' }
  | { type: 'answer'; id: number; metrics?: Array<MetricObjectWithValues<MetricValue<string>>>; error?: string }
  | { type: 'closed' };
