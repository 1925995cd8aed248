// Sustained usage ingest through one control plane on PostgreSQL: `senders` concurrent data-plane
// connections each send batches of `batchSize` new usage events (dataPlane.ingestUsage, the data plane's
// own call and batch size) for `durationMs`, spread over the bench's organizations and keys. Rows/s is
// what the control plane stored (usage rows, ledger debits and usage_daily in one transaction per batch).
import { randomUUID } from 'node:crypto';
import type { UsageEvent } from '../shared/src/usage-event.ts';
import { usageEvent } from '../test/support/usage-event.ts';
import { latencyLadder, type LatencyLadder } from './latency-stats.ts';

export interface UsageIngestResult {
  senders: number;
  batchSize: number;
  seconds: number;
  rows: number;
  rowsPerSecond: number;
  /** Per batch, microseconds. */
  batchMicros: LatencyLadder;
}

export async function measureUsageIngest(options: {
  controlPlaneUrl: string;
  dataPlaneToken: string;
  /** Key i (1-based) is `bench-key-<i>` of org `bench-org-<1 + i % orgs>`, used by `userId`. */
  keys: number;
  orgs: number;
  userId: string;
  providerId: string;
  senders: number;
  batchSize: number;
  durationMs: number;
}): Promise<UsageIngestResult> {
  const { keys, orgs, batchSize } = options;
  const event = (): UsageEvent => {
    const key = 1 + Math.floor(Math.random() * keys);
    const now = new Date().toISOString();
    return usageEvent({
      requestId: `bench-${randomUUID()}`,
      orgId: `bench-org-${1 + (key % orgs)}`,
      userId: options.userId,
      apiKeyId: `bench-key-${key}`,
      requestedModel: 'simulator/echo',
      providerId: options.providerId,
      promptTokens: 120,
      completionTokens: 40,
      costMicros: 3,
      ttftMs: 20,
      upstreamLatencyMs: 25,
      totalLatencyMs: 30,
      startedAt: now,
    });
  };
  const batchMicros: number[] = [];
  let rows = 0;
  const startedNs = process.hrtime.bigint();
  const deadline = Date.now() + options.durationMs;
  await Promise.all(
    Array.from({ length: options.senders }, async () => {
      while (Date.now() < deadline) {
        const events = Array.from({ length: batchSize }, event);
        const batchStartedNs = process.hrtime.bigint();
        const response = await fetch(`${options.controlPlaneUrl}/trpc/dataPlane.ingestUsage`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.dataPlaneToken}` },
          body: JSON.stringify({ events }),
        });
        if (!response.ok) throw new Error(`ingest failed: ${response.status} ${(await response.text()).slice(0, 500)}`);
        const body = (await response.json()) as { result: { data: { inserted: number } } };
        batchMicros.push(Number(process.hrtime.bigint() - batchStartedNs) / 1000);
        rows += body.result.data.inserted;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
  return { senders: options.senders, batchSize, seconds, rows, rowsPerSecond: rows / seconds, batchMicros: latencyLadder(batchMicros) };
}
