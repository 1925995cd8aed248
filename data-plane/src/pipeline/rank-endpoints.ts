// The order in which one model's endpoints are tried (choose-endpoints.ts applies the request's `provider`
// preferences around it):
// - `provider.sort` (or the `:nitro` / `:floor` model suffixes): by price (prompt + completion price per
//   token, lowest first), throughput (this data plane's EWMA of tokens per second × (1 − error rate),
//   highest first) or latency (EWMA of TTFT ÷ (1 − error rate), lowest first), from endpoint-health.ts.
//   An endpoint not yet measured (and not failing) goes first, so it gets measured; ties keep catalog order.
// - otherwise the catalog's: priority (lower first), and endpoints of equal priority share the requests
//   in proportion to their weights (default 1; 0 = only after the others of its priority), drawn per request.
// Either way an ejected endpoint (outlier ejection, endpoint-health.ts) goes after every other one.
// A model with one endpoint, the common case, is returned as it is without any lookup.
import type { EndpointCandidate } from './choose-endpoints.ts';
import type { EndpointHealth } from './endpoint-health.ts';

export type SortBy = 'price' | 'throughput' | 'latency';

/** Sorted by `sort`, or balanced by the catalog's priorities and weights; a new array only when the order changes. */
export function rankEndpoints(candidates: EndpointCandidate[], sort: SortBy | null, health: EndpointHealth): EndpointCandidate[] {
  if (candidates.length < 2) return candidates;
  return sort === null ? balanceByWeight(candidates, health.random) : sortEndpoints(candidates, sort, health);
}

/** A stable sort of `candidates` by `sort` (lower key first). */
export function sortEndpoints(candidates: readonly EndpointCandidate[], sort: SortBy, health: EndpointHealth): EndpointCandidate[] {
  const keyed = candidates.map((candidate, index) => ({ candidate, index, key: sortKey(candidate, sort, health) }));
  keyed.sort((left, right) => left.key - right.key || left.index - right.index);
  return keyed.map((entry) => entry.candidate);
}

function sortKey(candidate: EndpointCandidate, sort: SortBy, health: EndpointHealth): number {
  if (sort === 'price') return candidate.endpoint.prices.prompt + candidate.endpoint.prices.completion;
  const stats = health.statsOf(candidate.endpoint);
  const measured = sort === 'throughput' ? stats.tokensPerSecond : stats.ttftMs;
  if (Number.isNaN(measured)) return stats.errorRate === 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  const success = 1 - stats.errorRate;
  return sort === 'throughput' ? -measured * success : success <= 0 ? Number.POSITIVE_INFINITY : measured / success;
}

/**
 * Endpoints of one model and equal catalog priority (adjacent: the catalog sends them by priority) in a
 * weighted random order: each place goes to one of the remaining endpoints with probability weight ÷ the
 * remaining weights. Endpoints without a priority (an older snapshot) are each their own level.
 */
function balanceByWeight(candidates: EndpointCandidate[], random: () => number): EndpointCandidate[] {
  let result = candidates;
  let start = 0;
  for (let end = 1; end <= candidates.length; end += 1) {
    if (end < candidates.length && sameLevel(candidates[end - 1]!, candidates[end]!)) continue;
    if (end - start > 1) {
      if (result === candidates) result = candidates.slice();
      weightedShuffle(result, start, end, random);
    }
    start = end;
  }
  return result;
}

function sameLevel(left: EndpointCandidate, right: EndpointCandidate): boolean {
  return left.model === right.model && left.endpoint.priority !== undefined && left.endpoint.priority === right.endpoint.priority;
}

function weightOf(candidate: EndpointCandidate): number {
  return candidate.endpoint.weight ?? 1;
}

function weightedShuffle(list: EndpointCandidate[], start: number, end: number, random: () => number): void {
  for (let place = start; place < end - 1; place += 1) {
    let total = 0;
    for (let index = place; index < end; index += 1) total += weightOf(list[index]!);
    // Only weight-0 endpoints left: they keep catalog order.
    if (total <= 0) return;
    let draw = random() * total;
    let chosen = place;
    for (let index = place; index < end; index += 1) {
      const weight = weightOf(list[index]!);
      if (weight > 0) chosen = index;
      draw -= weight;
      if (weight > 0 && draw < 0) break;
    }
    const picked = list[chosen]!;
    list.splice(chosen, 1);
    list.splice(place, 0, picked);
  }
}

/** Ejected endpoints moved after the others, each group in its order; the same array when none is ejected. */
export function ejectedLast(candidates: EndpointCandidate[], health: EndpointHealth): EndpointCandidate[] {
  if (candidates.length < 2) return candidates;
  const now = health.now();
  let ejected: EndpointCandidate[] | null = null;
  for (const candidate of candidates) {
    if (health.statsOf(candidate.endpoint).isEjected(now)) (ejected ??= []).push(candidate);
  }
  if (ejected === null || ejected.length === candidates.length) return candidates;
  const skipped = ejected;
  return [...candidates.filter((candidate) => !skipped.includes(candidate)), ...skipped];
}
