// A usage spool directory with its shipper: open (creating) the spool, close the streams the last
// process was killed in the middle of (billed at their worst case, once), and ship what is spooled to
// the control plane. Each thread that serves requests has one (serve-requests.ts); a spool directory
// left by a worker thread that no longer runs (DATA_PLANE_WORKERS lowered) gets one too, so that its
// events still ship (workers/ship-orphan-spools.ts).
import { RecentUsageEvents } from './recent-usage-events.ts';
import { closeInterruptedStreams, UsageShipper } from './ship-usage.ts';
import { UsageSpool, type SpoolFile, type SpoolSync } from './usage-spool.ts';

export interface ShippedSpoolOptions {
  directory: string;
  send(requestIds: string[], json: Buffer[]): Promise<unknown>;
  batchSize: number;
  intervalMs: number;
  maxBackoffMs?: number;
  groupMaxEvents?: number;
  groupDelayMs?: number;
  sync?: SpoolSync;
  openFile?: (path: string) => Promise<SpoolFile>;
  log: (line: string) => void;
}

export interface ShippedSpool {
  spool: UsageSpool;
  /** Started by start(), once the caller serves (the first ship reads what is spooled). */
  shipper: UsageShipper;
  /** The records written and not shipped yet, as bytes: GET /generation finds a request there before it is shipped. */
  recent: RecentUsageEvents;
}

export async function openShippedSpool(options: ShippedSpoolOptions): Promise<ShippedSpool> {
  const { directory, log } = options;
  const recent = new RecentUsageEvents();
  const spool = await UsageSpool.open({
    directory,
    groupMaxEvents: options.groupMaxEvents,
    groupDelayMs: options.groupDelayMs,
    sync: options.sync,
    openFile: options.openFile,
    onWritten: (segment, written) => recent.add(segment, written),
    log,
  });
  const interrupted = await closeInterruptedStreams(directory, (event) => spool.append(event));
  if (interrupted > 0) log(`usage spool: ${interrupted} streams were cut by the last process's end; their provisional usage records are final now`);
  const shipper = new UsageShipper({
    directory,
    activeSegment: () => spool.activeSegment,
    send: options.send,
    batchSize: options.batchSize,
    intervalMs: options.intervalMs,
    maxBackoffMs: options.maxBackoffMs,
    recent,
    log,
  });
  return { spool, shipper, recent };
}
