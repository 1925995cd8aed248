// The half of a data plane that exists once per process, whatever the number of serving threads: the
// last good snapshot and spend floors loaded from disk, the stores requests read them from, and the
// subscription that keeps them current (snapshot-feed.ts, sync-snapshots.ts) and saves them to disk.
import { join } from 'node:path';
import { createSnapshotVerifier } from '../../shared/src/crypto.ts';
import { lineLog, type Logger } from '../../shared/src/logger.ts';
import { loadSnapshotFile, SnapshotFileWriter } from './snapshot/load-snapshot.ts';
import { createByokDecrypter } from './snapshot/decrypt-byok-credentials.ts';
import { createSnapshotFeed } from './snapshot/snapshot-feed.ts';
import { SnapshotStore } from './snapshot/snapshot-store.ts';
import { SpendFloorFile } from './snapshot/spend-floor-file.ts';
import { SpendFloorStore } from './snapshot/spend-floor-store.ts';
import { startSnapshotSync, type AppliedUpdate } from './snapshot/sync-snapshots.ts';
import type { MaterialisedSnapshot } from './snapshot/verify-snapshot.ts';
import type { DataPlaneOptions } from './start-data-plane.ts';
import { controlPlaneUrlsOf } from './data-plane-settings.ts';

export interface SharedState {
  store: SnapshotStore;
  spendFloors: SpendFloorStore;
  /** The snapshot loaded from disk, if any. */
  loaded: MaterialisedSnapshot | null;
  /** Subscribes to the control plane; stop() ends the subscription and its feed thread. */
  startSync(onApplied?: (update: AppliedUpdate) => void): { stop(): Promise<void> };
  /** Writes what the sync has not saved yet. */
  closeShared(): Promise<void>;
}

export async function openSharedState(options: DataPlaneOptions, logger: Logger): Promise<SharedState> {
  const log = lineLog(logger, 'warn');
  const verifier = await createSnapshotVerifier(options.snapshotPublicJwk);
  const snapshotPath = join(options.stateDir, 'snapshot.json');
  const store = new SnapshotStore(await createByokDecrypter(options.byokPrivateJwk ?? null, log));
  const loaded = await loadSnapshotFile(snapshotPath, verifier, log);
  const initial = loaded?.snapshot ?? null;
  if (initial !== null) {
    await store.set(initial);
    logger.info({ version: initial.version, path: snapshotPath }, `data plane: serving snapshot version ${initial.version} from ${snapshotPath}`);
  }
  const writer = new SnapshotFileWriter(snapshotPath, log, loaded ?? undefined);
  const spendFloors = new SpendFloorStore();
  const spendFloorFile = new SpendFloorFile(join(options.stateDir, 'spend-floors.jws'), log);
  await spendFloorFile.load(verifier, spendFloors);

  return {
    store,
    spendFloors,
    loaded: initial,
    startSync(onApplied) {
      const feed = createSnapshotFeed({
        controlPlaneUrls: controlPlaneUrlsOf(options),
        dataPlaneToken: options.dataPlaneToken,
        snapshotPublicJwk: options.snapshotPublicJwk,
      });
      const sync = startSnapshotSync({ feed, verifier, store, writer, spendFloors, spendFloorFile, initial, log: lineLog(logger, 'info'), onApplied });
      return {
        async stop() {
          sync.stop();
          await feed.close();
        },
      };
    },
    async closeShared() {
      await writer.flush();
      await spendFloorFile.flush();
    },
  };
}
