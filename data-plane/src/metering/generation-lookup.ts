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
  return {
    remember(event) {
      recent.set(event.requestId, event);
      if (recent.size > capacity) recent.delete(recent.keys().next().value as string);
    },
    async find(requestId, apiKeyId) {
      const local = recent.get(requestId);
      if (local !== undefined) return local.apiKeyId === apiKeyId ? local : null;
      return fetchStored({ requestId, apiKeyId });
    },
  };
}
