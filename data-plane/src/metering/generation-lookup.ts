// Finds the usage event of one request for GET /generation, for the key that made it. The events this
// data plane wrote recently are kept in memory (the newest RECENT_EVENTS), so a request is found right
// after its response, before usage shipping (every second) brought it to the control plane; anything
// else is asked of the control plane, which has every ingested request. Another key's request is
// absent either way.
import type { GenerationLookupInput } from '../../../shared/src/data-plane-channel.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';

const RECENT_EVENTS = 10_000;

export interface GenerationLookup {
  /** A usage event this data plane has just written to its spool. */
  remember(event: UsageEvent): void;
  find(requestId: string, apiKeyId: string): Promise<UsageEvent | null>;
}

export function createGenerationLookup(fetchStored: (input: GenerationLookupInput) => Promise<UsageEvent | null>, capacity = RECENT_EVENTS): GenerationLookup {
  const recent = new Map<string, UsageEvent>();
  // The ids in the order they came, in a ring: the oldest is dropped by its id. Asking the Map for its
  // first key instead walks past every entry deleted since its last rehash (8 µs a request at 10k, measured).
  const order: string[] = [];
  let next = 0;
  return {
    remember(event) {
      const oldest = order[next];
      if (oldest !== undefined) recent.delete(oldest);
      order[next] = event.requestId;
      next = next + 1 === capacity ? 0 : next + 1;
      recent.set(event.requestId, event);
    },
    async find(requestId, apiKeyId) {
      const local = recent.get(requestId);
      if (local !== undefined) return local.apiKeyId === apiKeyId ? local : null;
      return fetchStored({ requestId, apiKeyId });
    },
  };
}
