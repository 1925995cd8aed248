// The disk's write + fdatasync latency where the data plane's usage spool lives (the temp dir): a
// spool that syncs before a response finishes puts this under every request's latency.
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latencyLadder, type LatencyLadder } from './latency-stats.ts';

export async function measureDiskSync(rounds: number, recordBytes = 512): Promise<LatencyLadder> {
  const path = join(tmpdir(), `bench-disk-sync-${process.pid}`);
  const file = await open(path, 'w');
  const record = Buffer.alloc(recordBytes, 'x');
  const samples: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const start = process.hrtime.bigint();
      await file.write(record, 0, record.length, round * record.length);
      await file.datasync();
      samples.push(Number(process.hrtime.bigint() - start) / 1000);
    }
  } finally {
    await file.close();
    await rm(path, { force: true });
  }
  return latencyLadder(samples);
}
