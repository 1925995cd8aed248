// Holds the current snapshot view and swaps it atomically (one reference assignment): a request reads
// `current()` once and keeps that object, so a swap never changes a request in flight. BYOK keys are
// decrypted before the swap, so the new view is complete when requests first see it.
import type { DecryptByokCredentials } from './decrypt-byok-credentials.ts';
import { buildSnapshotView, type SnapshotView } from './snapshot-view.ts';
import type { MaterialisedSnapshot } from './verify-snapshot.ts';

export class SnapshotStore {
  #current: SnapshotView | null = null;
  #waiters: Array<{ minVersion: number; resolve(): void }> = [];
  #decryptByok: DecryptByokCredentials;

  constructor(decryptByok: DecryptByokCredentials) {
    this.#decryptByok = decryptByok;
  }

  current(): SnapshotView | null {
    return this.#current;
  }

  /** Callers apply snapshots one at a time, in order. */
  async set(snapshot: MaterialisedSnapshot): Promise<SnapshotView> {
    const view = buildSnapshotView(snapshot.version, snapshot.stateHash, snapshot.state, await this.#decryptByok(snapshot.state.byokCredentials));
    this.#current = view;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (view.version < waiter.minVersion) return true;
      waiter.resolve();
      return false;
    });
    return view;
  }

  /** Resolves once a snapshot with version ≥ minVersion (any, when omitted) is current. */
  waitFor(minVersion = 1): Promise<void> {
    if (this.#current !== null && this.#current.version >= minVersion) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ minVersion, resolve }));
  }
}
