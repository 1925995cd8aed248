// Holds the current snapshot view and swaps it atomically (one reference assignment): a request reads
// `current()` once and keeps that object, so a swap never changes a request in flight. BYOK keys are
// decrypted before the swap, so the new view is complete when requests first see it.
import type { SnapshotSection } from '../../../shared/src/snapshot.ts';
import type { DecryptByokCredentials } from './decrypt-byok-credentials.ts';
import { buildSnapshotView, type SnapshotView } from './snapshot-view.ts';
import type { MaterialisedSnapshot } from './verify-snapshot.ts';

/** The sections buildSnapshotView indexes. */
const indexedSections: readonly SnapshotSection[] = ['models', 'providers', 'byokCredentials'];

export class SnapshotStore {
  #current: SnapshotView | null = null;
  #appliedAtMs: number | null = null;
  #waiters: Array<{ minVersion: number; resolve(): void }> = [];
  #decryptByok: DecryptByokCredentials;

  constructor(decryptByok: DecryptByokCredentials) {
    this.#decryptByok = decryptByok;
  }

  current(): SnapshotView | null {
    return this.#current;
  }

  /** Date.now() when the current snapshot was applied (its age, for metrics). */
  get appliedAtMs(): number | null {
    return this.#appliedAtMs;
  }

  /**
   * Callers apply snapshots one at a time, in order. `changedSections`: what a delta changed, when the
   * state is the current view's changed in place; a delta that touches none of the indexed sections
   * (models, providers, BYOK credentials) keeps the current view's indexes, so creating or revoking a key
   * costs no rebuild.
   */
  async set(snapshot: MaterialisedSnapshot, changedSections: ReadonlySet<SnapshotSection> | null = null): Promise<SnapshotView> {
    const previous = this.#current;
    const view =
      previous !== null && changedSections !== null && !indexedSections.some((section) => changedSections.has(section))
        ? Object.freeze({ ...previous, version: snapshot.version, stateHash: snapshot.stateHash, state: snapshot.state })
        : buildSnapshotView(snapshot.version, snapshot.stateHash, snapshot.state, await this.#decryptByok(snapshot.state.byokCredentials));
    this.#current = view;
    this.#appliedAtMs = Date.now();
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
