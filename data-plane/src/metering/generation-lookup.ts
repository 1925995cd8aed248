// Finds the usage event of one request for GET /generation, for the key that made it. The events this
// data plane wrote and has not shipped yet are kept in memory (at most the newest RECENT_EVENTS), so a
// request is found right after its response, before usage shipping (every second) brought it to the
// control plane; anything else is asked of the control plane, which has every ingested request. Another
// key's request is absent either way. An event is let go once the control plane has accepted it: kept
// for the newest 10,000 instead (20 s at 500 requests/s), every event outlived V8's young generation
// and was copied by two scavenges, a large part of what each scavenge copied (issue 19).
import type { GenerationLookupInput } from '../../../shared/src/data-plane-channel.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';

const RECENT_EVENTS = 10_000;

export interface GenerationLookup {
  /** A usage event this data plane has just written to its spool. */
  remember(event: UsageEvent): void;
  /** Events the control plane has accepted: it answers for them from now on. */
  forget(events: readonly UsageEvent[]): void;
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
    // Their ids stay in the ring until it comes round; deleting an id that is gone is a no-op.
    forget(events) {
      for (const event of events) recent.delete(event.requestId);
    },
    async find(requestId, apiKeyId) {
      const local = recent.get(requestId);
      if (local !== undefined) return local.apiKeyId === apiKeyId ? local : null;
      return fetchStored({ requestId, apiKeyId });
    },
  };
}
