// Finds the usage event of one request for GET /generation, for the key that made it. The records this
// data plane wrote and has not shipped yet are held in memory as bytes (usage/recent-usage-events.ts),
// so a request is found right after its response, before usage shipping (every second) brought it to
// the control plane; anything else is asked of the control plane, which has every ingested request.
// Another key's request is absent either way. Nothing is kept here: an event object per request, kept
// until the control plane accepted it, and every request id for the newest 10,000, outlived V8's young
// generation and were promoted (issue 19).
import type { GenerationLookupInput } from '../../../shared/src/data-plane-channel.ts';
import type { UsageEvent } from '../../../shared/src/usage-event.ts';

export interface GenerationLookup {
  find(requestId: string, apiKeyId: string): Promise<UsageEvent | null>;
}

export function createGenerationLookup(
  fetchStored: (input: GenerationLookupInput) => Promise<UsageEvent | null>,
  written: { find(requestId: string): UsageEvent | null },
): GenerationLookup {
  return {
    async find(requestId, apiKeyId) {
      const local = written.find(requestId);
      if (local !== null) return local.apiKeyId === apiKeyId ? local : null;
      return fetchStored({ requestId, apiKeyId });
    },
  };
}
