// Worker i spools to spool-<i>/ (start-worker-pool.ts). When a data plane restarts with fewer workers,
// the directories above its count hold events no thread appends to: this thread ships them (after
// closing the streams cut there, as every spool does at start), so lowering DATA_PLANE_WORKERS loses
// no usage. The directories stay; a later start with more workers appends there again.
import { readdir } from 'node:fs/promises';
import { createControlPlaneChannel } from '../channel/control-plane-channel.ts';
import { DEFAULT_USAGE_BATCH_SIZE, DEFAULT_USAGE_FLUSH_INTERVAL_MS } from '../data-plane-settings.ts';
import type { ServingSettings } from '../serve-requests.ts';
import { openShippedSpool, type ShippedSpool } from '../usage/open-shipped-spool.ts';
import { workerSpoolDirectory } from './worker-spools.ts';

export async function shipOrphanSpools(
  stateDir: string,
  workers: number,
  settings: ServingSettings,
  log: (line: string) => void,
): Promise<{ close(): Promise<void> }> {
  const names = await readdir(stateDir).catch(() => [] as string[]);
  const orphans = names.flatMap((name) => {
    const index = /^spool-(\d+)$/.exec(name)?.[1];
    return index !== undefined && Number(index) > workers ? [Number(index)] : [];
  });
  const opened: ShippedSpool[] = [];
  if (orphans.length > 0) {
    const channel = createControlPlaneChannel({ controlPlaneUrls: settings.controlPlaneUrls, dataPlaneToken: settings.dataPlaneToken });
    for (const index of orphans) {
      const shipped = await openShippedSpool({
        directory: workerSpoolDirectory(stateDir, index),
        send: (_events, json) => channel.ingestUsage(json),
        batchSize: settings.usageBatchSize ?? DEFAULT_USAGE_BATCH_SIZE,
        intervalMs: settings.usageFlushIntervalMs ?? DEFAULT_USAGE_FLUSH_INTERVAL_MS,
        maxBackoffMs: settings.usageShipMaxBackoffMs,
        log,
      });
      await shipped.shipper.start();
      opened.push(shipped);
    }
    log(`usage spool: shipping what ${orphans.map((index) => `spool-${index}/`).join(', ')} hold (left by worker threads this data plane no longer runs)`);
  }
  return {
    async close() {
      for (const { shipper, spool } of opened) {
        shipper.stop();
        await spool.close();
      }
    },
  };
}
