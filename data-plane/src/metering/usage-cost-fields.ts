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
