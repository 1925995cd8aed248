// What the client is told a request cost, inside its `usage` object: `cost` in USD as OpenRouter sends
// it (a float, for display), `cost_microdollars` exact (the integer the ledger was debited), and, when
// the upstream reported its own cost, that too in OpenRouter's `cost_details.upstream_inference_cost`.
import { microToUsd } from '../../../shared/src/money.ts';

export interface UsageCostFields {
  cost: number;
  cost_microdollars: number;
  cost_details?: { upstream_inference_cost: number };
}

export function usageCostFields(costMicros: number, upstreamCostMicros: number | null): UsageCostFields {
  // Added after the literal, not spread into it: a spread in a literal takes V8's property-copying builtins.
  const fields: UsageCostFields = { cost: microToUsd(costMicros), cost_microdollars: costMicros };
  if (upstreamCostMicros !== null) fields.cost_details = { upstream_inference_cost: microToUsd(upstreamCostMicros) };
  return fields;
}

/**
 * The members of usageCostFields as JSON text, without the braces (`"cost":0.0015,"cost_microdollars":1500`):
 * what JSON.stringify writes for them, since a finite number's JSON is its String().
 */
export function usageCostMembers(costMicros: number, upstreamCostMicros: number | null): string {
  const members = `"cost":${String(microToUsd(costMicros))},"cost_microdollars":${String(costMicros)}`;
  return upstreamCostMicros === null ? members : `${members},"cost_details":{"upstream_inference_cost":${String(microToUsd(upstreamCostMicros))}}`;
}
