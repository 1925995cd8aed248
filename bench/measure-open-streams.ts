// Many concurrent open streams through the data plane: its RSS before, with every stream open, and
// after they close. The count is capped by the open-file limit, since the data plane holds two
// sockets per stream (client and upstream).
import { execFileSync } from 'node:child_process';
import { latencyLadder, type LatencyLadder } from './latency-stats.ts';
import { cpuPercent, sampleUsage } from './process-usage.ts';
import { holdOpenStreams } from './run-load-client.ts';
import type { GatewayTarget } from './targets.ts';

export interface OpenStreamsResult {
  requested: number;
  /** Streams attempted after the open-file cap. */
  attempted: number;
  openFileLimit: number;
  started: number;
  endedBeforeMeasure: number;
  failed: number;
  rssBeforeBytes: number;
  rssOpenBytes: number;
  rssAfterCloseBytes: number;
  rssPerStreamBytes: number | null;
  /** CPU of the data plane relaying every open stream's events, over the hold. */
  cpuPercentWhileOpen: number;
  firstByte: LatencyLadder;
}

/** The hard RLIMIT_NOFILE children inherit. */
export function openFileLimit(): number {
  return Number(execFileSync('sh', ['-c', 'ulimit -Hn']).toString().trim()) || 1024;
}

export async function measureOpenStreams(target: GatewayTarget, requested: number, holdMs: number, loadCpu: number): Promise<OpenStreamsResult> {
  const limit = openFileLimit();
  // Two sockets per stream in the data plane, plus headroom for its own files and listeners.
  const attempted = Math.min(requested, Math.floor((limit - 200) / 2));
  const before = sampleUsage(target.pid);
  const held = await holdOpenStreams({ request: target.request(true), streams: attempted, concurrentOpens: 256, timeoutMs: 60_000 }, loadCpu);
  const openStart = sampleUsage(target.pid);
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  const open = sampleUsage(target.pid);
  const summary = await held.release();
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const after = sampleUsage(target.pid);
  const stillOpen = held.summary.started - summary.ended;
  return {
    requested,
    attempted,
    openFileLimit: limit,
    started: held.summary.started,
    endedBeforeMeasure: summary.ended,
    failed: held.summary.failed,
    rssBeforeBytes: before.rssBytes,
    rssOpenBytes: open.rssBytes,
    rssAfterCloseBytes: after.rssBytes,
    rssPerStreamBytes: stillOpen > 0 ? (open.rssBytes - before.rssBytes) / stillOpen : null,
    cpuPercentWhileOpen: cpuPercent(openStart, open),
    firstByte: latencyLadder(held.summary.firstByteMicros),
  };
}
