// Saturation: wrk (closed loop, 1 thread, N connections) pinned to the load CPU. wrk's histogram has
// microsecond resolution; the Lua script prints the ladder as JSON.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LatencyLadder } from './latency-stats.ts';
import { startPinned, type CpuList } from './pinned-process.ts';
import type { BenchRequest } from './request-bytes.ts';

export interface SaturationPlan {
  request: BenchRequest;
  connections: number;
  durationSeconds: number;
  cpu: CpuList;
}

export interface SaturationResult {
  connections: number;
  requestsPerSecond: number;
  /** Non-2xx answers, socket errors and timeouts. */
  errors: number;
  latency: LatencyLadder;
}

interface WrkSummary {
  requests: number;
  durationMicros: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  errors: Record<string, number>;
}

const SCRIPT = fileURLToPath(new URL('./wrk-post.lua', import.meta.url));

export async function runWrk(plan: SaturationPlan): Promise<SaturationResult> {
  const { request } = plan;
  const url = `http://${request.host}:${request.port}${request.path}`;
  const headers = Object.entries(request.headers)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
  const directory = await mkdtemp(join(tmpdir(), 'bench-wrk-'));
  const bodyFile = join(directory, 'body.json');
  await writeFile(bodyFile, request.body);
  let line: string;
  try {
    const wrk = startPinned({
      name: 'wrk',
      cpu: plan.cpu,
      command: 'wrk',
      args: ['-t1', `-c${plan.connections}`, `-d${plan.durationSeconds}s`, '--timeout', '10s', '-s', SCRIPT, url],
      env: { ...process.env, BENCH_BODY_FILE: bodyFile, BENCH_HEADERS: headers },
    });
    line = await wrk.waitForLine(/^\{"requests"/, (plan.durationSeconds + 30) * 1000);
    await wrk.stop();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  const summary = JSON.parse(line) as WrkSummary;
  return {
    connections: plan.connections,
    requestsPerSecond: summary.requests / (summary.durationMicros / 1e6),
    errors: Object.values(summary.errors).reduce((total, count) => total + count, 0),
    latency: { count: summary.requests, p50: summary.p50, p90: summary.p90, p99: summary.p99, p999: summary.p999, max: summary.max },
  };
}
